/**
 * TRANSFORM closures:
 *  - `eax-serpent { ... }` and `serpent256-cbc { ... }`: secnet 0.6.7's transforms
 *    (transform-eax.c, transform-cbcmac.c, transform-common.h), which tincture nodes can
 *    use between themselves;
 *  - `tinc-transform { cipher; digest; mac-length; compression; }`: tincture extension,
 *    tinc 1.0's packet transform (what a real tincd speaks), with tincd 1.0.36's defaults.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import { type Dict, warn } from "../conf/dict.ts";
import { cipherByName, digestByName } from "../crypto/algorithms.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import { dictReadBool, dictReadNumber, dictReadString } from "../conf/read.ts";
import { closureList, dictArg } from "./common.ts";
import type { SecnetTransformSpec, TincTransformSpec } from "./specs.ts";

const RECVBITMAP_SIZE = 32;
export const CAPAB_BIT_MAX = 15;
export const CAPAB_BIT_SERPENT256CBC = 8;
export const CAPAB_BIT_EAXSERPENT = 9;

/** SEQNUM_PARAMS_INIT. */
function seqnumParams(d: Dict, desc: string, loc: Loc) {
  const maxSequenceSkew = dictReadNumber(d, "max-sequence-skew", {
    required: false,
    loc,
    facility: desc,
    def: 10,
  })!;
  const canDedupe = maxSequenceSkew < RECVBITMAP_SIZE;
  const dedupe = dictReadBool(d, "dedupe", {
    required: false,
    loc,
    facility: desc,
    def: canDedupe,
  })!;
  if (dedupe && !canDedupe) {
    cfgfatal(loc, "transform", "cannot dedupe with max-sequence-skew>=32", { silent: true });
  }
  return { maxSequenceSkew, dedupe };
}

/** SET_CAPAB_BIT. */
function capabNum(d: Dict, loc: Loc, def: number): number {
  const n = dictReadNumber(d, "capab-num", { required: false, loc, facility: "transform", def })!;
  if (n > CAPAB_BIT_MAX) {
    cfgfatal(loc, "transform", `capab-num out of range 0..${CAPAB_BIT_MAX}`);
  }
  return n;
}

// --- tinc 1.0 packet transform names (OpenSSL names tincd 1.0.36 resolves by name)

/** OpenSSL cipher names (EVP_get_cipherbyname) on this platform, lower case. */
export const TINC_CIPHERS: ReadonlySet<string> = new Set(
  [
    "none",
    ...["128", "192", "256"].flatMap((k) =>
      ["cbc", "cfb", "cfb1", "cfb8", "ctr", "ecb", "ofb"].flatMap((m) => [
        `aes-${k}-${m}`,
        `aria-${k}-${m}`,
        `camellia-${k}-${m}`,
      ])
    ),
    "aes128",
    "aes192",
    "aes256",
    "aria128",
    "aria192",
    "aria256",
    "camellia128",
    "camellia192",
    "camellia256",
    "bf",
    "bf-cbc",
    "bf-cfb",
    "bf-ecb",
    "bf-ofb",
    "blowfish",
    "cast",
    "cast-cbc",
    "cast5-cbc",
    "cast5-cfb",
    "cast5-ecb",
    "cast5-ofb",
    "chacha20",
    "des",
    "des-cbc",
    "des-cfb",
    "des-cfb1",
    "des-cfb8",
    "des-ecb",
    "des-ofb",
    "des-ede",
    "des-ede-cbc",
    "des-ede-cfb",
    "des-ede-ecb",
    "des-ede-ofb",
    "des-ede3",
    "des-ede3-cbc",
    "des-ede3-cfb",
    "des-ede3-cfb1",
    "des-ede3-cfb8",
    "des-ede3-ecb",
    "des-ede3-ofb",
    "des3",
    "desx",
    "desx-cbc",
    "rc2",
    "rc2-128",
    "rc2-40",
    "rc2-40-cbc",
    "rc2-64",
    "rc2-64-cbc",
    "rc2-cbc",
    "rc2-cfb",
    "rc2-ecb",
    "rc2-ofb",
    "rc4",
    "rc4-40",
    "seed",
    "seed-cbc",
    "seed-cfb",
    "seed-ecb",
    "seed-ofb",
    "sm4",
    "sm4-cbc",
    "sm4-cfb",
    "sm4-ctr",
    "sm4-ecb",
    "sm4-ofb",
  ],
);

/** OpenSSL digest names with their output size in bytes ("none" is tinc's). */
export const TINC_DIGESTS: ReadonlyMap<string, number> = new Map([
  ["none", 0],
  ["md4", 16],
  ["md5", 16],
  ["md5-sha1", 36],
  ["ripemd", 20],
  ["ripemd160", 20],
  ["rmd160", 20],
  ["sha1", 20],
  ["sha224", 28],
  ["sha256", 32],
  ["sha384", 48],
  ["sha512", 64],
  ["sha512-224", 28],
  ["sha512-256", 32],
  ["sha3-224", 28],
  ["sha3-256", 32],
  ["sha3-384", 48],
  ["sha3-512", 64],
  ["shake128", 16],
  ["shake256", 32],
  ["blake2b512", 64],
  ["blake2s256", 32],
  ["sm3", 32],
  ["ssl3-md5", 16],
  ["ssl3-sha1", 20],
  ["whirlpool", 64],
]);

/** tincd 1.0.36's defaults (src/net_setup.c). */
export const TINC_DEFAULTS = {
  cipher: "aes-256-cbc",
  digest: "sha256",
  macLength: 4,
  compression: 0,
} as const;

export function registerTransforms(root: Dict): void {
  defineClosure(root, "eax-serpent", (_self, loc, _context, args) => {
    const d = dictArg(args, loc, "eax-serpent", "parameter must be a dictionary");
    const capab = capabNum(d, loc, CAPAB_BIT_EAXSERPENT);
    const seq = seqnumParams(d, "eax-serpent", loc);
    const o = { required: false, loc, facility: "eax-serpent" };
    const tagLength = dictReadNumber(d, "tag-length-bytes", { ...o, def: 16 })!;
    if (tagLength < 1 || tagLength > 16) {
      cfgfatal(loc, "eax-serpent", "tag-length-bytes out of range 0..16");
    }
    const pad = dictReadNumber(d, "padding-rounding", { ...o, def: 16 })!;
    if (pad & (pad - 1)) cfgfatal(loc, "eax-serpent", "padding-round not a power of two");
    if (pad > 255) cfgfatal(loc, "eax-serpent", "padding-round must be 1..128");
    const spec: SecnetTransformSpec = {
      type: "eax-serpent",
      capabNum: capab,
      ...seq,
      tagLength,
      paddingRounding: pad === 0 ? 1 : pad,
    };
    return closureList("TRANSFORM", "eax-serpent", spec);
  });

  defineClosure(root, "serpent256-cbc", (_self, loc, _context, args) => {
    const d = dictArg(args, loc, "serpent256-cbc", "parameter must be a dictionary");
    const seq = seqnumParams(d, "serpent-cbc256", loc);
    const capab = capabNum(d, loc, CAPAB_BIT_SERPENT256CBC);
    const spec: SecnetTransformSpec = {
      type: "serpent256-cbc",
      capabNum: capab,
      ...seq,
      tagLength: 16,
      paddingRounding: 16,
    };
    return closureList("TRANSFORM", "serpent-cbc256", spec);
  });
}

/** tincture extension `tinc-transform { cipher; digest; mac-length; compression; }`. */
export function registerTincTransform(root: Dict): void {
  defineClosure(root, "tinc-transform", (_self, loc, context, args) => {
    const fac = "tinc-transform";
    const d = args.length === 0
      ? undefined
      : dictArg(args, loc, fac, "parameter must be a dictionary");
    const o = { required: false, loc, facility: fac };
    const cipherText = d ? dictReadString(d, "cipher", o) : undefined;
    const digestText = d ? dictReadString(d, "digest", o) : undefined;
    const cipherName = (cipherText ?? TINC_DEFAULTS.cipher).toLowerCase();
    const digestName = (digestText ?? TINC_DEFAULTS.digest).toLowerCase();
    // tincture's crypto knows a subset (and the canonical spelling of aliases).
    const known = cipherByName(cipherName);
    if (!TINC_CIPHERS.has(cipherName) && !known) {
      cfgfatal(loc, fac, `unrecognized cipher type "${cipherText}"`);
    }
    const knownDigest = digestByName(digestName);
    const digestSize = knownDigest?.size ?? TINC_DIGESTS.get(digestName);
    if (digestSize === undefined) {
      cfgfatal(loc, fac, `unrecognized digest type "${digestText}"`);
    }
    const cipher = known?.name ?? cipherName;
    const digest = knownDigest?.name ?? digestName;
    for (const [what, name, ok] of [["cipher", cipher, known], ["digest", digest, knownDigest]]) {
      if (!ok) {
        warn(
          context.env,
          loc,
          fac,
          `${what} "${name}" is valid for tincd, but tincture cannot run it`,
        );
      }
    }
    const macLength = d
      ? dictReadNumber(d, "mac-length", { ...o, def: TINC_DEFAULTS.macLength })!
      : TINC_DEFAULTS.macLength;
    // tincd: a MAC longer than the digest is an error; "none" keeps no MAC at all.
    const effectiveMac = digest === "none" ? 0 : macLength;
    if (effectiveMac > digestSize) {
      cfgfatal(
        loc,
        fac,
        `mac-length ${macLength} exceeds the size of digest ${digest} (${digestSize})`,
      );
    }
    const compression = d
      ? dictReadNumber(d, "compression", { ...o, def: TINC_DEFAULTS.compression })!
      : TINC_DEFAULTS.compression;
    if (compression > 11) cfgfatal(loc, fac, `bogus compression level ${compression} (0..11)`);
    const spec: TincTransformSpec = {
      type: "tinc",
      cipher,
      digest,
      macLength: effectiveMac,
      compression,
    };
    return closureList("TRANSFORM", "tinc-transform", spec);
  });
}
