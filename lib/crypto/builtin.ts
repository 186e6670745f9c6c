/**
 * CryptoBackend over Deno's built-in node:crypto, for when libcrypto cannot be loaded.
 *
 * node:crypto here has AES-ECB/CBC(128, 256)/CTR but no CFB, OFB, aes-192-cbc or Blowfish,
 * and its cipher objects cannot be re-keyed with a new IV. So:
 * - one reused AES-ECB object per key is the block primitive (ECB is stateless on whole
 *   blocks); CFB, OFB, CTR, ECB+PKCS#7 and aes-192-cbc are built on it;
 * - CBC encryption uses a native `createCipheriv(aes-*-cbc)` per packet where one exists;
 *   CBC decryption is one ECB call plus XOR (all blocks in parallel);
 * - HMAC and digests use createHmac / createHash; randomness randomFillSync;
 * - raw RSA is BigInt arithmetic: public = modPow(e), private = CRT with a 4-bit window and
 *   RSA blinding (node's privateEncrypt has no raw mode, and BigInt CRT is faster anyway).
 * Blowfish is not available: supportsCipher() says false.
 *
 * Allocates per packet (node:crypto returns new Buffers); it is the slow fallback.
 *
 * @module
 */

import {
  createCipheriv,
  createDecipheriv,
  createHash,
  createHmac,
  randomFillSync,
} from "node:crypto";
import {
  checkStreamCipher,
  commonPacketCipher,
  isSerpent,
  NullMac,
  rsaInput,
  unsupportedCipher,
  unsupportedDigest,
} from "./common.ts";
import { bigIntToBytes, bytesToBigInt, modInverse } from "./rsa_key.ts";
import type {
  CipherInfo,
  CryptoBackend,
  DigestInfo,
  Mac,
  PacketCipher,
  RsaPrivateKey,
  RsaPublicKey,
  StreamCipher,
} from "./types.ts";

const NATIVE_CBC = new Set(["aes-128-cbc", "aes-256-cbc"]);

function isAes(c: CipherInfo): boolean {
  return c.name.startsWith("aes-") && c.keyLength * 8 === Number(c.name.slice(4, 7));
}

/** A reusable AES-ECB encryptor/decryptor on whole blocks. */
class AesEcb {
  private readonly enc;
  private dec: ReturnType<typeof createDecipheriv> | null = null;
  constructor(private readonly key: Uint8Array) {
    this.enc = createCipheriv(`aes-${key.length * 8}-ecb`, key, null).setAutoPadding(false);
  }
  /** Encrypts whole blocks; returns a new buffer of the same length. */
  encrypt(blocks: Uint8Array): Uint8Array {
    return this.enc.update(blocks);
  }
  decrypt(blocks: Uint8Array): Uint8Array {
    if (this.dec === null) {
      this.dec = createDecipheriv(`aes-${this.key.length * 8}-ecb`, this.key, null)
        .setAutoPadding(false);
    }
    return this.dec.update(blocks);
  }
}

/**
 * CFB/OFB/CTR (128-bit feedback) keystream over AES-ECB. `reset()` returns to the IV,
 * for per-packet use; without it the state carries on (meta stream).
 */
class AesStream implements StreamCipher {
  private readonly reg = new Uint8Array(16);
  private readonly ks = new Uint8Array(16);
  private pos = 16;
  constructor(
    private readonly ecb: AesEcb,
    private readonly mode: "cfb" | "ofb" | "ctr",
    private readonly iv: Uint8Array,
    private readonly encrypting: boolean,
  ) {
    this.reset();
  }

  reset(): void {
    this.reg.set(this.iv);
    this.pos = 16;
  }

  private nextBlock(): void {
    this.ks.set(this.ecb.encrypt(this.reg));
    if (this.mode === "ofb") this.reg.set(this.ks);
    else if (this.mode === "ctr") {
      for (let j = 15; j >= 0; j--) if ((this.reg[j] = (this.reg[j]! + 1) & 0xff) !== 0) break;
    }
    this.pos = 0;
  }

  update(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    const cfb = this.mode === "cfb", reg = this.reg, ks = this.ks;
    for (let i = 0; i < len; i++) {
      if (this.pos === 16) this.nextBlock();
      const b = src[srcOff + i]!;
      const o = b ^ ks[this.pos]!;
      dst[dstOff + i] = o;
      if (cfb) reg[this.pos] = this.encrypting ? o : b; // feedback is the ciphertext
      this.pos++;
    }
  }

  free(): void {
    this.reg.fill(0);
  }
}

class AesStreamPacketCipher implements PacketCipher {
  private readonly enc: AesStream;
  private readonly dec: AesStream;
  constructor(ecb: AesEcb, mode: "cfb" | "ofb" | "ctr", iv: Uint8Array) {
    this.enc = new AesStream(ecb, mode, iv, true);
    this.dec = new AesStream(ecb, mode, iv, false);
  }
  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    this.enc.reset();
    this.enc.update(src, srcOff, len, dst, dstOff);
    return len;
  }
  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    this.dec.reset();
    this.dec.update(src, srcOff, len, dst, dstOff);
    return len;
  }
  free(): void {}
}

/** Checks PKCS#7 padding of dst[off, +len); returns the unpadded length or -1. */
function unpad(dst: Uint8Array, off: number, len: number): number {
  const pad = dst[off + len - 1]!;
  if (pad < 1 || pad > 16) return -1;
  let bad = 0;
  for (let j = 1; j <= pad; j++) bad |= dst[off + len - j]! ^ pad;
  return bad === 0 ? len - pad : -1;
}

/** AES-CBC and AES-ECB with PKCS#7. */
class AesBlockPacketCipher implements PacketCipher {
  private readonly block = new Uint8Array(16);
  constructor(
    private readonly info: CipherInfo,
    private readonly ecb: AesEcb,
    private readonly key: Uint8Array,
    private readonly iv: Uint8Array,
  ) {}

  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    const total = len + 16 - (len % 16);
    if (this.info.mode === "cbc" && NATIVE_CBC.has(this.info.name)) {
      const c = createCipheriv(this.info.name, this.key, this.iv);
      const a = c.update(src.subarray(srcOff, srcOff + len));
      const b = c.final();
      dst.set(a, dstOff);
      dst.set(b, dstOff + a.length);
      return a.length + b.length;
    }
    const pad = total - len;
    if (this.info.mode === "ecb") {
      const buf = new Uint8Array(total);
      buf.set(src.subarray(srcOff, srcOff + len));
      buf.fill(pad, len);
      dst.set(this.ecb.encrypt(buf), dstOff);
      return total;
    }
    // CBC without a native implementation (aes-192-cbc): one block at a time.
    const b = this.block;
    b.set(this.iv);
    for (let i = 0; i < total; i += 16) {
      for (let j = 0; j < 16; j++) b[j]! ^= i + j < len ? src[srcOff + i + j]! : pad;
      b.set(this.ecb.encrypt(b));
      dst.set(b, dstOff + i);
    }
    return total;
  }

  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (len === 0 || len % 16 !== 0) return -1;
    const pt = this.ecb.decrypt(src.subarray(srcOff, srcOff + len));
    if (this.info.mode === "ecb") {
      dst.set(pt, dstOff);
    } else {
      // Backwards, so decrypting in place never overwrites a ciphertext block still needed.
      const iv = this.iv;
      for (let i = len - 1; i >= 0; i--) {
        dst[dstOff + i] = pt[i]! ^ (i < 16 ? iv[i]! : src[srcOff + i - 16]!);
      }
    }
    return unpad(dst, dstOff, len);
  }

  free(): void {
    this.key.fill(0);
  }
}

class BuiltinMac implements Mac {
  readonly size: number;
  constructor(private readonly alg: string, size: number, private readonly key: Uint8Array) {
    this.size = size;
  }
  compute(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): void {
    const out = createHmac(this.alg, this.key).update(src.subarray(off, off + len)).digest();
    for (let i = 0; i < this.size; i++) dst[dstOff + i] = out[i]!;
  }
  free(): void {
    this.key.fill(0);
  }
}

const DIGEST_NAMES = new Set(["md5", "sha1", "sha224", "sha256", "sha384", "sha512"]);

// ---------------------------------------------------------------------------------------------
// BigInt RSA

/** base^exp mod m with a fixed 4-bit window. */
export function modPow(base: bigint, exp: bigint, m: bigint): bigint {
  if (m === 1n) return 0n;
  base %= m;
  if (base < 0n) base += m;
  const table: bigint[] = [1n, base];
  for (let i = 2; i < 16; i++) table.push((table[i - 1]! * base) % m);
  const hex = exp.toString(16);
  let r = 1n;
  for (let i = 0; i < hex.length; i++) {
    if (i > 0) {
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
      r = (r * r) % m;
    }
    const w = parseInt(hex[i]!, 16);
    if (w) r = (r * table[w]!) % m;
  }
  return r;
}

export function rsaPublicBigInt(key: RsaPublicKey, x: bigint): bigint {
  return modPow(x, key.e, key.n);
}

/** x^d mod n by CRT (Garner). */
export function rsaPrivateBigInt(key: RsaPrivateKey, x: bigint): bigint {
  const m1 = modPow(x, key.dp, key.p);
  const m2 = modPow(x, key.dq, key.q);
  let h = ((m1 - m2) * key.qinv) % key.p;
  if (h < 0n) h += key.p;
  return m2 + h * key.q;
}

export class BuiltinBackend implements CryptoBackend {
  readonly name = "builtin" as const;

  supportsCipher(c: CipherInfo): boolean {
    return c.nid === 0 || isSerpent(c) || (isAes(c) && c.mode !== "eax" && c.mode !== "none");
  }

  packetCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array): PacketCipher {
    const common = commonPacketCipher(c, key, iv);
    if (common) return common;
    if (!this.supportsCipher(c)) throw unsupportedCipher(this.name, c);
    const ecb = new AesEcb(key.slice());
    if (c.mode === "cbc" || c.mode === "ecb") {
      return new AesBlockPacketCipher(c, ecb, key.slice(), iv.slice());
    }
    return new AesStreamPacketCipher(ecb, c.mode as "cfb" | "ofb" | "ctr", iv.slice());
  }

  streamCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array, encrypt: boolean): StreamCipher {
    checkStreamCipher(c, key, iv);
    if (!this.supportsCipher(c)) throw unsupportedCipher(this.name, c);
    return new AesStream(
      new AesEcb(key.slice()),
      c.mode as "cfb" | "ofb" | "ctr",
      iv.slice(),
      encrypt,
    );
  }

  hmac(d: DigestInfo, key: Uint8Array): Mac {
    if (d.nid === 0) return new NullMac();
    if (!DIGEST_NAMES.has(d.name)) throw unsupportedDigest(this.name, d);
    return new BuiltinMac(d.name, d.size, key.slice());
  }

  digest(d: DigestInfo, data: Uint8Array): Uint8Array {
    if (d.nid === 0) return new Uint8Array(0);
    if (!DIGEST_NAMES.has(d.name)) throw unsupportedDigest(this.name, d);
    return new Uint8Array(createHash(d.name).update(data).digest());
  }

  rsaPublic(key: RsaPublicKey, input: Uint8Array): Uint8Array {
    return bigIntToBytes(rsaPublicBigInt(key, rsaInput(key, input)), key.size);
  }

  rsaPrivate(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
    const x = rsaInput(key, input);
    // Blinding: work on x·r^e, so the timing of the private exponentiation does not follow x.
    const rb = new Uint8Array(key.size);
    let r = 0n, rInv: bigint | null = null;
    while (rInv === null) {
      randomFillSync(rb);
      r = bytesToBigInt(rb) % key.n;
      if (r > 1n) rInv = modInverse(r, key.n);
    }
    const blinded = (x * modPow(r, key.e, key.n)) % key.n;
    const y = (rsaPrivateBigInt(key, blinded) * rInv) % key.n;
    return bigIntToBytes(y, key.size);
  }

  randomBytes(dst: Uint8Array): void {
    randomFillSync(dst);
  }
}
