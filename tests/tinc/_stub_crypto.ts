// A small CryptoBackend over node:crypto for the data-plane tests (until lib/crypto lands:
// then the tests also run against the real backends). Allocates per call; tests only.
import { createCipheriv, createDecipheriv, createHmac, randomFillSync } from "node:crypto";
import type {
  CipherInfo,
  CryptoBackend,
  DigestInfo,
  Mac,
  PacketCipher,
} from "../../lib/crypto/types.ts";
import type { AlgorithmTable } from "../../lib/tinc/data_channel.ts";

export const CIPHERS: CipherInfo[] = [
  { name: "aes-128-cbc", nid: 419, keyLength: 16, ivLength: 16, blockSize: 16, mode: "cbc" },
  { name: "aes-192-cbc", nid: 423, keyLength: 24, ivLength: 16, blockSize: 16, mode: "cbc" },
  { name: "aes-256-cbc", nid: 427, keyLength: 32, ivLength: 16, blockSize: 16, mode: "cbc" },
  { name: "aes-256-cfb", nid: 429, keyLength: 32, ivLength: 16, blockSize: 1, mode: "cfb" },
  { name: "aes-256-ctr", nid: 906, keyLength: 32, ivLength: 16, blockSize: 1, mode: "ctr" },
  { name: "bf-cbc", nid: 91, keyLength: 16, ivLength: 8, blockSize: 8, mode: "cbc" },
];
export const DIGESTS: DigestInfo[] = [
  { name: "md5", nid: 4, size: 16 },
  { name: "sha1", nid: 64, size: 20 },
  { name: "sha256", nid: 672, size: 32 },
  { name: "sha512", nid: 674, size: 64 },
];

export const STUB_ALGORITHMS: AlgorithmTable = {
  cipherByNid: (nid) => CIPHERS.find((c) => c.nid === nid) ?? null,
  digestByNid: (nid) => DIGESTS.find((d) => d.nid === nid) ?? null,
  cipherByName: (n) => CIPHERS.find((c) => c.name === n) ?? null,
  digestByName: (n) => DIGESTS.find((d) => d.name === n) ?? null,
};

/** Deterministic "random" when seeded (xorshift), else node:crypto. */
export function stubBackend(seed?: number): CryptoBackend {
  let s = seed ?? 0;
  return {
    name: "builtin",
    supportsCipher: (c) => c.name !== "bf-cbc",
    packetCipher(c, key, iv): PacketCipher {
      const k = Uint8Array.from(key), v = Uint8Array.from(iv);
      return {
        encrypt(src, so, len, dst, doff) {
          const e = createCipheriv(c.name, k, v);
          const a = e.update(src.subarray(so, so + len));
          const b = e.final();
          dst.set(a, doff);
          dst.set(b, doff + a.length);
          return a.length + b.length;
        },
        decrypt(src, so, len, dst, doff) {
          try {
            const d = createDecipheriv(c.name, k, v);
            const a = d.update(src.subarray(so, so + len));
            const b = d.final();
            dst.set(a, doff);
            dst.set(b, doff + a.length);
            return a.length + b.length;
          } catch {
            return -1;
          }
        },
        free() {},
      };
    },
    streamCipher() {
      throw new Error("not in the stub");
    },
    hmac(d, key): Mac {
      const k = Uint8Array.from(key);
      return {
        size: d.size,
        compute(src, off, len, dst, doff) {
          dst.set(createHmac(d.name, k).update(src.subarray(off, off + len)).digest(), doff);
        },
        free() {},
      };
    },
    digest() {
      throw new Error("not in the stub");
    },
    rsaPublic() {
      throw new Error("not in the stub");
    },
    rsaPrivate() {
      throw new Error("not in the stub");
    },
    randomBytes(dst) {
      if (seed === undefined) {
        randomFillSync(dst);
        return;
      }
      for (let i = 0; i < dst.length; i++) {
        s = (Math.imul(s, 1103515245) + 12345) >>> 0;
        dst[i] = s >>> 24;
      }
    },
  };
}
