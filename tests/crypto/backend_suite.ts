/**
 * Tests every CryptoBackend must pass, byte for byte: the real tincd capture vectors
 * (/work/shared/tinc/vectors.json, tinc-protocol.md §8), NIST SP 800-38A AES vectors,
 * RFC 4231 / RFC 2202 HMAC vectors, FIPS 180 digests, raw RSA against node:crypto, and the
 * packet/stream contracts (IV reset per packet, in place, chunking, bad padding).
 * Imported by openssl_test.ts and builtin_test.ts.
 */
import { sharedPath } from "../support/shared.ts";
import assert from "node:assert/strict";
import { constants, generateKeyPairSync, privateDecrypt, publicEncrypt } from "node:crypto";
import {
  cipherByName,
  cipherOverhead,
  CIPHERS,
  DIGEST_NONE,
  digestByName,
  isStreamMode,
} from "../../lib/crypto/algorithms.ts";
import { parseRsaPrivateKeyPem, publicKeyOf, rsaPublicKey } from "../../lib/crypto/rsa_key.ts";
import type { CipherInfo, CryptoBackend, RsaPrivateKey } from "../../lib/crypto/types.ts";
import { xorshift32 } from "../../lib/tinc/xorshift.ts";

export const hex = (s: string) =>
  Uint8Array.from(s.replace(/\s+/g, "").match(/../g) ?? [], (x) => parseInt(x, 16));
export const toHex = (b: Uint8Array) =>
  Array.from(b, (v) => v.toString(16).padStart(2, "0")).join("");
const ascii = (s: string) => new TextEncoder().encode(s);

export function rnd(n: number, seed: number): Uint8Array {
  const b = new Uint8Array(n);
  let s = seed >>> 0 || 1;
  for (let i = 0; i < n; i++) {
    s = xorshift32(s);
    b[i] = s & 0xff;
  }
  return b;
}

const c = (name: string) => cipherByName(name)!;
const d = (name: string) => digestByName(name)!;

// deno-lint-ignore no-explicit-any
type Json = any;
export const VECTORS: Json = JSON.parse(
  Deno.readTextFileSync(sharedPath("tinc/vectors.json")),
);

const NIST_PT = "6bc1bee22e409f96e93d7e117393172aae2d8a571e03ac9c9eb76fac45af8e51" +
  "30c81c46a35ce411e5fbc1191a0a52eff69f2445df4f9b17ad2b417be66c3710";
const NIST_IV = "000102030405060708090a0b0c0d0e0f";
const NIST_CTR = "f0f1f2f3f4f5f6f7f8f9fafbfcfdfeff";
const K128 = "2b7e151628aed2a6abf7158809cf4f3c";
const K192 = "8e73b0f7da0e6452c810f32b809079e562f8ead2522c6b7b";
const K256 = "603deb1015ca71be2b73aef0857d77811f352c073b6108d72d9810a30914dff4";
/** NIST SP 800-38A, F.2 (CBC), F.3.13-18 (CFB128), F.4 (OFB), F.5 (CTR). */
const NIST: [string, string, string, string][] = [
  [
    "aes-128-cbc",
    K128,
    NIST_IV,
    "7649abac8119b246cee98e9b12e9197d5086cb9b507219ee95db113a917678b2" +
    "73bed6b8e3c1743b7116e69e222295163ff1caa1681fac09120eca307586e1a7",
  ],
  [
    "aes-192-cbc",
    K192,
    NIST_IV,
    "4f021db243bc633d7178183a9fa071e8b4d9ada9ad7dedf4e5e738763f69145a" +
    "571b242012fb7ae07fa9baac3df102e008b0e27988598881d920a9e64f5615cd",
  ],
  [
    "aes-256-cbc",
    K256,
    NIST_IV,
    "f58c4c04d6e5f1ba779eabfb5f7bfbd69cfc4e967edb808d679f777bc6702c7d" +
    "39f23369a9d9bacfa530e26304231461b2eb05e2c39be9fcda6c19078c6a9d1b",
  ],
  [
    "aes-128-cfb",
    K128,
    NIST_IV,
    "3b3fd92eb72dad20333449f8e83cfb4ac8a64537a0b3a93fcde3cdad9f1ce58b" +
    "26751f67a3cbb140b1808cf187a4f4dfc04b05357c5d1c0eeac4c66f9ff7f2e6",
  ],
  [
    "aes-192-cfb",
    K192,
    NIST_IV,
    "cdc80d6fddf18cab34c25909c99a417467ce7f7f81173621961a2b70171d3d7a" +
    "2e1e8a1dd59b88b1c8e60fed1efac4c9c05f9f9ca9834fa042ae8fba584b09ff",
  ],
  [
    "aes-256-cfb",
    K256,
    NIST_IV,
    "dc7e84bfda79164b7ecd8486985d386039ffed143b28b1c832113c6331e5407b" +
    "df10132415e54b92a13ed0a8267ae2f975a385741ab9cef82031623d55b1e471",
  ],
  [
    "aes-128-ofb",
    K128,
    NIST_IV,
    "3b3fd92eb72dad20333449f8e83cfb4a7789508d16918f03f53c52dac54ed825" +
    "9740051e9c5fecf64344f7a82260edcc304c6528f659c77866a510d9c1d6ae5e",
  ],
  [
    "aes-256-ofb",
    K256,
    NIST_IV,
    "dc7e84bfda79164b7ecd8486985d38604febdc6740d20b3ac88f6ad82a4fb08d" +
    "71ab47a086e86eedf39d1c5bba97c4080126141d67f37be8538f5a8be740e484",
  ],
  [
    "aes-128-ctr",
    K128,
    NIST_CTR,
    "874d6191b620e3261bef6864990db6ce9806f66b7970fdff8617187bb9fffdff" +
    "5ae4df3edbd5d35e5b4f09020db03eab1e031dda2fbe03d1792170a0f3009cee",
  ],
  [
    "aes-256-ctr",
    K256,
    NIST_CTR,
    "601ec313775789a5b7a7f504bbf3d228f443e3ca4d62b59aca84e990cacaf5c5" +
    "2b0930daa23de94ce87017ba2d84988ddfc9c58db67aada613c2dd08457941a6",
  ],
];

/** RFC 4231 (SHA-2) and RFC 2202 (MD5, SHA-1) HMAC test cases. */
const HMAC: [string, Uint8Array, Uint8Array, string][] = [
  ["md5", new Uint8Array(16).fill(0x0b), ascii("Hi There"), "9294727a3638bb1c13f48ef8158bfc9d"],
  [
    "sha1",
    new Uint8Array(20).fill(0x0b),
    ascii("Hi There"),
    "b617318655057264e28bc0b6fb378c8ef146be00",
  ],
  [
    "sha224",
    new Uint8Array(20).fill(0x0b),
    ascii("Hi There"),
    "896fb1128abbdf196832107cd49df33f47b4b1169912ba4f53684b22",
  ],
  [
    "sha256",
    new Uint8Array(20).fill(0x0b),
    ascii("Hi There"),
    "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7",
  ],
  [
    "sha384",
    new Uint8Array(20).fill(0x0b),
    ascii("Hi There"),
    "afd03944d84895626b0825f4ab46907f15f9dadbe4101ec682aa034c7cebc59c" +
    "faea9ea9076ede7f4af152e8b2fa9cb6",
  ],
  [
    "sha512",
    new Uint8Array(20).fill(0x0b),
    ascii("Hi There"),
    "87aa7cdea5ef619d4ff0b4241a1d6cb02379f4e2ce4ec2787ad0b30545e17cde" +
    "daa833b7d6b8a702038b274eaea3f4e4be9d914eeb61f1702e696c203a126854",
  ],
  [
    "sha256",
    ascii("Jefe"),
    ascii("what do ya want for nothing?"),
    "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843",
  ],
  [
    "sha512",
    ascii("Jefe"),
    ascii("what do ya want for nothing?"),
    "164b7a7bfcf819e2e395fbe73b56e0a387bd64222e831fd610270cd7ea250554" +
    "9758bf75c05a994a6d034f65f8f0e6fdcaeab1a34d4a6b4b636e070a38bce737",
  ],
  [
    "sha256",
    new Uint8Array(131).fill(0xaa),
    ascii("Test Using Larger Than Block-Size Key - Hash Key First"),
    "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54",
  ],
];

const DIGESTS: [string, string][] = [
  ["md5", "900150983cd24fb0d6963f7d28e17f72"],
  ["sha1", "a9993e364706816aba3e25717850c26c9cd0d89d"],
  ["sha256", "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"],
  [
    "sha512",
    "ddaf35a193617abacc417349ae20413112e6fa4e89a97ea20a9eeee64b55d39a" +
    "2192992a274fc1a836ba3c23a3feebbd454d4423643ce80e2a9ac94fa54ca49f",
  ],
];

/** Encrypts a stream in random-sized chunks; must equal one call. */
function streamInChunks(
  b: CryptoBackend,
  ci: CipherInfo,
  key: Uint8Array,
  iv: Uint8Array,
  enc: boolean,
  data: Uint8Array,
  seed: number,
): Uint8Array {
  const s = b.streamCipher(ci, key, iv, enc);
  const out = new Uint8Array(data.length);
  const sizes = rnd(data.length, seed);
  for (let i = 0; i < data.length;) {
    const n = Math.min(data.length - i, 1 + sizes[i]! % 40);
    s.update(data, i, n, out, i);
    i += n;
  }
  s.free();
  return out;
}

function rsaKeys(): RsaPrivateKey[] {
  const pem = Deno.readTextFileSync(new URL("./testdata/pkcs1_2048.pem", import.meta.url));
  const { privateKey } = generateKeyPairSync("rsa", { modulusLength: 1024 });
  return [
    parseRsaPrivateKeyPem(pem),
    parseRsaPrivateKeyPem(privateKey.export({ type: "pkcs1", format: "pem" }) as string),
  ];
}

function pemOfPublic(k: RsaPrivateKey) {
  const b64u = (x: bigint) => {
    let h = x.toString(16);
    if (h.length % 2) h = "0" + h;
    return btoa(String.fromCharCode(...hex(h))).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
  };
  return { key: { kty: "RSA", n: b64u(k.n), e: b64u(k.e) }, format: "jwk" as const };
}

function pemOfPrivate(k: RsaPrivateKey) {
  const b64u = (x: bigint) => {
    let h = x.toString(16);
    if (h.length % 2) h = "0" + h;
    return btoa(String.fromCharCode(...hex(h))).replace(/\+/g, "-").replace(/\//g, "_")
      .replace(/=+$/, "");
  };
  return {
    key: {
      kty: "RSA",
      n: b64u(k.n),
      e: b64u(k.e),
      d: b64u(k.d),
      p: b64u(k.p),
      q: b64u(k.q),
      dp: b64u(k.dp),
      dq: b64u(k.dq),
      qi: b64u(k.qinv),
    },
    format: "jwk" as const,
  };
}

/** Registers the shared tests for `make()` under the name prefix. */
export function backendSuite(prefix: string, make: () => CryptoBackend): void {
  const t = (name: string, fn: () => void) => Deno.test(`${prefix}: ${name}`, fn);
  const b = make();

  t("tinc vector: METAKEY is K^e mod n, both directions", () => {
    for (const dir of ["meta_alpha_to_beta", "meta_beta_to_alpha"]) {
      const v = VECTORS[dir];
      const key = rsaPublicKey(BigInt("0x" + v.receiver_rsa_n_hex), BigInt(v.receiver_rsa_e));
      assert.equal(key.size, 256);
      const k = hex(v.metakey_plaintext_hex);
      assert.equal(k[0]! & 0x80, 0, "MSB cleared");
      const line: string = v.plaintext_lines[1];
      const [, cipherNid, digestNid, , , cHex] = line.trim().split(" ");
      assert.equal(Number(cipherNid), c("aes-256-cfb").nid);
      assert.equal(Number(digestNid), d("sha256").nid);
      assert.equal(toHex(b.rsaPublic(key, k)).toUpperCase(), cHex);
    }
  });

  t("tinc vector: key/IV are the tail of K; AES-256-CFB meta stream", () => {
    for (const dir of ["meta_alpha_to_beta", "meta_beta_to_alpha"]) {
      const v = VECTORS[dir];
      const ci = c("aes-256-cfb");
      const k = hex(v.metakey_plaintext_hex);
      const len = k.length, kl = ci.keyLength, il = ci.ivLength;
      const key = k.subarray(len - kl), iv = k.subarray(len - kl - il, len - kl);
      assert.equal(toHex(key), v.aes256cfb_key_hex.toLowerCase());
      assert.equal(toHex(iv), v.aes256cfb_iv_hex.toLowerCase());
      const ct = hex(v.first_64_encrypted_bytes_hex);
      const pt = ascii(v.first_64_plaintext_bytes);
      assert.ok((v.challenge_line as string).startsWith(v.first_64_plaintext_bytes));
      assert.deepEqual(streamInChunks(b, ci, key, iv, false, ct, 1), pt);
      assert.deepEqual(streamInChunks(b, ci, key, iv, true, pt, 2), ct);
      // In place, one call.
      const buf = ct.slice();
      const s = b.streamCipher(ci, key, iv, false);
      s.update(buf, 0, 32, buf, 0);
      s.update(buf, 32, 32, buf, 32);
      assert.deepEqual(buf, pt);
    }
  });

  t("tinc vector: CHAL_REPLY = SHA-256 of the raw challenge", () => {
    // Each side's challenge is answered in the other direction's stream.
    for (
      const [chal, reply] of [
        ["meta_alpha_to_beta", "meta_beta_to_alpha"],
        ["meta_beta_to_alpha", "meta_alpha_to_beta"],
      ] as const
    ) {
      const challenge = hex((VECTORS[chal].challenge_line as string).trim().split(" ")[1]!);
      assert.equal(challenge.length, 256);
      const want = (VECTORS[reply].chal_reply_line as string).trim().split(" ")[1]!;
      assert.equal(toHex(b.digest(d("sha256"), challenge)).toUpperCase(), want);
    }
  });

  t("tinc vector: UDP datagrams (AES-256-CBC fixed IV + HMAC-SHA256(key48)[0..4))", () => {
    for (const u of VECTORS.udp) {
      const km = hex(u["key_material_hex(aes key 32 | iv 16)"]);
      const ci = c("aes-256-cbc");
      const cipher = b.packetCipher(ci, km.subarray(0, 32), km.subarray(32));
      const mac = b.hmac(d("sha256"), km);
      const dg = hex(u.datagram_hex);
      const pt = hex(u["plaintext_hex(seqno|frame)"]);
      assert.equal(pt.length, 4 + u.frame_len);
      // Receive: MAC over the ciphertext, then decrypt.
      const m = new Uint8Array(32);
      mac.compute(dg, 0, dg.length - 4, m, 0);
      assert.equal(toHex(m.subarray(0, 4)), u.hmac_sha256_trunc4_hex);
      const out = new Uint8Array(dg.length);
      assert.equal(cipher.decrypt(dg, 0, dg.length - 4, out, 0), pt.length);
      assert.deepEqual(out.subarray(0, pt.length), pt);
      assert.equal(dg.length - 4, pt.length + u.pkcs7_pad);
      // Send: the same bytes, from a buffer with headroom, MAC appended after.
      const tx = new Uint8Array(2000);
      tx.set(pt, 100);
      const n = cipher.encrypt(tx, 100, pt.length, tx, 100);
      assert.equal(n, dg.length - 4);
      mac.compute(tx, 100, n, tx, 100 + n);
      assert.equal(toHex(tx.subarray(100, 100 + n + 4)), u.datagram_hex);
      // Any flipped bit breaks the MAC.
      const bad = dg.slice();
      bad[7]! ^= 0x10;
      mac.compute(bad, 0, bad.length - 4, m, 0);
      assert.notEqual(toHex(m.subarray(0, 4)), u.hmac_sha256_trunc4_hex);
      cipher.free();
      mac.free();
    }
  });

  t("NIST SP 800-38A AES CBC/CFB/OFB/CTR known answers (packet and stream)", () => {
    for (const [name, k, iv, want] of NIST) {
      const ci = c(name);
      const pc = b.packetCipher(ci, hex(k), hex(iv));
      const out = new Uint8Array(64 + 16);
      const n = pc.encrypt(hex(NIST_PT), 0, 64, out, 0);
      assert.equal(n, 64 + cipherOverhead(ci), name);
      assert.equal(toHex(out.subarray(0, 64)), want, name);
      const back = new Uint8Array(80);
      assert.equal(pc.decrypt(out, 0, n, back, 0), 64, name);
      assert.equal(toHex(back.subarray(0, 64)), NIST_PT, name);
      if (isStreamMode(ci)) {
        assert.equal(toHex(streamInChunks(b, ci, hex(k), hex(iv), true, hex(NIST_PT), 3)), want);
        assert.equal(toHex(streamInChunks(b, ci, hex(k), hex(iv), false, hex(want), 4)), NIST_PT);
      }
    }
  });

  t("RFC 4231 / RFC 2202 HMAC known answers; MAC reused across messages", () => {
    for (const [alg, key, data, want] of HMAC) {
      const mac = b.hmac(d(alg), key);
      assert.equal(mac.size, want.length / 2);
      const out = new Uint8Array(mac.size + 3);
      for (let round = 0; round < 3; round++) {
        const buf = new Uint8Array(data.length + 5);
        buf.set(data, 5);
        mac.compute(buf, 5, data.length, out, 3);
        assert.equal(toHex(out.subarray(3)), want, `${alg} round ${round}`);
        mac.compute(rnd(100, round + 1), 0, 100, out, 3); // a different message in between
      }
      mac.free();
    }
  });

  t("digests (FIPS 180 'abc', RFC 1321) and digest none", () => {
    for (const [alg, want] of DIGESTS) assert.equal(toHex(b.digest(d(alg), ascii("abc"))), want);
    assert.equal(b.digest(DIGEST_NONE, ascii("abc")).length, 0);
    assert.equal(b.hmac(DIGEST_NONE, new Uint8Array(4)).size, 0);
  });

  t("packet ciphers: IV reset per packet, in place, odd lengths, bad padding → -1", () => {
    for (const ci of CIPHERS) {
      if (!b.supportsCipher(ci) || ci.nid === 0) continue;
      const key = rnd(ci.keyLength, ci.nid), iv = rnd(ci.ivLength, ci.nid + 1);
      const pc = b.packetCipher(ci, key, iv);
      for (const len of [4, 5, 16, 17, 33, 1404]) {
        const pt = rnd(len, len * 7 + ci.nid);
        const a = new Uint8Array(len + 32), a2 = new Uint8Array(len + 32);
        const n = pc.encrypt(pt, 0, len, a, 0);
        assert.ok(n >= len && n <= len + cipherOverhead(ci), `${ci.name} ${len}`);
        assert.equal(pc.encrypt(pt, 0, len, a2, 0), n);
        assert.deepEqual(a2, a, `${ci.name}: same packet, same bytes (IV reset)`);
        const buf = new Uint8Array(len + 64);
        buf.set(a.subarray(0, n), 10);
        assert.equal(pc.decrypt(buf, 10, n, buf, 10), len, `${ci.name} ${len}`);
        assert.deepEqual(buf.subarray(10, 10 + len), pt, `${ci.name} ${len} in place`);
      }
      if (ci.mode === "cbc" || ci.mode === "ecb") {
        const ct = new Uint8Array(64);
        const n = pc.encrypt(rnd(20, 5), 0, 20, ct, 0);
        ct[n - 1]! ^= 0x5a; // garbles the last block, so the padding
        assert.equal(pc.decrypt(ct, 0, n, new Uint8Array(64), 0), -1, ci.name);
        assert.equal(pc.decrypt(ct, 0, n - 1, new Uint8Array(64), 0), -1, ci.name);
      }
      pc.free();
    }
  });

  t("stream ciphers: chunking does not matter; only cfb/ofb/ctr allowed", () => {
    for (const ci of CIPHERS) {
      if (!b.supportsCipher(ci) || ci.nid === 0) continue;
      const key = rnd(ci.keyLength, 11), iv = rnd(ci.ivLength, 12);
      if (!isStreamMode(ci)) {
        assert.throws(() => b.streamCipher(ci, key, iv, true), ci.name);
        continue;
      }
      const data = rnd(1000, 13);
      const one = new Uint8Array(1000);
      b.streamCipher(ci, key, iv, true).update(data, 0, 1000, one, 0);
      assert.deepEqual(streamInChunks(b, ci, key, iv, true, data, 14), one, ci.name);
      assert.deepEqual(streamInChunks(b, ci, key, iv, false, one, 15), data, ci.name);
    }
  });

  t("wrong key or IV length is an error", () => {
    assert.throws(() => b.packetCipher(c("aes-256-cbc"), new Uint8Array(16), new Uint8Array(16)));
    assert.throws(() => b.packetCipher(c("aes-256-cbc"), new Uint8Array(32), new Uint8Array(8)));
    assert.throws(() =>
      b.streamCipher(c("aes-256-cfb"), new Uint8Array(31), new Uint8Array(16), true)
    );
  });

  t("raw RSA: round trips, agrees with node:crypto publicEncrypt/privateDecrypt", () => {
    for (const k of rsaKeys()) {
      const pub = publicKeyOf(k);
      for (let i = 0; i < 3; i++) {
        const x = rnd(k.size, i + k.size);
        x[0]! &= 0x7f; // like tinc's METAKEY: below the modulus
        const y = b.rsaPublic(pub, x);
        assert.equal(y.length, k.size);
        assert.deepEqual(
          y,
          new Uint8Array(
            publicEncrypt({ ...pemOfPublic(k), padding: constants.RSA_NO_PADDING }, x),
          ),
        );
        assert.deepEqual(b.rsaPrivate(k, y), x);
        // The "sign" direction too: private first, then public.
        assert.deepEqual(b.rsaPublic(pub, b.rsaPrivate(k, x)), x);
        const z = privateDecrypt({ ...pemOfPrivate(k), padding: constants.RSA_NO_PADDING }, y);
        assert.deepEqual(new Uint8Array(z), x);
      }
      // Leading zero bytes survive (output is always exactly size bytes).
      const small = new Uint8Array(k.size);
      small[k.size - 1] = 2;
      assert.deepEqual(b.rsaPrivate(k, b.rsaPublic(pub, small)), small);
      const tooBig = new Uint8Array(k.size).fill(0xff);
      assert.throws(() => b.rsaPublic(pub, tooBig));
      assert.throws(() => b.rsaPublic(pub, new Uint8Array(k.size - 1)));
    }
  });

  t("randomBytes fills the buffer", () => {
    const a = new Uint8Array(64), z = new Uint8Array(64);
    b.randomBytes(a);
    assert.notDeepEqual(a, z);
    const a2 = new Uint8Array(64);
    b.randomBytes(a2);
    assert.notDeepEqual(a, a2);
    b.randomBytes(new Uint8Array(0));
  });

  t("cipher none copies; supportsCipher is true for AES and the Serpent extensions", () => {
    const none = b.packetCipher(c("none"), new Uint8Array(0), new Uint8Array(0));
    const out = new Uint8Array(10);
    assert.equal(none.encrypt(ascii("hello"), 0, 5, out, 2), 5);
    assert.equal(new TextDecoder().decode(out.subarray(2, 7)), "hello");
    for (
      const name of ["aes-128-cbc", "aes-256-cbc", "aes-256-cfb", "serpent-256-cbc", "eax-serpent"]
    ) {
      assert.ok(b.supportsCipher(c(name)), name);
    }
  });
}
