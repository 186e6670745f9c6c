// Test helpers for the tinc engine tests: a CryptoBackend on node:crypto (until
// lib/crypto/mod.ts exists) and RSA key generation.
import { createCrypto } from "../../lib/crypto/mod.ts";
import type {
  CipherInfo,
  CryptoBackend,
  DigestInfo,
  Mac,
  PacketCipher,
  RsaPrivateKey,
  RsaPublicKey,
  StreamCipher,
} from "../../lib/crypto/types.ts";

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}

function toBig(b: Uint8Array): bigint {
  let v = 0n;
  for (const x of b) v = (v << 8n) | BigInt(x);
  return v;
}

function toBytes(v: bigint, size: number): Uint8Array {
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

function b64u(s: string): bigint {
  return toBig(new Uint8Array(Buffer.from(s, "base64url")));
}

// node:crypto through a computed specifier: the type checker would otherwise need
// @types/node, which is not installed (nodeModulesDir "manual").
// deno-lint-ignore no-explicit-any
const nc: any = await import(["node", "crypto"].join(":"));
// deno-lint-ignore no-explicit-any
const { Buffer }: any = await import(["node", "buffer"].join(":"));

/** A fresh RSA key (1024 bits unless told) as the engine's RsaPrivateKey. */
export function generateRsaKey(bits = 1024): RsaPrivateKey {
  const { privateKey } = nc.generateKeyPairSync("rsa", { modulusLength: bits });
  const j = privateKey.export({ format: "jwk" }) as Record<string, string>;
  const n = b64u(j.n!);
  return {
    n,
    e: b64u(j.e!),
    d: b64u(j.d!),
    p: b64u(j.p!),
    q: b64u(j.q!),
    dp: b64u(j.dp!),
    dq: b64u(j.dq!),
    qinv: b64u(j.qi!),
    size: Math.ceil(n.toString(16).length / 2),
  };
}

export function publicOf(k: RsaPrivateKey): RsaPublicKey {
  return { n: k.n, e: k.e, size: k.size };
}

const keyCache = new Map<string, RsaPrivateKey>();
/** One key per name per process (key generation is the slow part of the tests). */
export function keyFor(name: string, bits = 1024): RsaPrivateKey {
  let k = keyCache.get(`${name}/${bits}`);
  if (!k) {
    k = generateRsaKey(bits);
    keyCache.set(`${name}/${bits}`, k);
  }
  return k;
}

const SUPPORTED = new Set([
  "aes-128-cfb",
  "aes-192-cfb",
  "aes-256-cfb",
  "aes-128-ofb",
  "aes-256-ofb",
  "aes-256-ctr",
  "aes-128-cbc",
  "aes-192-cbc",
  "aes-256-cbc",
]);

/**
 * The backend the engine tests run on: lib/crypto's createCrypto() (libcrypto through FFI,
 * else builtin). TINCTURE_TEST_CRYPTO=builtin|openssl|node picks one explicitly.
 */
export function testCrypto(): CryptoBackend {
  const which = Deno.env.get("TINCTURE_TEST_CRYPTO");
  if (which === "node") return nodeCrypto();
  return createCrypto(which === "builtin" ? "builtin" : "openssl");
}

/** CryptoBackend on node:crypto. `random` can be replaced for deterministic tests. */
export function nodeCrypto(random?: (dst: Uint8Array) => void): CryptoBackend {
  return {
    name: "builtin",
    supportsCipher: (c: CipherInfo) => SUPPORTED.has(c.name),
    packetCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array): PacketCipher {
      const k = Buffer.from(key), v = Buffer.from(iv);
      return {
        encrypt(src, off, len, dst, dstOff) {
          const ci = nc.createCipheriv(c.name, k, v);
          const out = Buffer.concat([ci.update(src.subarray(off, off + len)), ci.final()]);
          dst.set(out, dstOff);
          return out.length;
        },
        decrypt(src, off, len, dst, dstOff) {
          try {
            const d = nc.createDecipheriv(c.name, k, v);
            const out = Buffer.concat([d.update(src.subarray(off, off + len)), d.final()]);
            dst.set(out, dstOff);
            return out.length;
          } catch {
            return -1;
          }
        },
        free() {},
      };
    },
    streamCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array, encrypt: boolean): StreamCipher {
      if (c.mode === "cfb") return cfb128(c, key, iv, encrypt);
      const ctx = encrypt
        ? nc.createCipheriv(c.name, Buffer.from(key), Buffer.from(iv))
        : nc.createDecipheriv(c.name, Buffer.from(key), Buffer.from(iv));
      return {
        update(src, off, len, dst, dstOff) {
          const out = ctx.update(src.subarray(off, off + len));
          dst.set(out, dstOff);
        },
        free() {},
      };
    },
    hmac(d: DigestInfo, key: Uint8Array): Mac {
      const k = Buffer.from(key);
      return {
        size: d.size,
        compute(src, off, len, dst, dstOff) {
          dst.set(nc.createHmac(d.name, k).update(src.subarray(off, off + len)).digest(), dstOff);
        },
        free() {},
      };
    },
    digest: (d: DigestInfo, data: Uint8Array) =>
      new Uint8Array(nc.createHash(d.name).update(data).digest()),
    rsaPublic: (key: RsaPublicKey, input: Uint8Array) =>
      toBytes(modPow(toBig(input), key.e, key.n), key.size),
    rsaPrivate: (key: RsaPrivateKey, input: Uint8Array) =>
      toBytes(modPow(toBig(input), key.d, key.n), key.size),
    randomBytes: random ?? ((dst: Uint8Array) => {
      nc.randomFillSync(dst);
    }),
  };
}

/** A deterministic byte source (xorshift) for reproducible handshakes. */
export function seededRandom(seed: number): (dst: Uint8Array) => void {
  let x = seed >>> 0 || 1;
  return (dst) => {
    for (let i = 0; i < dst.length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      dst[i] = x & 0xff;
    }
  };
}

/** AES-CFB128 on top of AES-ECB (Deno's node:crypto has no CFB). */
function cfb128(c: CipherInfo, key: Uint8Array, iv: Uint8Array, encrypt: boolean): StreamCipher {
  const ecb = nc.createCipheriv(`aes-${c.keyLength * 8}-ecb`, Buffer.from(key), null);
  ecb.setAutoPadding(false);
  const reg = new Uint8Array(iv); // the shift register: last ciphertext block
  let ks = new Uint8Array(16);
  let pos = 16;
  return {
    update(src, off, len, dst, dstOff) {
      for (let i = 0; i < len; i++) {
        if (pos === 16) {
          ks = new Uint8Array(ecb.update(reg));
          pos = 0;
        }
        const inb = src[off + i]!;
        const outb = inb ^ ks[pos]!;
        reg[pos] = encrypt ? outb : inb;
        dst[dstOff + i] = outb;
        pos++;
      }
    },
    free() {},
  };
}

/** A fresh RSA key with its PKCS#1 PEM forms (for tincd's rsa_key.priv and hosts files). */
export function generateRsaPem(
  bits = 2048,
): { key: RsaPrivateKey; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = nc.generateKeyPairSync("rsa", { modulusLength: bits });
  const j = privateKey.export({ format: "jwk" }) as Record<string, string>;
  const n = b64u(j.n!);
  return {
    key: {
      n,
      e: b64u(j.e!),
      d: b64u(j.d!),
      p: b64u(j.p!),
      q: b64u(j.q!),
      dp: b64u(j.dp!),
      dq: b64u(j.dq!),
      qinv: b64u(j.qi!),
      size: Math.ceil(n.toString(16).length / 2),
    },
    privatePem: privateKey.export({ type: "pkcs1", format: "pem" }) as string,
    publicPem: publicKey.export({ type: "pkcs1", format: "pem" }) as string,
  };
}
