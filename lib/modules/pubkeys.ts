/**
 * The newer key machinery of secnet 0.6 (pubkeys.c, privcache.c, pubkeys.fl.pl):
 *  - `make-public("rsa1", BASE91S)` → SIGPUBKEY from "BITS E N [comment]";
 *  - `load-private("rsa1", PATH)` → SIGPRIVKEY, read now (no validity check);
 *  - `priv-cache { privkeys; privcache-size; privkey-max; }` → PRIVCACHE (reads nothing);
 *  - peer-keys files (`pkg`/`pkgf`/`serial`/`pub rsa1 ...` lines), read for each site.
 *
 * Messages through secnet's cfgfile_log are fatal at the first one and printed; argument
 * errors (CL_GET_STR_ARG, unknown algorithm) are silent in 0.6.7.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { ConfEnv, Dict } from "../conf/dict.ts";
import { warn } from "../conf/dict.ts";
import { cfgfatal, ConfigError } from "../conf/errors.ts";
import { ConfHostError } from "../conf/host.ts";
import type { Loc } from "../conf/loc.ts";
import { dictReadNumber, dictReadString } from "../conf/read.ts";
import type { List } from "../conf/value.ts";
import type { RsaPublicKey } from "../crypto/types.ts";
import { base91sDecode, base91sDecodeMaxlen } from "./base91s.ts";
import { closureList, dictArg } from "./common.ts";
import { bitLength, mpzSetStr } from "./gmp.ts";
import { privateKeyFromSsh1, publicKey } from "./rsa.ts";
import { isSsh1Failure, readSsh1PrivateKey, RSA_MAX_MODBYTES } from "./ssh1.ts";
import type { PeerKeysSpec, PrivCacheSpec, RsaPrivateSpec, RsaPublicSpec } from "./specs.ts";

const DEFAULT_MAXPRIV_BYTES = 4095;

/** CL_GET_STR_ARG (its facility is always "make-public"; its messages lack the newline). */
function strArg(args: List, ix: number, what: string, loc: Loc): { value: string; loc: Loc } {
  const i = args[ix];
  if (!i) cfgfatal(loc, "make-public", `need ${what}`, { silent: true });
  if (i.type !== "string") {
    cfgfatal(i.loc, "make-public", `${what}must be string`, { silent: true });
  }
  return { value: i.value, loc: i.loc };
}

/**
 * rsa1_loadpub: "BITS E N [comment]" (strtok on " \t\n", up to a NUL). Returns the key or
 * the message secnet logs.
 */
export function rsa1LoadPub(data: Uint8Array): RsaPublicKey | string {
  let text = new TextDecoder("latin1").decode(data);
  const nul = text.indexOf("\0");
  if (nul >= 0) text = text.slice(0, nul);
  const toks = text.split(/[ \t\n]+/).filter((t) => t.length > 0);
  const nums: bigint[] = [];
  const names = ["public exponent", "modulus"];
  for (let k = 0; k < 2; k++) {
    const s = toks[k + 1];
    if (s === undefined) return `end of pubkey data looking for ${names[k]}`;
    const v = mpzSetStr(s, 10);
    if (v === null) return `${names[k]} "${s}" is not a decimal number string`;
    if (Math.ceil(bitLength(v) / 8) > RSA_MAX_MODBYTES) return `implausibly large ${names[k]}`;
    nums.push(v);
  }
  return publicKey(nums[1]!, nums[0]!);
}

/** make-public's decoding, with 0.6.7's crash when the data fills its buffer exactly. */
function makePublic(b91: string, loc: Loc): RsaPublicKey {
  const data = base91sDecode(b91);
  if (data.length >= base91sDecodeMaxlen(b91.length)) {
    throw new ConfigError(
      loc,
      "make-public",
      "undecodable base91s data (secnet 0.6.7 aborts: buf_append assertion)",
      { kind: "fatal", exitCode: 134 },
    );
  }
  const r = rsa1LoadPub(data);
  if (typeof r === "string") cfgfatal(loc, "make-public", r);
  return r;
}

export function registerPubkeys(root: Dict): void {
  defineClosure(root, "make-public", (_self, loc, _context, args) => {
    const alg = strArg(args, 0, "algorithm name", loc);
    const b91 = strArg(args, 1, "base91s-encoded public key", loc);
    if (alg.value !== "rsa1") {
      cfgfatal(alg.loc, "make-public", `unknown algorithm \`${alg.value}'`, { silent: true });
    }
    const spec: RsaPublicSpec = {
      type: "rsa-public",
      key: makePublic(b91.value, loc),
      hash: "sha1",
      source: "make-public",
    };
    return closureList("SIGPUBKEY", "rsapub", spec);
  });
}

export function registerPrivcache(root: Dict): void {
  defineClosure(root, "priv-cache", (_self, loc, _context, args) => {
    const d = dictArg(args, loc, "privcache", "parameter must be a dictionary");
    const o = { required: false, loc, facility: "privcache" };
    const size = dictReadNumber(d, "privcache-size", { ...o, def: 5 })!;
    const maxBytes = dictReadNumber(d, "privkey-max", { ...o, def: DEFAULT_MAXPRIV_BYTES })!;
    const privkeys = dictReadString(d, "privkeys", { ...o, required: true })!;
    const spec: PrivCacheSpec = { type: "priv-cache", privkeys, size, maxBytes };
    return closureList("PRIVCACHE", "privcache", spec);
  });

  defineClosure(root, "load-private", (_self, loc, context, args) => {
    const fac = "load-private";
    const alg = strArg(args, 0, "algorithm name", loc);
    const path = strArg(args, 1, "private key path", loc).value;
    if (alg.value !== "rsa1") {
      cfgfatal(alg.loc, fac, `unknown algorithm \`${alg.value}'`, { silent: true });
    }
    let data: Uint8Array;
    try {
      data = context.env.host.readFile(path);
    } catch (e) {
      if (!(e instanceof ConfHostError)) throw e;
      if (e.code === "ENOENT") cfgfatal(loc, fac, `private key ${path} not found`);
      if (e.code === "EISDIR") cfgfatal(loc, fac, `failed to read private-key file ${path}`);
      cfgfatal(loc, fac, `failed to open private key file ${path}`);
    }
    if (data.length >= DEFAULT_MAXPRIV_BYTES) {
      cfgfatal(loc, fac, `private key file ${path} longer than max ${DEFAULT_MAXPRIV_BYTES}`);
    }
    const r = readSsh1PrivateKey(data);
    if (isSsh1Failure(r)) {
      cfgfatal(loc, fac, r.how === "get-eof" ? "eof mid-integer" : r.message);
    }
    const spec: RsaPrivateSpec = {
      type: "rsa-private",
      key: privateKeyFromSsh1(r),
      hash: "sha1",
      file: path,
      format: "ssh1",
      checked: false,
    };
    return closureList("SIGPRIVKEY", "rsapriv", spec);
  });
}

/**
 * keyset_load for a site's `peer-keys` (secnet pubkeys.fl.pl). Problems are only logged,
 * never fatal. Lines (leading blanks allowed): `# comment`, `serial HEX8`, `pkg HEX8`,
 * `pkgf HEX8` (fallback group: its keys are skipped once a key was loaded), and
 * `pub ALGORITHM BASE91S`. Unknown directives and algorithms skip their line; a syntax
 * error, or a file with no usable key, loses the whole set.
 */
export function loadPeerKeys(env: ConfEnv, path: string, tunname: string): PeerKeysSpec {
  const log = (line: number | null, msg: string, level: "error" | "info" = "error") =>
    warn(env, undefined, tunname, line === null ? msg : `${path}:${line}: ${msg}`, level);
  let data: Uint8Array;
  try {
    data = env.host.readFile(path);
  } catch (e) {
    if (!(e instanceof ConfHostError)) throw e;
    log(null, `could not open keyset file ${path}: ${e.reason}`);
    return { path, keys: [] };
  }
  const keys: RsaPublicKey[] = [];
  const text = new TextDecoder("latin1").decode(data);
  const lines = text.split("\n");
  const last = lines.pop()!; // text after the final newline
  if (last.length > 0) lines.push(last);
  let fallbackSkip = false, hadSerial = false;
  const fail = (n: number, msg: string): PeerKeysSpec => {
    log(n, msg);
    return { path, keys: [] };
  };
  for (const [i, line] of lines.entries()) {
    const n = i + 1;
    const unterminated = i === lines.length - 1 && last.length > 0;
    if (/^[ \t]*$/.test(line)) {
      if (unterminated) return fail(n, "syntax error - unexpected eof");
      continue;
    }
    if (/^[ \t]*#/.test(line)) {
      if (unterminated) return fail(n, "syntax error - unexpected eof");
      continue;
    }
    const m = /^[ \t]*([-0-9a-z]+)(.*)$/.exec(line);
    if (!m) return fail(n, "syntax error");
    const [, kw, rest] = m as unknown as [string, string, string];
    if (!["pkg", "pkgf", "serial", "pub"].includes(kw)) {
      log(n, "unknown directive", "info");
      continue;
    }
    if (unterminated) return fail(n, "syntax error - unexpected eof");
    if (kw === "pub") {
      const a = /^[ \t]+([-0-9a-z]+)[ \t]+([\]-~!#-&(-\[]+)[ \t]*$/.exec(rest);
      if (!a) return fail(n, "syntax error");
      if (fallbackSkip) {
        log(n, "fallback not needed", "info");
        continue;
      }
      if (a[1] !== "rsa1") {
        log(n, "unknown pk algorithm", "info");
        continue;
      }
      const r = rsa1LoadPub(base91sDecode(a[2]!));
      if (typeof r === "string") log(n, `rsa1_loadpub: ${r}`);
      else keys.push(r);
      continue;
    }
    if (!/^[ \t]+[0-9a-f]{8}[ \t]*$/.test(rest)) return fail(n, "syntax error");
    if (kw === "serial") {
      if (hadSerial) return fail(n, "`serial' repeated");
      hadSerial = true;
    } else fallbackSkip = kw === "pkgf" && keys.length > 0;
  }
  if (keys.length === 0) {
    log(null, `no useable keys in ${path}`);
    return { path, keys: [] };
  }
  return { path, keys };
}
