/**
 * RSA key files: PEM (PKCS#1 `RSA PRIVATE KEY` / `RSA PUBLIC KEY`, unencrypted PKCS#8
 * `PRIVATE KEY`, SPKI `PUBLIC KEY`) as tinc writes and reads them, and secnet's SSH-1
 * ("rsa1") private key files. Own DER reader; every bad input becomes an RsaKeyError.
 *
 * Pure: no Deno, no I/O. Callers pass file contents in.
 *
 * @module
 */

import type { RsaPrivateKey, RsaPublicKey } from "./types.ts";

export type RsaKeyErrorKind =
  | "no-key" // no matching PEM block found
  | "pem" // malformed PEM armour or base64
  | "der" // malformed DER
  | "encrypted" // passphrase-protected key
  | "unsupported" // valid structure, but not an RSA key we handle
  | "ssh1" // malformed SSH-1 key file
  | "invalid"; // numbers that do not form an RSA key

export class RsaKeyError extends Error {
  readonly kind: RsaKeyErrorKind;
  constructor(kind: RsaKeyErrorKind, message: string) {
    super(message);
    this.name = "RsaKeyError";
    this.kind = kind;
  }
}

// ---------------------------------------------------------------------------------------------
// Big-endian byte strings <-> bigint

export function bytesToBigInt(b: Uint8Array, off = 0, len = b.length - off): bigint {
  let hex = "";
  for (let i = off; i < off + len; i++) hex += (b[i]! < 16 ? "0" : "") + b[i]!.toString(16);
  return hex.length === 0 ? 0n : BigInt("0x" + hex);
}

/** Writes x as exactly `len` big-endian bytes (left-padded); throws RangeError if it does not fit. */
export function bigIntToBytes(
  x: bigint,
  len: number,
  dst = new Uint8Array(len),
  off = 0,
): Uint8Array {
  if (x < 0n) throw new RangeError("negative number");
  let hex = x.toString(16);
  if (hex.length > 2 * len) throw new RangeError(`number does not fit in ${len} bytes`);
  hex = hex.padStart(2 * len, "0");
  for (let i = 0; i < len; i++) dst[off + i] = parseInt(hex.substr(2 * i, 2), 16);
  return dst;
}

export function bitLength(x: bigint): number {
  return x <= 0n ? 0 : x.toString(2).length;
}

/** RSA_size: the modulus length in bytes. */
export function modulusSize(n: bigint): number {
  return (bitLength(n) + 7) >> 3;
}

export function rsaPublicKey(n: bigint, e: bigint): RsaPublicKey {
  if (n <= 0n) throw new RsaKeyError("invalid", "RSA modulus must be positive");
  if (e <= 0n) throw new RsaKeyError("invalid", "RSA public exponent must be positive");
  return { n, e, size: modulusSize(n) };
}

/** The public half of a private key (a fresh object without the private fields). */
export function publicKeyOf(k: RsaPublicKey): RsaPublicKey {
  return { n: k.n, e: k.e, size: k.size };
}

/**
 * Builds a private key from n, e, d, p, q, computing the CRT values. p and q are ordered
 * so that qinv = q^-1 mod p exists (they are distinct primes for a real key).
 */
export function rsaPrivateKey(
  n: bigint,
  e: bigint,
  d: bigint,
  p: bigint,
  q: bigint,
): RsaPrivateKey {
  const pub = rsaPublicKey(n, e);
  if (p <= 1n || q <= 1n || d <= 0n) {
    throw new RsaKeyError("invalid", "RSA private key has a non-positive component");
  }
  const qinv = modInverse(q % p, p);
  if (qinv === null) throw new RsaKeyError("invalid", "RSA primes are not coprime");
  return { ...pub, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv };
}

/** x^-1 mod m, or null when gcd(x, m) != 1. */
export function modInverse(x: bigint, m: bigint): bigint | null {
  let [a, b] = [((x % m) + m) % m, m];
  let [u, v] = [1n, 0n];
  while (b !== 0n) {
    const t = a / b;
    [a, b] = [b, a - t * b];
    [u, v] = [v, u - t * v];
  }
  if (a !== 1n) return null;
  return ((u % m) + m) % m;
}

/**
 * The consistency checks secnet's rsa-private makes (p·q = n, d·e ≡ 1 mod p−1 and q−1,
 * q·qinv ≡ 1 mod p) plus the CRT exponents. Returns a message, or null when consistent.
 */
export function checkRsaPrivateKey(k: RsaPrivateKey): string | null {
  if (k.p * k.q !== k.n) return "p*q != n";
  if ((k.d * k.e) % (k.p - 1n) !== 1n % (k.p - 1n)) return "d*e != 1 mod (p-1)";
  if ((k.d * k.e) % (k.q - 1n) !== 1n % (k.q - 1n)) return "d*e != 1 mod (q-1)";
  if ((k.q * k.qinv) % k.p !== 1n) return "q*iqmp != 1 mod p";
  if (k.dp !== k.d % (k.p - 1n)) return "dp != d mod (p-1)";
  if (k.dq !== k.d % (k.q - 1n)) return "dq != d mod (q-1)";
  return null;
}

// ---------------------------------------------------------------------------------------------
// Base64 (strict: only the alphabet, '=' padding at the end, whitespace ignored)

const B64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const B64_INDEX = new Int16Array(128).fill(-1);
for (let i = 0; i < 64; i++) B64_INDEX[B64.charCodeAt(i)] = i;

export function base64Decode(s: string): Uint8Array {
  const clean = s.replace(/[\s]+/g, "");
  const m = /^([A-Za-z0-9+/]*)(={0,2})$/.exec(clean);
  if (!m || (clean.length % 4) !== 0) {
    throw new RsaKeyError("pem", "invalid base64 in PEM body");
  }
  const body = m[1]!;
  const out = new Uint8Array(Math.floor((body.length * 6) / 8));
  let acc = 0, bits = 0, o = 0;
  for (let i = 0; i < body.length; i++) {
    acc = (acc << 6) | B64_INDEX[body.charCodeAt(i)]!;
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out[o++] = (acc >> bits) & 0xff;
    }
  }
  return out.subarray(0, o);
}

export function base64Encode(b: Uint8Array): string {
  let s = "";
  let i = 0;
  for (; i + 2 < b.length; i += 3) {
    const v = (b[i]! << 16) | (b[i + 1]! << 8) | b[i + 2]!;
    s += B64[v >> 18]! + B64[(v >> 12) & 63]! + B64[(v >> 6) & 63]! + B64[v & 63]!;
  }
  if (i < b.length) {
    const v = (b[i]! << 16) | ((b[i + 1] ?? 0) << 8);
    s += B64[v >> 18]! + B64[(v >> 12) & 63]!;
    s += i + 1 < b.length ? B64[(v >> 6) & 63]! + "=" : "==";
  }
  return s;
}

// ---------------------------------------------------------------------------------------------
// PEM armour

export interface PemBlock {
  /** The text between `-----BEGIN ` and `-----`, e.g. "RSA PUBLIC KEY". */
  readonly label: string;
  /** RFC 1421 headers (Proc-Type, DEK-Info), if any. */
  readonly headers: ReadonlyMap<string, string>;
  readonly der: Uint8Array;
  /** 1-based line numbers of the BEGIN and END lines in the text. */
  readonly beginLine: number;
  readonly endLine: number;
}

const BEGIN_RE = /^-----BEGIN ([^-]*)-----\s*$/;
const END_RE = /^-----END ([^-]*)-----\s*$/;

/**
 * Every PEM block in `text`, in order. Text outside blocks is ignored (tinc hosts files
 * hold `Key = value` lines around the key). A BEGIN without its END, or bad base64, throws.
 */
export function findPemBlocks(text: string): PemBlock[] {
  const lines = text.split("\n");
  const blocks: PemBlock[] = [];
  for (let i = 0; i < lines.length; i++) {
    const begin = BEGIN_RE.exec(lines[i]!.trim());
    if (!begin) continue;
    const label = begin[1]!;
    const headers = new Map<string, string>();
    let body = "";
    let j = i + 1;
    let inHeaders = true;
    for (; j < lines.length; j++) {
      const line = lines[j]!.trim();
      const end = END_RE.exec(line);
      if (end) {
        if (end[1] !== label) {
          throw new RsaKeyError(
            "pem",
            `line ${j + 1}: "-----END ${end[1]}-----" does not match "-----BEGIN ${label}-----"`,
          );
        }
        break;
      }
      if (BEGIN_RE.test(line)) {
        throw new RsaKeyError("pem", `line ${j + 1}: BEGIN inside the "${label}" block`);
      }
      const colon = line.indexOf(":");
      if (inHeaders && colon > 0) {
        headers.set(line.slice(0, colon).trim(), line.slice(colon + 1).trim());
        continue;
      }
      inHeaders = false;
      body += line;
    }
    if (j >= lines.length) {
      throw new RsaKeyError("pem", `line ${i + 1}: "-----BEGIN ${label}-----" has no END line`);
    }
    let der: Uint8Array;
    try {
      der = base64Decode(body);
    } catch (e) {
      throw new RsaKeyError("pem", `line ${i + 1}: ${(e as Error).message} ("${label}")`);
    }
    blocks.push({ label, headers, der, beginLine: i + 1, endLine: j + 1 });
    i = j;
  }
  return blocks;
}

/** The first block whose label is in `labels` (by the order of `labels`), or null. */
export function findPemBlock(text: string, labels: readonly string[]): PemBlock | null {
  const blocks = findPemBlocks(text);
  for (const l of labels) {
    const b = blocks.find((x) => x.label === l);
    if (b) return b;
  }
  return null;
}

export function formatPem(label: string, der: Uint8Array): string {
  const b64 = base64Encode(der);
  let s = `-----BEGIN ${label}-----\n`;
  for (let i = 0; i < b64.length; i += 64) s += b64.slice(i, i + 64) + "\n";
  return s + `-----END ${label}-----\n`;
}

// ---------------------------------------------------------------------------------------------
// DER reader

const TAG_INTEGER = 0x02;
const TAG_BIT_STRING = 0x03;
const TAG_OCTET_STRING = 0x04;
const TAG_NULL = 0x05;
const TAG_OID = 0x06;
const TAG_SEQUENCE = 0x30;

interface Tlv {
  tag: number;
  start: number; // content start
  end: number; // content end (exclusive)
}

class DerReader {
  pos: number;
  constructor(
    readonly buf: Uint8Array,
    start: number,
    readonly end: number,
    readonly what: string,
  ) {
    this.pos = start;
  }

  atEnd(): boolean {
    return this.pos >= this.end;
  }

  fail(msg: string): never {
    throw new RsaKeyError("der", `${this.what}: ${msg} at byte ${this.pos}`);
  }

  peekTag(): number {
    if (this.pos >= this.end) this.fail("unexpected end of data");
    return this.buf[this.pos]!;
  }

  next(): Tlv {
    if (this.pos + 2 > this.end) this.fail("unexpected end of data");
    const tag = this.buf[this.pos++]!;
    if ((tag & 0x1f) === 0x1f) this.fail("multi-byte tags are not supported");
    let len = this.buf[this.pos++]!;
    if (len === 0x80) this.fail("indefinite length is not DER");
    if (len > 0x80) {
      const n = len & 0x7f;
      if (n > 4) this.fail("length too large");
      if (this.pos + n > this.end) this.fail("unexpected end of data in length");
      len = 0;
      for (let i = 0; i < n; i++) len = len * 256 + this.buf[this.pos++]!;
    }
    const start = this.pos;
    const end = start + len;
    if (end > this.end) this.fail(`element of ${len} bytes overruns its container`);
    this.pos = end;
    return { tag, start, end };
  }

  expect(tag: number, name: string): Tlv {
    const t = this.next();
    if (t.tag !== tag) {
      this.pos = t.start - 2; // approximate position for the message
      this.fail(`expected ${name} (tag 0x${tag.toString(16)}), found tag 0x${t.tag.toString(16)}`);
    }
    return t;
  }

  sequence(name: string): DerReader {
    const t = this.expect(TAG_SEQUENCE, name);
    return new DerReader(this.buf, t.start, t.end, this.what);
  }

  /** A non-negative INTEGER. */
  integer(name: string): bigint {
    const t = this.expect(TAG_INTEGER, name);
    if (t.end === t.start) this.fail(`empty INTEGER ${name}`);
    if (this.buf[t.start]! & 0x80) this.fail(`negative INTEGER ${name}`);
    return bytesToBigInt(this.buf, t.start, t.end - t.start);
  }

  oid(name: string): string {
    const t = this.expect(TAG_OID, name);
    return decodeOid(this.buf.subarray(t.start, t.end), this);
  }

  octets(tag: number, name: string): Uint8Array {
    const t = this.expect(tag, name);
    return this.buf.subarray(t.start, t.end);
  }

  done(): void {
    if (this.pos !== this.end) this.fail("unexpected trailing data");
  }
}

function decodeOid(b: Uint8Array, r: DerReader): string {
  if (b.length === 0) r.fail("empty OBJECT IDENTIFIER");
  const parts: number[] = [];
  let v = 0;
  for (let i = 0; i < b.length; i++) {
    v = v * 128 + (b[i]! & 0x7f);
    if (!(b[i]! & 0x80)) {
      parts.push(v);
      v = 0;
    } else if (i === b.length - 1) r.fail("truncated OBJECT IDENTIFIER");
  }
  const first = parts.shift()!;
  const a = first < 80 ? Math.floor(first / 40) : 2;
  return [a, first - 40 * a, ...parts].join(".");
}

const OID_RSA_ENCRYPTION = "1.2.840.113549.1.1.1";

function readAlgorithm(r: DerReader): string {
  const alg = r.sequence("AlgorithmIdentifier");
  const oid = alg.oid("algorithm");
  if (oid !== OID_RSA_ENCRYPTION) {
    throw new RsaKeyError("unsupported", `not an RSA key (algorithm ${oid})`);
  }
  if (!alg.atEnd()) {
    const p = alg.next();
    if (p.tag !== TAG_NULL || p.end !== p.start) alg.fail("rsaEncryption parameters must be NULL");
  }
  alg.done();
  return oid;
}

// ---------------------------------------------------------------------------------------------
// DER structures

/** PKCS#1 RSAPublicKey: SEQUENCE { n, e }. */
export function parsePkcs1PublicKey(der: Uint8Array): RsaPublicKey {
  const top = new DerReader(der, 0, der.length, "RSA PUBLIC KEY");
  const s = top.sequence("RSAPublicKey");
  const n = s.integer("modulus");
  const e = s.integer("publicExponent");
  s.done();
  top.done();
  return rsaPublicKey(n, e);
}

/** X.509 SubjectPublicKeyInfo holding an rsaEncryption key. */
export function parseSpkiPublicKey(der: Uint8Array): RsaPublicKey {
  const top = new DerReader(der, 0, der.length, "PUBLIC KEY");
  const s = top.sequence("SubjectPublicKeyInfo");
  readAlgorithm(s);
  const bits = s.octets(TAG_BIT_STRING, "subjectPublicKey");
  s.done();
  top.done();
  if (bits.length < 1 || bits[0] !== 0) {
    throw new RsaKeyError("der", "PUBLIC KEY: subjectPublicKey has unused bits");
  }
  return parsePkcs1PublicKey(bits.subarray(1));
}

/** PKCS#1 RSAPrivateKey (two-prime, version 0). */
export function parsePkcs1PrivateKey(der: Uint8Array): RsaPrivateKey {
  const top = new DerReader(der, 0, der.length, "RSA PRIVATE KEY");
  const s = top.sequence("RSAPrivateKey");
  const version = s.integer("version");
  if (version !== 0n) {
    throw new RsaKeyError("unsupported", `RSA PRIVATE KEY version ${version} (multi-prime)`);
  }
  const n = s.integer("modulus");
  const e = s.integer("publicExponent");
  const d = s.integer("privateExponent");
  const p = s.integer("prime1");
  const q = s.integer("prime2");
  const dp = s.integer("exponent1");
  const dq = s.integer("exponent2");
  const qinv = s.integer("coefficient");
  s.done();
  top.done();
  const pub = rsaPublicKey(n, e);
  if (d === 0n || p < 2n || q < 2n) {
    throw new RsaKeyError("invalid", "RSA PRIVATE KEY has a zero component");
  }
  return { ...pub, d, p, q, dp, dq, qinv };
}

/** Unencrypted PKCS#8 PrivateKeyInfo / OneAsymmetricKey holding an RSA key. */
export function parsePkcs8PrivateKey(der: Uint8Array): RsaPrivateKey {
  const top = new DerReader(der, 0, der.length, "PRIVATE KEY");
  const s = top.sequence("PrivateKeyInfo");
  const version = s.integer("version");
  if (version > 1n) throw new RsaKeyError("unsupported", `PRIVATE KEY version ${version}`);
  readAlgorithm(s);
  const inner = s.octets(TAG_OCTET_STRING, "privateKey");
  // Optional [0] attributes and [1] publicKey follow; they carry nothing we need.
  while (!s.atEnd()) {
    const t = s.next();
    if ((t.tag & 0xc0) !== 0x80) s.fail("unexpected element after privateKey");
  }
  top.done();
  return parsePkcs1PrivateKey(inner);
}

export function encodePkcs1PublicKey(key: RsaPublicKey): Uint8Array {
  return derSequence([derInteger(key.n), derInteger(key.e)]);
}

function derLength(len: number): number[] {
  if (len < 0x80) return [len];
  const out: number[] = [];
  for (let l = len; l > 0; l = Math.floor(l / 256)) out.unshift(l & 0xff);
  return [0x80 | out.length, ...out];
}

function derInteger(x: bigint): Uint8Array {
  let hex = x.toString(16);
  if (hex.length % 2) hex = "0" + hex;
  if (parseInt(hex.slice(0, 2), 16) & 0x80) hex = "00" + hex;
  const body = new Uint8Array(hex.length / 2);
  for (let i = 0; i < body.length; i++) body[i] = parseInt(hex.substr(2 * i, 2), 16);
  return Uint8Array.from([TAG_INTEGER, ...derLength(body.length), ...body]);
}

function derSequence(items: Uint8Array[]): Uint8Array {
  const len = items.reduce((a, b) => a + b.length, 0);
  const head = [TAG_SEQUENCE, ...derLength(len)];
  const out = new Uint8Array(head.length + len);
  out.set(head);
  let o = head.length;
  for (const it of items) {
    out.set(it, o);
    o += it.length;
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// PEM-level entry points

function rejectEncrypted(b: PemBlock): void {
  const proc = b.headers.get("Proc-Type");
  if (proc !== undefined && /ENCRYPTED/i.test(proc)) {
    throw new RsaKeyError("encrypted", `"${b.label}" at line ${b.beginLine} is encrypted`);
  }
}

/**
 * The first private key in `text`: `RSA PRIVATE KEY` (PKCS#1, what `tincd -K` writes) or
 * unencrypted `PRIVATE KEY` (PKCS#8), whichever comes first.
 */
export function parseRsaPrivateKeyPem(text: string): RsaPrivateKey {
  for (const b of findPemBlocks(text)) {
    if (b.label === "RSA PRIVATE KEY") {
      rejectEncrypted(b);
      return parsePkcs1PrivateKey(b.der);
    }
    if (b.label === "PRIVATE KEY") return parsePkcs8PrivateKey(b.der);
    if (b.label === "ENCRYPTED PRIVATE KEY") {
      throw new RsaKeyError("encrypted", `"ENCRYPTED PRIVATE KEY" at line ${b.beginLine}`);
    }
  }
  throw new RsaKeyError("no-key", "no RSA PRIVATE KEY or PRIVATE KEY block found");
}

/**
 * The public key in `text` the way tinc 1.0 looks for it in a hosts file: the first
 * `RSA PUBLIC KEY` (PKCS#1) block, else the first `PUBLIC KEY` (SPKI) block. Other blocks
 * (`OLD RSA PUBLIC KEY` left by `tincd -K`, certificates) are ignored.
 */
export function parseRsaPublicKeyPem(text: string): RsaPublicKey {
  const b = findPemBlock(text, ["RSA PUBLIC KEY", "PUBLIC KEY"]);
  if (!b) throw new RsaKeyError("no-key", "no RSA PUBLIC KEY or PUBLIC KEY block found");
  return b.label === "RSA PUBLIC KEY" ? parsePkcs1PublicKey(b.der) : parseSpkiPublicKey(b.der);
}

/** Like parseRsaPublicKeyPem, but returns null when the text has no public key block. */
export function findHostsFilePublicKey(text: string): RsaPublicKey | null {
  const b = findPemBlock(text, ["RSA PUBLIC KEY", "PUBLIC KEY"]);
  if (!b) return null;
  return b.label === "RSA PUBLIC KEY" ? parsePkcs1PublicKey(b.der) : parseSpkiPublicKey(b.der);
}

/** `-----BEGIN RSA PUBLIC KEY-----` PEM (PKCS#1), 64-column base64, as tincd -K writes. */
export function formatRsaPublicKeyPem(key: RsaPublicKey): string {
  return formatPem("RSA PUBLIC KEY", encodePkcs1PublicKey(key));
}

/**
 * tinc's obsolete `PublicKey = <hex n>` (and `PrivateKey = <hex d>`): the exponent is
 * forced to 0xFFFF as in tinc 1.0.
 */
export function rsaPublicKeyFromHex(nHex: string, e = 0xffffn): RsaPublicKey {
  if (!/^[0-9A-Fa-f]+$/.test(nHex)) {
    throw new RsaKeyError("invalid", "PublicKey is not a hexadecimal number");
  }
  return rsaPublicKey(BigInt("0x" + nHex), e);
}

// ---------------------------------------------------------------------------------------------
// SSH-1 ("rsa1") private key files, as secnet's rsa-private reads them

export const SSH1_MAGIC = "SSH PRIVATE KEY FILE FORMAT 1.1\n";

export interface Ssh1PrivateKey extends RsaPrivateKey {
  readonly comment: string;
}

class Ssh1Reader {
  pos = 0;
  constructor(readonly b: Uint8Array) {}
  need(n: number, what: string): void {
    if (this.pos + n > this.b.length) {
      throw new RsaKeyError("ssh1", `SSH-1 key file truncated (reading ${what})`);
    }
  }
  u8(what: string): number {
    this.need(1, what);
    return this.b[this.pos++]!;
  }
  u32(what: string): number {
    this.need(4, what);
    const v = ((this.b[this.pos]! << 24) >>> 0) + (this.b[this.pos + 1]! << 16) +
      (this.b[this.pos + 2]! << 8) + this.b[this.pos + 3]!;
    this.pos += 4;
    return v;
  }
  /** SSH-1 multiple-precision integer: u16 bit count, then ceil(bits/8) bytes. */
  mpint(what: string): bigint {
    this.need(2, what);
    const bits = (this.b[this.pos]! << 8) | this.b[this.pos + 1]!;
    this.pos += 2;
    const len = (bits + 7) >> 3;
    this.need(len, what);
    const v = bytesToBigInt(this.b, this.pos, len);
    this.pos += len;
    return v;
  }
  string(what: string): Uint8Array {
    const len = this.u32(what + " length");
    this.need(len, what);
    const s = this.b.subarray(this.pos, this.pos + len);
    this.pos += len;
    return s;
  }
}

/**
 * An unencrypted SSH-1 private key file: magic, cipher 0, reserved, bits, n, e, comment,
 * check bytes (two repeated), d, iqmp (q^-1 mod p), q, p. Does not check the maths; use
 * checkRsaPrivateKey for that (secnet does unless told not to).
 */
export function parseSsh1PrivateKey(file: Uint8Array): Ssh1PrivateKey {
  const r = new Ssh1Reader(file);
  const magic = new TextEncoder().encode(SSH1_MAGIC);
  r.need(magic.length + 1, "magic");
  for (let i = 0; i < magic.length; i++) {
    if (file[i] !== magic[i]) throw new RsaKeyError("ssh1", "not an SSH-1 private key file");
  }
  r.pos = magic.length;
  if (r.u8("magic terminator") !== 0) throw new RsaKeyError("ssh1", "bad SSH-1 magic terminator");
  const cipher = r.u8("cipher type");
  if (cipher !== 0) throw new RsaKeyError("encrypted", "SSH-1 key file is encrypted");
  r.u32("reserved");
  r.u32("bits");
  const n = r.mpint("n");
  const e = r.mpint("e");
  const comment = new TextDecoder().decode(r.string("comment"));
  const c0 = r.u8("check"), c1 = r.u8("check"), c2 = r.u8("check"), c3 = r.u8("check");
  if (c0 !== c2 || c1 !== c3) {
    throw new RsaKeyError("encrypted", "SSH-1 key check bytes mismatch (wrong passphrase?)");
  }
  const d = r.mpint("d");
  const qinv = r.mpint("iqmp");
  const q = r.mpint("q");
  const p = r.mpint("p");
  const pub = rsaPublicKey(n, e);
  if (p < 3n || q < 3n || d === 0n) {
    throw new RsaKeyError("invalid", "SSH-1 key has a zero component");
  }
  return { ...pub, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv, comment };
}

/** Serialises an SSH-1 private key file (unencrypted), e.g. for key generation and tests. */
export function formatSsh1PrivateKey(
  k: RsaPrivateKey,
  comment: string,
  check = 0x5a3c,
): Uint8Array {
  const parts: number[] = [...new TextEncoder().encode(SSH1_MAGIC), 0, 0, 0, 0, 0, 0];
  const u32 = (v: number) =>
    parts.push((v >>> 24) & 255, (v >>> 16) & 255, (v >>> 8) & 255, v & 255);
  const mp = (x: bigint) => {
    const bits = bitLength(x);
    parts.push(bits >> 8, bits & 255, ...bigIntToBytes(x, (bits + 7) >> 3));
  };
  u32(bitLength(k.n));
  mp(k.n);
  mp(k.e);
  const c = new TextEncoder().encode(comment);
  u32(c.length);
  parts.push(...c);
  parts.push(check >> 8, check & 255, check >> 8, check & 255);
  mp(k.d);
  mp(k.qinv);
  mp(k.q);
  mp(k.p);
  return Uint8Array.from(parts);
}
