/**
 * Signature keys (secnet rsa.c):
 *  - `rsa-public(E, N)` → SIGPUBKEY (decimal strings);
 *  - `rsa-private(FILE[, CHECK])` → SIGPRIVKEY from an SSH-1 key file. Under `-j` a file that
 *    cannot be opened gives a warning and an empty list (so the key is unbound).
 * Both look up a deprecated `hash` key (HASH closure) in the calling context.
 *
 * tincture extensions:
 *  - rsa-private also reads tinc's PEM private keys (`RSA PRIVATE KEY`, PKCS#1, as
 *    `tincd -K` writes, and unencrypted PKCS#8 `PRIVATE KEY`);
 *  - `tinc-public-key(FILE)` → SIGPUBKEY from the PEM block of a tinc hosts file
 *    (`RSA PUBLIC KEY`, or SPKI `PUBLIC KEY`).
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { warn } from "../conf/dict.ts";
import { cfgfatal, ConfigError, EXIT_CFGFATAL, fatal } from "../conf/errors.ts";
import { ConfHostError } from "../conf/host.ts";
import type { Loc } from "../conf/loc.ts";
import { findClIf } from "../conf/read.ts";
import type { Item } from "../conf/value.ts";
import type { RsaPrivateKey, RsaPublicKey } from "../crypto/types.ts";
import {
  findHostsFilePublicKey,
  modulusSize,
  parseRsaPrivateKeyPem,
  RsaKeyError,
} from "../crypto/rsa_key.ts";
import { closureList, locText, specOf } from "./common.ts";
import { bitLength, mpzSetStr } from "./gmp.ts";
import {
  isSsh1Failure,
  readSsh1PrivateKey,
  RSA_MAX_MODBYTES,
  type Ssh1KeyParts,
  ssh1KeyValid,
} from "./ssh1.ts";
import type { HashName, HashSpec, RsaPrivateSpec, RsaPublicSpec } from "./specs.ts";

/** rsa_sethash: the `hash` key of the calling context, sha1 when absent. */
export function lookupHash(context: Dict, loc: Loc): HashName {
  const cl = findClIf(context, "hash", "HASH", { required: false, loc, facility: "site" });
  return cl ? specOf<HashSpec>(cl).name : "sha1";
}

/** An RSA public key from already-parsed numbers (secnet accepts any values). */
export function publicKey(n: bigint, e: bigint): RsaPublicKey {
  return { n, e, size: modulusSize(n < 0n ? -n : n) };
}

/** Builds the private key (CRT values) the way secnet does after its checks. */
export function privateKeyFromSsh1(k: Ssh1KeyParts): RsaPrivateKey {
  const pm1 = k.p - 1n, qm1 = k.q - 1n;
  const m = (a: bigint, b: bigint) => b === 0n ? 0n : ((a % b) + b) % b;
  return {
    n: k.n,
    e: k.e,
    size: modulusSize(k.n),
    d: k.d,
    p: k.p,
    q: k.q,
    dp: m(k.d, pm1),
    dq: m(k.d, qm1),
    qinv: k.iqmp,
  };
}

/** rsa_loadpub_core's number parsing (errors are silent in 0.6.7: no newline). */
function decimal(s: string, what: string, loc: Loc, fac: string): bigint {
  const v = mpzSetStr(s, 10);
  if (v === null) {
    cfgfatal(loc, fac, `${what} "${s}" is not a decimal number string`, { silent: true });
  }
  if (Math.ceil(bitLength(v) / 8) > RSA_MAX_MODBYTES) {
    cfgfatal(loc, fac, `implausibly large ${what}`, { silent: true });
  }
  return v;
}

function stringArg(item: Item | undefined, loc: Loc): string {
  if (!item) cfgfatal(loc, "rsa-public", "you must provide an encryption key");
  if (item.type !== "string") cfgfatal(item.loc, "rsa-public", "first argument must be a string");
  return item.value;
}

/** What a key file error looks like, by how rsa_loadpriv_core stopped. */
function ssh1Error(
  r: ReturnType<typeof readSsh1PrivateKey>,
  loc: Loc,
  fac: string,
): never {
  if (!isSsh1Failure(r)) throw new Error("not a failure");
  if (r.how === "get-eof") {
    // cfgfile_postreadcheck: no facility, exit with the current phase (reading the config).
    fatal(`unexpected end of config file (${loc.file})`, { loc, facility: fac });
  }
  if (r.how === "file" && r.eof) {
    throw new ConfigError(
      loc,
      fac,
      `unexpected end of config file (${fac}, ${loc.file})${r.message}`,
      { kind: "config", exitCode: EXIT_CFGFATAL },
    );
  }
  cfgfatal(loc, fac, r.message);
}

function pemText(data: Uint8Array): string | null {
  const text = new TextDecoder("latin1").decode(data);
  return text.includes("-----BEGIN ") ? text : null;
}

/** PKCS#1/PKCS#8 PEM private key (tincture extension). */
function pemPrivateKey(text: string, loc: Loc): RsaPrivateKey {
  try {
    return parseRsaPrivateKeyPem(text);
  } catch (e) {
    if (!(e instanceof RsaKeyError)) throw e;
    if (e.kind === "encrypted") cfgfatal(loc, "rsa-private", "we don't support encrypted keyfiles");
    cfgfatal(loc, "rsa-private", `PEM private key: ${e.message}`);
  }
}

function pemKeyValid(k: RsaPrivateKey): boolean {
  return ssh1KeyValid({
    n: k.n,
    e: k.e,
    d: k.d,
    p: k.p,
    q: k.q,
    iqmp: k.qinv,
    comment: new Uint8Array(0),
  });
}

export function registerRsa(root: Dict): void {
  defineClosure(root, "rsa-private", (_self, loc, context, args) => {
    const fac = "rsa-private";
    const i = args[0];
    if (!i) {
      // 0.6.7 dereferences the missing item and crashes.
      throw new ConfigError(loc, fac, "you must provide a filename (secnet 0.6.7 crashes here)", {
        kind: "fatal",
        exitCode: 139,
      });
    }
    if (i.type !== "string") cfgfatal(i.loc, fac, "first argument must be a string");
    const filename = i.value;
    const env = context.env;
    let data: Uint8Array;
    try {
      data = env.host.readFile(filename);
    } catch (e) {
      if (!(e instanceof ConfHostError)) throw e;
      if (e.code === "EISDIR") {
        // fopen() succeeds on a directory; the first fread() fails.
        cfgfatal(
          loc,
          fac,
          `error reading config file (${fac}, ${loc.file}): ${e.reason}: failed to read magic ID string from SSH1 private keyfile`,
        );
      }
      if (env.justCheck) {
        warn(
          env,
          loc,
          fac,
          `cannot open keyfile "${filename}" (${e.reason}); assuming it's valid while we check the rest of the configuration`,
        );
        return [];
      }
      fatal(`rsa-private (${locText(loc)}): cannot open file "${filename}": ${e.reason}`, {
        loc,
        facility: fac,
      });
    }
    const c = args[1];
    let check = true;
    if (c && c.type === "bool" && c.value === false) {
      warn(env, loc, fac, "skipping RSA key validity check", "info");
      check = false;
    }
    const pem = data.length >= 5 && data[0] !== 0x53 /* 'S' of the SSH-1 magic */
      ? pemText(data)
      : null;
    if (pem !== null) {
      const key = pemPrivateKey(pem, loc);
      const hash = lookupHash(context, loc);
      if (check && !pemKeyValid(key)) {
        cfgfatal(loc, fac, "file does not contain a valid RSA key!");
      }
      const spec: RsaPrivateSpec = {
        type: "rsa-private",
        key,
        hash,
        file: filename,
        format: "pem",
        checked: check,
      };
      return closureList("SIGPRIVKEY", "rsapriv", spec);
    }
    const r = readSsh1PrivateKey(data);
    if (isSsh1Failure(r)) ssh1Error(r, loc, fac);
    const hash = lookupHash(context, loc);
    if (check && !ssh1KeyValid(r)) cfgfatal(loc, fac, "file does not contain a valid RSA key!");
    const spec: RsaPrivateSpec = {
      type: "rsa-private",
      key: privateKeyFromSsh1(r),
      hash,
      file: filename,
      format: "ssh1",
      checked: check,
    };
    return closureList("SIGPRIVKEY", "rsapriv", spec);
  });

  defineClosure(root, "rsa-public", (_self, loc, context, args) => {
    const fac = "rsa-public";
    const es = stringArg(args[0], loc);
    const eLoc = args[0]!.loc;
    const ns = stringArg(args[1], loc);
    const nLoc = args[1]!.loc;
    const e = decimal(es, "public exponent", eLoc, fac);
    const n = decimal(ns, "modulus", nLoc, fac);
    const hash = lookupHash(context, loc);
    const spec: RsaPublicSpec = {
      type: "rsa-public",
      key: publicKey(n, e),
      hash,
      source: "rsa-public",
    };
    return closureList("SIGPUBKEY", "rsapub", spec);
  });
}

/** tincture extension `tinc-public-key(FILE)`: a tinc hosts file's public key. */
export function registerTincPublicKey(root: Dict): void {
  defineClosure(root, "tinc-public-key", (_self, loc, context, args) => {
    const fac = "tinc-public-key";
    const i = args[0];
    if (!i) cfgfatal(loc, fac, "you must provide a filename");
    if (i.type !== "string") cfgfatal(i.loc, fac, "first argument must be a string");
    let data: Uint8Array;
    try {
      data = context.env.host.readFile(i.value);
    } catch (e) {
      if (!(e instanceof ConfHostError)) throw e;
      cfgfatal(loc, fac, `cannot open file "${i.value}": ${e.reason}`);
    }
    let key: RsaPublicKey | null;
    try {
      key = findHostsFilePublicKey(new TextDecoder("latin1").decode(data));
    } catch (e) {
      if (!(e instanceof RsaKeyError)) throw e;
      cfgfatal(loc, fac, `"${i.value}": ${e.message}`);
    }
    if (!key) cfgfatal(loc, fac, `"${i.value}" holds no RSA PUBLIC KEY block`);
    const spec: RsaPublicSpec = {
      type: "rsa-public",
      key,
      hash: lookupHash(context, loc),
      source: "tinc-public-key",
    };
    return closureList("SIGPUBKEY", "rsapub", spec);
  });
}
