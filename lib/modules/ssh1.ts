/**
 * secnet's reader for SSH-1 ("rsa1") private key files (rsa.c rsa_loadpriv_core), with its
 * exact sequence of checks and messages, stdio behaviour included: a zero-length field
 * makes fread() fail without EOF (so an empty key comment is "error reading key comment"),
 * and running out of bytes sets EOF.
 *
 * Layout: "SSH PRIVATE KEY FILE FORMAT 1.1\n\0", cipher type (1 byte, 0 = unencrypted),
 * reserved u32, bits u32, n and e (u16 bit count + bytes), comment (u32 length + bytes),
 * two check bytes repeated, then d, iqmp (q^-1 mod p), q, p.
 *
 * @module
 */

import { bytesToBigInt } from "../crypto/rsa_key.ts";

export const AUTHFILE_ID_STRING = "SSH PRIVATE KEY FILE FORMAT 1.1\n";
export const RSA_MAX_MODBYTES = 2048;

export interface Ssh1KeyParts {
  readonly n: bigint;
  readonly e: bigint;
  readonly d: bigint;
  readonly iqmp: bigint;
  readonly q: bigint;
  readonly p: bigint;
  readonly comment: Uint8Array;
}

/**
 * Why reading stopped:
 *  - "load": LDFATAL (message only);
 *  - "file": LDFATAL_FILE, `eof` says whether stdio's EOF flag was set;
 *  - "get-eof": a 16/32-bit field hit EOF (secnet's postreadcheck).
 */
export type Ssh1Failure =
  | { readonly how: "load"; readonly message: string }
  | { readonly how: "file"; readonly message: string; readonly eof: boolean }
  | { readonly how: "get-eof" };

class StdioReader {
  pos = 0;
  eof = false;
  constructor(readonly b: Uint8Array) {}
  /** fread(buf, len, 1, f) == 1 ? bytes : null. */
  fread(len: number): Uint8Array | null {
    if (len === 0) return null;
    if (this.pos + len > this.b.length) {
      this.pos = this.b.length;
      this.eof = true;
      return null;
    }
    const r = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return r;
  }
  fgetc(): number {
    if (this.pos >= this.b.length) {
      this.eof = true;
      return -1;
    }
    return this.b[this.pos++]!;
  }
}

class Stop {
  constructor(readonly failure: Ssh1Failure) {}
}

/** Reads the key file the way rsa_loadpriv_core does; does not check the maths. */
export function readSsh1PrivateKey(file: Uint8Array): Ssh1KeyParts | Ssh1Failure {
  const f = new StdioReader(file);
  const load = (message: string): never => {
    throw new Stop({ how: "load", message });
  };
  const fileErr = (message: string): never => {
    throw new Stop({ how: "file", message, eof: f.eof });
  };
  const get = (bytes: 2 | 4): number => {
    let r = 0;
    for (let i = 0; i < bytes; i++) r = r * 256 + (f.fgetc() & 0xff);
    if (f.eof) throw new Stop({ how: "get-eof" });
    return r;
  };
  const mp = (tooLong: string, readErr: string): bigint => {
    const len = Math.floor((get(2) + 7) / 8);
    if (len > RSA_MAX_MODBYTES) load(tooLong.replace("%ld", String(len)));
    const b = f.fread(len);
    if (!b) fileErr(readErr);
    return bytesToBigInt(b!);
  };
  try {
    const magic = new TextEncoder().encode(AUTHFILE_ID_STRING);
    const m = f.fread(magic.length + 1);
    if (!m || m[magic.length] !== 0 || magic.some((c, i) => m[i] !== c)) {
      fileErr("failed to read magic ID string from SSH1 private keyfile");
    }
    const cipherType = f.fgetc();
    get(4); // reserved
    if (cipherType !== 0) load("we don't support encrypted keyfiles");
    get(4); // bits
    const n = mp("implausible length %ld for modulus", "error reading modulus");
    const e = mp("implausible length %ld for e", "error reading e");
    const clen = get(4);
    if (clen > 1024) load(`implausibly long (${clen}) key comment`);
    const comment = f.fread(clen);
    if (!comment) fileErr("error reading key comment");
    if (get(2) !== get(2)) load("corrupt keyfile");
    const d = mp("implausibly long (%ld) decryption key", "error reading decryption key");
    const iqmp = mp("implausibly long (%ld) iqmp auxiliary value", "error reading decryption key");
    const q = mp("implausibly long (%ld) q value", "error reading q value");
    const p = mp("implausibly long (%ld) p value", "error reading p value");
    return { n, e, d, iqmp, q, p, comment: comment! };
  } catch (x) {
    if (x instanceof Stop) return x.failure;
    throw x;
  }
}

export function isSsh1Failure(r: Ssh1KeyParts | Ssh1Failure): r is Ssh1Failure {
  return "how" in r;
}

/**
 * secnet's validity check: p·q = n, d·e ≡ 1 (mod p−1) and (mod q−1), q·iqmp ≡ 1 (mod p).
 * GMP's mpz_mod takes |divisor|; a zero divisor (p or q = 1) crashes secnet, here it fails.
 */
export function ssh1KeyValid(k: Ssh1KeyParts): boolean {
  const mod = (a: bigint, m: bigint) => {
    if (m < 0n) m = -m;
    if (m === 0n) return null;
    return ((a % m) + m) % m;
  };
  if (k.p * k.q !== k.n) return false;
  const de = k.d * k.e;
  if (mod(de, k.p - 1n) !== 1n) return false;
  if (mod(de, k.q - 1n) !== 1n) return false;
  if (mod(k.q * k.iqmp, k.p) !== 1n) return false;
  return true;
}
