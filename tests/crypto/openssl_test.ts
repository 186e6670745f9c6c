import assert from "node:assert/strict";
import { createHmac } from "node:crypto";
import { cipherByName, CIPHERS, digestByName } from "../../lib/crypto/algorithms.ts";
import { BuiltinBackend } from "../../lib/crypto/builtin.ts";
import { OpensslBackend } from "../../lib/crypto/openssl.ts";
import { backendSuite, hex, rnd, toHex } from "./backend_suite.ts";

backendSuite("openssl", () => new OpensslBackend());

const b = new OpensslBackend();
const c = (n: string) => cipherByName(n)!;

/** `openssl enc` as an independent oracle (raw key/IV, no padding unless asked). */
function opensslEnc(name: string, key: Uint8Array, iv: Uint8Array, data: Uint8Array, pad: boolean) {
  const args = ["enc", `-${name}`, "-K", toHex(key), "-e"];
  if (iv.length) args.push("-iv", toHex(iv));
  if (!pad) args.push("-nopad");
  if (name.startsWith("bf")) args.push("-provider", "legacy", "-provider", "default");
  const p = new Deno.Command("openssl", { args, stdin: "piped", stdout: "piped", stderr: "piped" })
    .spawn();
  const w = p.stdin.getWriter();
  return (async () => {
    await w.write(data);
    await w.close();
    const o = await p.output();
    assert.ok(o.success, new TextDecoder().decode(o.stderr));
    return o.stdout;
  })();
}

Deno.test("openssl: legacy provider loaded; Blowfish available", () => {
  assert.ok(b.lib.legacy);
  assert.match(b.lib.version, /^OpenSSL 3\./);
  for (const n of ["bf-cbc", "bf-cfb", "bf-ofb", "bf-ecb"]) assert.ok(b.supportsCipher(c(n)), n);
});

Deno.test("openssl: Blowfish ECB known answers (Schneier's vectors; 16-byte key = 8-byte key twice)", () => {
  const vectors: [string, string, string][] = [
    ["0000000000000000", "0000000000000000", "4ef997456198dd78"],
    ["ffffffffffffffff", "ffffffffffffffff", "51866fd5b85ecb8a"],
    ["0123456789abcdef", "1111111111111111", "61f9c3802281b096"],
    ["fedcba9876543210", "0123456789abcdef", "0aceab0fc6a0a28d"],
  ];
  for (const [k, p, want] of vectors) {
    const pc = b.packetCipher(c("bf-ecb"), hex(k + k), new Uint8Array(0));
    const out = new Uint8Array(16);
    assert.equal(pc.encrypt(hex(p), 0, 8, out, 0), 16);
    assert.equal(toHex(out.subarray(0, 8)), want);
    pc.free();
  }
});

Deno.test("openssl: every cipher agrees with the openssl CLI (packets of odd sizes)", async () => {
  for (const ci of CIPHERS) {
    if (ci.nid === 0 || ci.name.includes("serpent")) continue;
    const key = rnd(ci.keyLength, ci.nid), iv = rnd(ci.ivLength, ci.nid + 100);
    const pc = b.packetCipher(ci, key, iv);
    for (const len of [1, 8, 77, 1400]) {
      if ((ci.mode === "cbc" || ci.mode === "ecb") && len % ci.blockSize !== 0 && len < 8) continue;
      const pt = rnd(len, len + ci.nid);
      const out = new Uint8Array(len + 16);
      const n = pc.encrypt(pt, 0, len, out, 0);
      const padded = ci.mode === "cbc" || ci.mode === "ecb";
      const want = await opensslEnc(ci.name, key, iv, pt, padded);
      assert.equal(toHex(out.subarray(0, n)), toHex(want), `${ci.name} len ${len}`);
    }
    pc.free();
  }
});

Deno.test("openssl: bf-cbc + HMAC-SHA1 packet (tinc ≤1.0.29 defaults) round trip", () => {
  const km = rnd(24, 77);
  const pc = b.packetCipher(c("bf-cbc"), km.subarray(0, 16), km.subarray(16));
  const mac = b.hmac(digestByName("sha1")!, km);
  const pt = rnd(102, 5);
  const buf = new Uint8Array(200);
  const n = pc.encrypt(pt, 0, 102, buf, 0);
  assert.equal(n, 104);
  mac.compute(buf, 0, n, buf, n);
  const m2 = new Uint8Array(20);
  mac.compute(buf, 0, n, m2, 0);
  assert.deepEqual(buf.subarray(n, n + 20), m2);
  const back = new Uint8Array(200);
  assert.equal(pc.decrypt(buf, 0, n, back, 0), 102);
  assert.deepEqual(back.subarray(0, 102), pt);
});

Deno.test("openssl: the packet path does not allocate once warm", () => {
  const km = rnd(48, 3);
  const pc = b.packetCipher(c("aes-256-cbc"), km.subarray(0, 32), km.subarray(32));
  const mac = b.hmac(digestByName("sha256")!, km);
  const buf = new Uint8Array(2000);
  const run = (count: number) => {
    for (let i = 0; i < count; i++) {
      const len = 1000 + (i & 255);
      const n = pc.encrypt(buf, 100, len, buf, 100);
      mac.compute(buf, 100, n, buf, 100 + n);
      pc.decrypt(buf, 100, n, buf, 100);
    }
  };
  run(5000); // warm: JIT, pointer and BigInt caches
  // deno-lint-ignore no-explicit-any
  const gc = (globalThis as any).gc as (() => void) | undefined;
  gc?.();
  const before = Deno.memoryUsage().heapUsed;
  run(20000);
  const grown = Deno.memoryUsage().heapUsed - before;
  // 20000 packets × even 50 bytes of garbage each would be 1 MB; allow noise well below that.
  assert.ok(grown < 512 * 1024, `heap grew by ${grown} bytes over 20000 packets`);
});

Deno.test("openssl: CBC/ECB packets chain across calls yet match a fresh context per packet (builtin oracle)", () => {
  const builtin = new BuiltinBackend();
  let seed = 1;
  const next = () => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  for (const ci of CIPHERS) {
    if (!(ci.mode === "cbc" || ci.mode === "ecb") || !builtin.supportsCipher(ci)) continue;
    const key = rnd(ci.keyLength, ci.nid), iv = rnd(ci.ivLength, ci.nid + 1);
    const ours = b.packetCipher(ci, key, iv), oracle = builtin.packetCipher(ci, key, iv);
    for (let round = 0; round < 300; round++) {
      const len = Math.floor(next() * 70);
      const pt = rnd(len, round + ci.nid);
      const want = new Uint8Array(len + 32);
      const wn = oracle.encrypt(pt, 0, len, want, 0);
      // In place half the time; otherwise the source must come back unchanged.
      const inPlace = next() < 0.5;
      const buf = new Uint8Array(len + 64);
      buf.set(pt, 8);
      const out = inPlace ? buf : new Uint8Array(len + 64);
      const n = ours.encrypt(buf, 8, len, out, 8);
      assert.equal(n, wn, `${ci.name} #${round}`);
      assert.equal(
        toHex(out.subarray(8, 8 + n)),
        toHex(want.subarray(0, wn)),
        `${ci.name} #${round}`,
      );
      if (!inPlace) assert.deepEqual(buf.subarray(8, 8 + len), pt);
      // Corrupted or truncated ciphertexts in between must not upset later packets.
      const r = next();
      if (r < 0.15) {
        const bad = out.slice(8, 8 + n);
        bad[bad.length - 1] = bad[bad.length - 1]! ^ 0x5a; // almost surely bad padding
        ours.decrypt(bad, 0, n, new Uint8Array(n), 0);
      } else if (r < 0.25) {
        assert.equal(ours.decrypt(out, 8, n - 1, new Uint8Array(n), 0), -1);
      }
      const back = inPlace ? out : new Uint8Array(n + 16);
      assert.equal(ours.decrypt(out, 8, n, back, inPlace ? 8 : 0), len, `${ci.name} #${round}`);
      assert.deepEqual(back.subarray(inPlace ? 8 : 0, (inPlace ? 8 : 0) + len), pt);
    }
    ours.free();
    oracle.free();
  }
});

Deno.test("openssl: HMAC (one-digest API and EVP) equals node:crypto's, with and without headroom; the headroom comes back unchanged", () => {
  for (const [api, backend] of [["one-digest", b], ["evp", new OpensslBackend(false)]] as const) {
    for (const name of ["md5", "sha1", "sha256", "sha384", "sha512"]) {
      const d = digestByName(name)!;
      for (const keyLen of [4, 48, 200]) {
        const key = rnd(keyLen, keyLen);
        const mac = backend.hmac(d, key);
        for (const len of [0, 1, 55, 64, 119, 1400]) {
          const msg = rnd(len, len + keyLen);
          const want = createHmac(name, key).update(msg).digest("hex");
          const out = new Uint8Array(d.size);
          mac.compute(msg, 0, len, out, 0); // no headroom: the scratch copy
          assert.equal(toHex(out), want, `${api} ${name} key ${keyLen} len ${len}`);
          const framed = new Uint8Array(200 + len);
          framed.set(rnd(200, 9));
          framed.set(msg, 200);
          const before = framed.slice();
          mac.compute(framed, 200, len, out, 0); // headroom: the pad block goes in front
          assert.equal(toHex(out), want, `${api} ${name} key ${keyLen} len ${len} (headroom)`);
          assert.deepEqual(framed, before);
        }
        mac.free();
      }
    }
  }
});
