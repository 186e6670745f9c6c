/**
 * Cipher and digest tables by name (as in tinc's `Cipher =` / `Digest =`, OpenSSL short
 * names) and by OpenSSL NID (as on the wire in METAKEY and ANS_KEY). NIDs were checked
 * against libcrypto.so.3 (OpenSSL 3.0) with OBJ_txt2nid; tests/crypto/openssl_test.ts
 * re-checks them through FFI.
 *
 * tincture extensions, only meaningful between tincture nodes (a real tincd rejects the
 * unknown NIDs, so a node configured with them cannot talk to tincd):
 * - `serpent-256-cbc`, NID 65281 (0xFF01): Serpent (standard byte order, 256-bit key) in CBC
 *   mode with PKCS#7 padding and the fixed IV reset per packet, exactly like aes-256-cbc.
 * - `eax-serpent`, NID 65282 (0xFF02): Serpent-EAX with a 256-bit key and no IV. A packet
 *   `seqno(4) ‖ payload` is sent as `seqno(4, clear) ‖ EAX-ciphertext(payload) ‖ tag(16)`,
 *   nonce = the 4 seqno bytes, no header. Decryption verifies the tag (-1 on failure).
 * OpenSSL 3.0 assigns NIDs below 1300; 65281+ are far from any it will use.
 *
 * @module
 */

import type { CipherInfo, CipherMode, DigestInfo } from "./types.ts";

export const NID_SERPENT_256_CBC = 65281;
export const NID_EAX_SERPENT = 65282;
/** Bytes eax-serpent appends (the tag). */
export const EAX_TAG_LENGTH = 16;

function cipher(
  name: string,
  nid: number,
  keyLength: number,
  ivLength: number,
  blockSize: number,
  mode: CipherMode,
): CipherInfo {
  return Object.freeze({ name, nid, keyLength, ivLength, blockSize, mode });
}

export const CIPHER_NONE: CipherInfo = cipher("none", 0, 0, 0, 1, "none");

export const CIPHERS: readonly CipherInfo[] = Object.freeze([
  CIPHER_NONE,
  cipher("aes-128-ecb", 418, 16, 0, 16, "ecb"),
  cipher("aes-128-cbc", 419, 16, 16, 16, "cbc"),
  cipher("aes-128-ofb", 420, 16, 16, 1, "ofb"),
  cipher("aes-128-cfb", 421, 16, 16, 1, "cfb"),
  cipher("aes-192-ecb", 422, 24, 0, 16, "ecb"),
  cipher("aes-192-cbc", 423, 24, 16, 16, "cbc"),
  cipher("aes-192-ofb", 424, 24, 16, 1, "ofb"),
  cipher("aes-192-cfb", 425, 24, 16, 1, "cfb"),
  cipher("aes-256-ecb", 426, 32, 0, 16, "ecb"),
  cipher("aes-256-cbc", 427, 32, 16, 16, "cbc"),
  cipher("aes-256-ofb", 428, 32, 16, 1, "ofb"),
  cipher("aes-256-cfb", 429, 32, 16, 1, "cfb"),
  cipher("aes-128-ctr", 904, 16, 16, 1, "ctr"),
  cipher("aes-192-ctr", 905, 24, 16, 1, "ctr"),
  cipher("aes-256-ctr", 906, 32, 16, 1, "ctr"),
  cipher("bf-cbc", 91, 16, 8, 8, "cbc"),
  cipher("bf-ecb", 92, 16, 0, 8, "ecb"),
  cipher("bf-cfb", 93, 16, 8, 1, "cfb"),
  cipher("bf-ofb", 94, 16, 8, 1, "ofb"),
  cipher("serpent-256-cbc", NID_SERPENT_256_CBC, 32, 16, 16, "cbc"),
  cipher("eax-serpent", NID_EAX_SERPENT, 32, 0, 1, "eax"),
]);

/** Other spellings OpenSSL's EVP_get_cipherbyname accepts (tinc passes `Cipher` to it). */
const CIPHER_ALIASES: Record<string, string> = {
  "aes128": "aes-128-cbc",
  "aes192": "aes-192-cbc",
  "aes256": "aes-256-cbc",
  "bf": "bf-cbc",
  "blowfish": "bf-cbc",
  "serpent256-cbc": "serpent-256-cbc", // secnet's transform name
};

function digest(name: string, nid: number, size: number): DigestInfo {
  return Object.freeze({ name, nid, size });
}

export const DIGEST_NONE: DigestInfo = digest("none", 0, 0);

export const DIGESTS: readonly DigestInfo[] = Object.freeze([
  DIGEST_NONE,
  digest("md5", 4, 16),
  digest("sha1", 64, 20),
  digest("sha224", 675, 28),
  digest("sha256", 672, 32),
  digest("sha384", 673, 48),
  digest("sha512", 674, 64),
]);

const DIGEST_ALIASES: Record<string, string> = {
  "sha-1": "sha1",
  "sha-224": "sha224",
  "sha-256": "sha256",
  "sha-384": "sha384",
  "sha-512": "sha512",
};

const cipherNames = new Map(CIPHERS.map((c) => [c.name, c]));
const cipherNids = new Map(CIPHERS.map((c) => [c.nid, c]));
const digestNames = new Map(DIGESTS.map((d) => [d.name, d]));
const digestNids = new Map(DIGESTS.map((d) => [d.nid, d]));

/** Case-insensitive, with OpenSSL's aliases ("blowfish" = bf-cbc, "aes256" = aes-256-cbc). */
export function cipherByName(name: string): CipherInfo | undefined {
  const n = name.toLowerCase();
  return cipherNames.get(CIPHER_ALIASES[n] ?? n);
}

export function cipherByNid(nid: number): CipherInfo | undefined {
  return cipherNids.get(nid);
}

export function digestByName(name: string): DigestInfo | undefined {
  const n = name.toLowerCase();
  return digestNames.get(DIGEST_ALIASES[n] ?? n);
}

export function digestByNid(nid: number): DigestInfo | undefined {
  return digestNids.get(nid);
}

/** Whether the cipher can run a continuous meta stream (output length = input length). */
export function isStreamMode(c: CipherInfo): boolean {
  return c.mode === "cfb" || c.mode === "ofb" || c.mode === "ctr";
}

/** The most bytes PacketCipher.encrypt can add: a padding block for CBC/ECB, the EAX tag. */
export function cipherOverhead(c: CipherInfo): number {
  if (c.mode === "cbc" || c.mode === "ecb") return c.blockSize;
  if (c.mode === "eax") return EAX_TAG_LENGTH;
  return 0;
}

/** Bytes of ANS_KEY key material: key ‖ IV, or 1 for cipher none (tinc sends one byte). */
export function keyMaterialLength(c: CipherInfo): number {
  return c.nid === 0 ? 1 : c.keyLength + c.ivLength;
}

/**
 * The meta-connection cipher tinc 1.0.36 announces for a given UDP cipher: by key length,
 * ≤16 → aes-128-cfb, ≤24 → aes-192-cfb, else aes-256-cfb (tinc-protocol.md §2.3).
 */
export function metaCipherFor(udpCipher: CipherInfo): CipherInfo {
  const kl = udpCipher.keyLength;
  return cipherByNid(kl <= 16 ? 421 : kl <= 24 ? 425 : 429)!;
}
