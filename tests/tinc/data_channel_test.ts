import assert from "node:assert/strict";
import {
  ALGORITHMS,
  DataChannel,
  dropInKey,
  dropOutKey,
  fromHex,
  generateInKey,
  installOutKey,
  type KeyParams,
  resolveParams,
  toHex,
} from "../../lib/tinc/data_channel.ts";
import { DEFAULT_TRANSFORM } from "../../lib/tinc/config.ts";
import { BuiltinBackend, createCrypto } from "../../lib/crypto/mod.ts";

const crypto = createCrypto();
const defaults = resolveParams(ALGORITHMS, DEFAULT_TRANSFORM) as KeyParams;

Deno.test("generateInKey: random key‖iv, ANS_KEY fields, fresh replay window", () => {
  const ch = new DataChannel(16);
  const f = generateInKey(ch, crypto, defaults);
  assert.equal(f.material.length, 48);
  assert.equal(f.keyHex, toHex(f.material));
  assert.match(f.keyHex, /^[0-9A-F]{96}$/);
  assert.deepEqual([f.cipherNid, f.digestNid, f.macLength, f.compression], [427, 672, 4, 0]);
  ch.inKey!.replay.check(5);
  const g = generateInKey(ch, crypto, defaults);
  assert.notEqual(g.keyHex, f.keyHex);
  assert.equal(ch.inKey!.replay.received, 0);
  const none = resolveParams(ALGORITHMS, {
    cipher: "none",
    digest: "none",
    macLength: 0,
    compression: 0,
  });
  const h = generateInKey(ch, crypto, none as KeyParams);
  assert.equal(h.material.length, 1);
  assert.deepEqual([h.cipherNid, h.digestNid, h.macLength], [0, 0, 0]);
  dropInKey(ch);
  assert.equal(ch.inKey, null);
});

Deno.test("installOutKey: ans_key_h's checks leave the key invalid on any failure", () => {
  const ch = new DataChannel(16);
  const k48 = new Uint8Array(48).fill(1);
  const install = (key: Uint8Array, c: number, d: number, m: number, z: number) =>
    installOutKey(ch, crypto, ALGORITHMS, key, c, d, m, z);
  assert.equal(install(k48, 427, 672, 4, 0), null);
  assert.equal(ch.outKey!.sentSeqno, 0);
  assert.equal(ch.outKey!.params.macLength, 4);
  ch.outKey!.sentSeqno = 99;
  assert.equal(install(k48, 427, 672, 32, 11), null); // a new key resets the seqno
  assert.equal(ch.outKey!.sentSeqno, 0);
  const bad: [Uint8Array, number, number, number, number, RegExp][] = [
    [k48, 12345, 672, 4, 0, /unknown cipher/],
    [new Uint8Array(47), 427, 672, 4, 0, /keylength/],
    [new Uint8Array(32), 427, 672, 4, 0, /keylength/],
    [k48, 0, 672, 4, 0, /keylength/], // cipher none takes exactly 1 byte
    [k48, 427, 999, 4, 0, /unknown digest/],
    [k48, 427, 672, 33, 0, /MAC length/],
    [k48, 427, 672, -1, 0, /MAC length/],
    [k48, 427, 672, 4, 12, /compression/],
    [k48, 427, 672, 4, -1, /compression/],
  ];
  for (const [key, c, d, m, z, why] of bad) {
    assert.equal(install(k48, 427, 672, 4, 0), null);
    assert.match(install(key, c, d, m, z) ?? "", why, `${c} ${d} ${m} ${z}`);
    assert.equal(ch.outKey, null);
  }
  // cipher none with 1 byte; digest none ignores the MAC length
  assert.equal(install(new Uint8Array([7]), 0, 0, 4, 0), null);
  assert.equal(ch.outKey!.cipher, null);
  assert.equal(ch.outKey!.mac, null);
  assert.equal(ch.outKey!.params.macLength, 0);
  dropOutKey(ch);
  assert.equal(ch.outKey, null);
  // a cipher the backend cannot run (Blowfish on the builtin backend) stays invalid
  const bf = installOutKey(ch, new BuiltinBackend(), ALGORITHMS, new Uint8Array(24), 91, 64, 4, 0);
  assert.match(bf ?? "", /unsupported/);
});

Deno.test("resolveParams: config names to key parameters", () => {
  const p = resolveParams(ALGORITHMS, {
    cipher: "aes-128-cbc",
    digest: "sha1",
    macLength: 20,
    compression: 9,
  });
  assert.equal(typeof p, "object");
  assert.equal((p as KeyParams).cipher!.nid, 419);
  assert.equal((p as KeyParams).digest!.size, 20);
  assert.match(
    resolveParams(ALGORITHMS, { ...DEFAULT_TRANSFORM, cipher: "rot13" }) as string,
    /cipher/,
  );
  assert.match(
    resolveParams(ALGORITHMS, { ...DEFAULT_TRANSFORM, digest: "crc" }) as string,
    /digest/,
  );
  assert.match(resolveParams(ALGORITHMS, { ...DEFAULT_TRANSFORM, macLength: 33 }) as string, /MAC/);
  assert.match(
    resolveParams(ALGORITHMS, { ...DEFAULT_TRANSFORM, compression: 12 }) as string,
    /compression/,
  );
});

Deno.test("hex helpers: uppercase out, either case in, floor of odd lengths", () => {
  assert.equal(toHex(new Uint8Array([0, 0xab, 0x0f])), "00AB0F");
  assert.deepEqual(fromHex("00ab0F"), new Uint8Array([0, 0xab, 0x0f]));
  assert.deepEqual(fromHex("abc"), new Uint8Array([0xab]));
  assert.equal(fromHex("zz"), null);
  assert.equal(fromHex("+1"), null);
});
