/**
 * What both backends share: argument checks, the "none" cipher and digest, and dispatch to
 * the pure-TS Serpent ciphers (tincture extensions).
 *
 * @module
 */

import { isStreamMode } from "./algorithms.ts";
import { bytesToBigInt } from "./rsa_key.ts";
import { EaxSerpentPacketCipher, SerpentCbcPacketCipher } from "./serpent.ts";
import type { CipherInfo, DigestInfo, Mac, PacketCipher, RsaPublicKey } from "./types.ts";

export class CryptoError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CryptoError";
  }
}

export function checkKeyIv(c: CipherInfo, key: Uint8Array, iv: Uint8Array): void {
  if (key.length !== c.keyLength) {
    throw new CryptoError(`${c.name}: key must be ${c.keyLength} bytes, not ${key.length}`);
  }
  if (iv.length !== c.ivLength) {
    throw new CryptoError(`${c.name}: IV must be ${c.ivLength} bytes, not ${iv.length}`);
  }
}

export function checkStreamMode(c: CipherInfo): void {
  if (!isStreamMode(c)) {
    throw new CryptoError(`${c.name} is not a stream mode (need cfb, ofb or ctr)`);
  }
}

/**
 * The start of every backend's packetCipher(): "none" and the Serpent extensions are built
 * here; null means the backend builds `c` itself (key and IV lengths already checked).
 */
export function commonPacketCipher(
  c: CipherInfo,
  key: Uint8Array,
  iv: Uint8Array,
): PacketCipher | null {
  if (c.nid === 0) return new NullPacketCipher();
  checkKeyIv(c, key, iv);
  return serpentPacketCipher(c, key, iv);
}

/** The checks at the start of every backend's streamCipher(). */
export function checkStreamCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array): void {
  checkStreamMode(c);
  checkKeyIv(c, key, iv);
}

/** Raw RSA input as a number: exactly the key's size and smaller than the modulus. */
export function rsaInput(key: RsaPublicKey, input: Uint8Array): bigint {
  if (input.length !== key.size) {
    throw new CryptoError(`raw RSA input must be ${key.size} bytes, not ${input.length}`);
  }
  const x = bytesToBigInt(input);
  if (x >= key.n) throw new CryptoError("raw RSA input is not smaller than the modulus");
  return x;
}

/** Cipher "none": a copy (tinc sends the plaintext). */
export class NullPacketCipher implements PacketCipher {
  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (src !== dst || srcOff !== dstOff) copy(src, srcOff, len, dst, dstOff);
    return len;
  }
  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (src !== dst || srcOff !== dstOff) copy(src, srcOff, len, dst, dstOff);
    return len;
  }
  free(): void {}
}

function copy(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number) {
  if (src.buffer === dst.buffer) {
    // Overlap-safe without a subarray allocation in the common same-buffer case.
    if (dst.byteOffset + dstOff <= src.byteOffset + srcOff) {
      for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
    } else {
      for (let i = len - 1; i >= 0; i--) dst[dstOff + i] = src[srcOff + i]!;
    }
  } else {
    for (let i = 0; i < len; i++) dst[dstOff + i] = src[srcOff + i]!;
  }
}

/** Digest "none" (or MACLength 0): a MAC of zero bytes. */
export class NullMac implements Mac {
  readonly size = 0;
  compute(): void {}
  free(): void {}
}

/** The Serpent-based packet ciphers, or null when `c` is not one of them. */
export function serpentPacketCipher(
  c: CipherInfo,
  key: Uint8Array,
  iv: Uint8Array,
): PacketCipher | null {
  if (c.name === "serpent-256-cbc") return new SerpentCbcPacketCipher(key, iv);
  if (c.name === "eax-serpent") return new EaxSerpentPacketCipher(key);
  return null;
}

export function isSerpent(c: CipherInfo): boolean {
  return c.name === "serpent-256-cbc" || c.name === "eax-serpent";
}

export function unsupportedCipher(backend: string, c: CipherInfo): CryptoError {
  return new CryptoError(`${backend} backend does not support cipher ${c.name} (NID ${c.nid})`);
}

export function unsupportedDigest(backend: string, d: DigestInfo): CryptoError {
  return new CryptoError(`${backend} backend does not support digest ${d.name} (NID ${d.nid})`);
}
