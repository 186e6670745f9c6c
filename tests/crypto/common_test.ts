import assert from "node:assert/strict";
import { cipherByName } from "../../lib/crypto/algorithms.ts";
import {
  checkKeyIv,
  checkStreamCipher,
  checkStreamMode,
  commonPacketCipher,
  CryptoError,
  isSerpent,
  NullMac,
  NullPacketCipher,
  rsaInput,
  serpentPacketCipher,
} from "../../lib/crypto/common.ts";
import { EaxSerpentPacketCipher, SerpentCbcPacketCipher } from "../../lib/crypto/serpent.ts";

const c = (n: string) => cipherByName(n)!;

Deno.test("checkKeyIv / checkStreamMode throw CryptoError with the cipher name", () => {
  checkKeyIv(c("aes-256-cbc"), new Uint8Array(32), new Uint8Array(16));
  assert.throws(
    () => checkKeyIv(c("aes-256-cbc"), new Uint8Array(16), new Uint8Array(16)),
    (e: unknown) => e instanceof CryptoError && /aes-256-cbc: key must be 32/.test(e.message),
  );
  assert.throws(() => checkKeyIv(c("bf-cbc"), new Uint8Array(16), new Uint8Array(16)), CryptoError);
  checkStreamMode(c("aes-128-cfb"));
  assert.throws(() => checkStreamMode(c("aes-128-cbc")), CryptoError);
});

Deno.test("NullPacketCipher copies, including overlapping moves in one buffer", () => {
  const n = new NullPacketCipher();
  const buf = Uint8Array.from({ length: 20 }, (_, i) => i);
  assert.equal(n.encrypt(buf, 0, 10, buf, 5), 10); // forward overlap
  assert.deepEqual(Array.from(buf.subarray(5, 15)), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  const b2 = Uint8Array.from({ length: 20 }, (_, i) => i);
  assert.equal(n.decrypt(b2, 5, 10, b2, 0), 10); // backward overlap
  assert.deepEqual(Array.from(b2.subarray(0, 10)), [5, 6, 7, 8, 9, 10, 11, 12, 13, 14]);
  const m = new NullMac();
  assert.equal(m.size, 0);
});

Deno.test("serpentPacketCipher dispatches only the Serpent extensions", () => {
  const key = new Uint8Array(32), iv = new Uint8Array(16);
  assert.ok(serpentPacketCipher(c("serpent-256-cbc"), key, iv) instanceof SerpentCbcPacketCipher);
  assert.ok(
    serpentPacketCipher(c("eax-serpent"), key, new Uint8Array(0)) instanceof EaxSerpentPacketCipher,
  );
  assert.equal(serpentPacketCipher(c("aes-256-cbc"), key, iv), null);
  assert.ok(isSerpent(c("eax-serpent")) && !isSerpent(c("aes-256-cbc")));
});

Deno.test("commonPacketCipher builds none and Serpent, checks lengths, leaves the rest", () => {
  const key = new Uint8Array(32), iv = new Uint8Array(16);
  assert.ok(
    commonPacketCipher(c("none"), new Uint8Array(0), new Uint8Array(0)) instanceof
      NullPacketCipher,
  );
  assert.ok(commonPacketCipher(c("serpent-256-cbc"), key, iv) instanceof SerpentCbcPacketCipher);
  assert.equal(commonPacketCipher(c("aes-256-cbc"), key, iv), null);
  assert.throws(() => commonPacketCipher(c("aes-256-cbc"), key, new Uint8Array(8)), CryptoError);
  checkStreamCipher(c("aes-256-cfb"), key, iv);
  assert.throws(() => checkStreamCipher(c("aes-256-cbc"), key, iv), /not a stream mode/);
  assert.throws(() => checkStreamCipher(c("aes-256-cfb"), key, new Uint8Array(0)), /IV must/);
});

Deno.test("rsaInput takes exactly key.size bytes below the modulus", () => {
  const key = { n: 0x1234n, e: 3n, size: 2 };
  assert.equal(rsaInput(key, Uint8Array.of(0x12, 0x33)), 0x1233n);
  assert.throws(() => rsaInput(key, Uint8Array.of(0x12, 0x34)), /not smaller than the modulus/);
  assert.throws(() => rsaInput(key, Uint8Array.of(1)), /must be 2 bytes, not 1/);
});
