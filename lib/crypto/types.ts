/**
 * One crypto interface, two backends: libcrypto through FFI (lib/crypto/openssl.ts) and
 * Deno's built-in crypto plus BigInt RSA (lib/crypto/builtin.ts). The protocol engine sees
 * only these types, so the same tests run on both.
 *
 * Packet-path methods take (buffer, offset, length) and must not allocate per call once
 * warm: backends cache what they derive from a buffer (pointers) and reuse contexts.
 *
 * @module
 */

/**
 * "eax" is a tincture extension (eax-serpent): an AEAD packet cipher whose output is the
 * clear 4-byte seqno, the ciphertext and a 16-byte tag (see lib/crypto/algorithms.ts).
 */
export type CipherMode = "none" | "cbc" | "cfb" | "ofb" | "ctr" | "ecb" | "eax";

/** A cipher as tinc names it on the wire (OpenSSL NID) and in config (OpenSSL short name). */
export interface CipherInfo {
  readonly name: string; // "aes-256-cbc", "bf-cbc", "none"
  readonly nid: number; // 427, 91, 0
  readonly keyLength: number; // bytes
  readonly ivLength: number; // bytes
  readonly blockSize: number; // 1 for stream modes
  readonly mode: CipherMode;
}

export interface DigestInfo {
  readonly name: string; // "sha256", "sha1", "md5", "none"
  readonly nid: number; // 672, 64, 4, 0
  readonly size: number; // bytes of output
}

/** Per-datagram cipher: every call is an independent message starting from the fixed IV. */
export interface PacketCipher {
  /** Encrypts src[srcOff, +len) into dst at dstOff; returns the output length (CBC adds PKCS#7). */
  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number;
  /** Decrypts; returns the plaintext length, or -1 when the padding is bad. */
  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number;
  free(): void;
}

/** Continuous stream cipher for a meta connection (CFB/OFB/CTR): state carries across calls. */
export interface StreamCipher {
  /** Output length always equals input length; dst may equal src (in place). */
  update(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void;
  free(): void;
}

/** A keyed HMAC, reusable across packets. */
export interface Mac {
  readonly size: number;
  /** Writes the full HMAC of src[off, +len) to dst[dstOff, +size). */
  compute(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): void;
  free(): void;
}

export interface RsaPublicKey {
  readonly n: bigint;
  readonly e: bigint;
  /** Modulus length in bytes (RSA_size). */
  readonly size: number;
}

export interface RsaPrivateKey extends RsaPublicKey {
  readonly d: bigint;
  readonly p: bigint;
  readonly q: bigint;
  readonly dp: bigint;
  readonly dq: bigint;
  readonly qinv: bigint;
}

export interface CryptoBackend {
  readonly name: "openssl" | "builtin";
  /** Whether this backend can do the cipher (builtin has no Blowfish, for instance). */
  supportsCipher(c: CipherInfo): boolean;
  packetCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array): PacketCipher;
  streamCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array, encrypt: boolean): StreamCipher;
  hmac(d: DigestInfo, key: Uint8Array): Mac;
  digest(d: DigestInfo, data: Uint8Array): Uint8Array;
  /** Raw RSA (no padding): input and output are exactly key.size bytes, big-endian. */
  rsaPublic(key: RsaPublicKey, input: Uint8Array): Uint8Array;
  rsaPrivate(key: RsaPrivateKey, input: Uint8Array): Uint8Array;
  randomBytes(dst: Uint8Array): void;
}
