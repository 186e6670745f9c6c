// Test helpers for the tinc engine tests: the crypto backend they run on and RSA keys.
import { generateKeyPairSync } from "node:crypto";
import { createCrypto } from "../../lib/crypto/mod.ts";
import type { CryptoBackend, RsaPrivateKey } from "../../lib/crypto/types.ts";
import { rsaKeyFromJwk } from "../crypto/_jwk.ts";

/** A fresh RSA key with its PKCS#1 PEM forms (for tincd's rsa_key.priv and hosts files). */
export function generateRsaPem(
  bits = 2048,
): { key: RsaPrivateKey; privatePem: string; publicPem: string } {
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
  return {
    key: rsaKeyFromJwk(privateKey.export({ format: "jwk" })),
    privatePem: privateKey.export({ type: "pkcs1", format: "pem" }) as string,
    publicPem: publicKey.export({ type: "pkcs1", format: "pem" }) as string,
  };
}

const keyCache = new Map<string, RsaPrivateKey>();
/** One key per name per process (key generation is the slow part of the tests). */
export function keyFor(name: string, bits = 1024): RsaPrivateKey {
  let k = keyCache.get(`${name}/${bits}`);
  if (!k) {
    k = generateRsaPem(bits).key;
    keyCache.set(`${name}/${bits}`, k);
  }
  return k;
}

/**
 * The backend the engine tests run on: lib/crypto's createCrypto() (libcrypto through FFI,
 * else builtin). TINCTURE_TEST_CRYPTO=builtin picks the builtin backend explicitly.
 */
export function testCrypto(): CryptoBackend {
  const which = Deno.env.get("TINCTURE_TEST_CRYPTO");
  return createCrypto(which === "builtin" ? "builtin" : "openssl");
}
