import assert from "node:assert/strict";
import { cipherByName, CIPHERS, DIGESTS } from "../../lib/crypto/algorithms.ts";
import { BuiltinBackend, modPow, rsaPrivateBigInt } from "../../lib/crypto/builtin.ts";
import { OpensslBackend } from "../../lib/crypto/openssl.ts";
import { parseRsaPrivateKeyPem } from "../../lib/crypto/rsa_key.ts";
import { backendSuite, rnd } from "./backend_suite.ts";

backendSuite("builtin", () => new BuiltinBackend());

const builtin = new BuiltinBackend();

Deno.test("builtin: no Blowfish", () => {
  for (const n of ["bf-cbc", "bf-cfb", "bf-ofb", "bf-ecb"]) {
    assert.equal(builtin.supportsCipher(cipherByName(n)!), false);
    assert.throws(() =>
      builtin.packetCipher(cipherByName(n)!, new Uint8Array(16), new Uint8Array(8))
    );
  }
});

Deno.test("builtin: modPow and CRT against plain BigInt arithmetic", () => {
  const naive = (b: bigint, e: bigint, m: bigint) => {
    let r = 1n;
    for (b %= m; e > 0n; e >>= 1n, b = (b * b) % m) if (e & 1n) r = (r * b) % m;
    return r;
  };
  for (
    const [b, e, m] of [[2n, 10n, 1000n], [123456789n, 65537n, 999999937n], [5n, 0n, 7n], [
      0n,
      5n,
      7n,
    ]]
  ) {
    assert.equal(modPow(b!, e!, m!), naive(b!, e!, m!));
  }
  const k = parseRsaPrivateKeyPem(
    Deno.readTextFileSync(new URL("./testdata/pkcs1_2048.pem", import.meta.url)),
  );
  const x = 0x123456789abcdef0123456789n;
  assert.equal(rsaPrivateBigInt(k, x), naive(x, k.d, k.n));
});

Deno.test("builtin = openssl on random inputs, every shared cipher and digest", () => {
  const ossl = new OpensslBackend();
  let seed = 1;
  for (const ci of CIPHERS) {
    if (!builtin.supportsCipher(ci) || !ossl.supportsCipher(ci)) continue;
    for (let trial = 0; trial < 4; trial++) {
      const key = rnd(ci.keyLength, seed++), iv = rnd(ci.ivLength, seed++);
      const len = 4 + (rnd(2, seed++)[0]! * 6) % 1500;
      const pt = rnd(len, seed++);
      const a = new Uint8Array(len + 32), b = new Uint8Array(len + 32);
      const pa = builtin.packetCipher(ci, key, iv), pb = ossl.packetCipher(ci, key, iv);
      const na = pa.encrypt(pt, 0, len, a, 0);
      assert.equal(pb.encrypt(pt, 0, len, b, 0), na, ci.name);
      assert.deepEqual(a, b, `${ci.name} len ${len}`);
      assert.equal(pa.decrypt(b, 0, na, a, 0), len);
      assert.deepEqual(a.subarray(0, len), pt);
      if (ci.mode === "cfb" || ci.mode === "ofb" || ci.mode === "ctr") {
        const sa = builtin.streamCipher(ci, key, iv, true),
          sb = ossl.streamCipher(ci, key, iv, true);
        const oa = new Uint8Array(len), ob = new Uint8Array(len);
        for (let i = 0; i < len; i += 37) {
          const n = Math.min(37, len - i);
          sa.update(pt, i, n, oa, i);
          sb.update(pt, i, n, ob, i);
        }
        assert.deepEqual(oa, ob, `${ci.name} stream`);
      }
    }
  }
  for (const dg of DIGESTS) {
    const key = rnd(1 + seed % 150, seed++), data = rnd(seed % 2000, seed++);
    assert.deepEqual(builtin.digest(dg, data), ossl.digest(dg, data), dg.name);
    const ma = builtin.hmac(dg, key), mb = ossl.hmac(dg, key);
    const oa = new Uint8Array(64), ob = new Uint8Array(64);
    ma.compute(data, 0, data.length, oa, 0);
    mb.compute(data, 0, data.length, ob, 0);
    assert.deepEqual(oa, ob, `hmac ${dg.name}`);
  }
});
