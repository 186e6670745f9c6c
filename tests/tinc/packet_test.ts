import { sharedPath } from "../support/shared.ts";
import assert from "node:assert/strict";
import {
  ALGORITHMS,
  fromHex,
  type KeyParams,
  resolveParams,
  toHex,
} from "../../lib/tinc/data_channel.ts";
import { backends, keyedPair } from "./_channels.ts";
import {
  DROP_BAD_MAC,
  DROP_DECRYPT,
  DROP_FAR_FUTURE,
  DROP_NO_KEY,
  DROP_REPLAY,
  DROP_TOO_SHORT,
  PacketCodec,
} from "../../lib/tinc/packet.ts";
import { FRAME_HEADROOM, MAX_DATAGRAM } from "../../lib/tinc/types.ts";
import { DEFAULT_TRANSFORM } from "../../lib/tinc/config.ts";
import type { CryptoBackend } from "../../lib/crypto/mod.ts";

interface UdpVector {
  kind: string;
  "key_material_hex(aes key 32 | iv 16)": string;
  "datagram_hex": string;
  "plaintext_hex(seqno|frame)": string;
  seqno: number;
  "frame_len": number;
  "pkcs7_pad": number;
}
const vectors = JSON.parse(
  await Deno.readTextFile(sharedPath("tinc/vectors.json")),
) as { udp: UdpVector[] };

const defaults = resolveParams(ALGORITHMS, DEFAULT_TRANSFORM) as KeyParams;

function channelsFor(backend: CryptoBackend, material: Uint8Array, params = defaults) {
  return keyedPair(backend, params, material);
}

Deno.test("real tincd datagrams decode byte for byte and re-encode identically", () => {
  assert.equal(vectors.udp.length, 2);
  for (const backend of backends()) {
    for (const v of vectors.udp) {
      const material = fromHex(v["key_material_hex(aes key 32 | iv 16)"])!;
      const datagram = fromHex(v["datagram_hex"])!;
      const plain = fromHex(v["plaintext_hex(seqno|frame)"])!;
      const { rx, tx } = channelsFor(backend, material);
      const codec = new PacketCodec();
      const out = new Uint8Array(MAX_DATAGRAM + 128);
      const n = codec.decode(rx.inKey, datagram, 0, datagram.length, out, 0);
      assert.equal(n, v["frame_len"], v.kind);
      assert.equal(codec.seqno, v.seqno);
      assert.equal(toHex(out.subarray(0, n)), toHex(plain.subarray(4)));
      // a probe has ethertype 0
      if (v.kind === "probe") assert.equal(out[12]! | out[13]!, 0);

      const frame = new Uint8Array(FRAME_HEADROOM + n);
      frame.set(out.subarray(0, n), FRAME_HEADROOM);
      tx.outKey!.sentSeqno = v.seqno - 1;
      const enc = new Uint8Array(MAX_DATAGRAM + 128);
      const m = codec.encode(tx.outKey!, frame, FRAME_HEADROOM, n, enc, 0);
      assert.equal(tx.outKey!.sentSeqno, v.seqno);
      assert.equal(toHex(enc.subarray(0, m)), toHex(datagram));
      // the same datagram again is a replay
      assert.equal(codec.decode(rx.inKey, datagram, 0, datagram.length, out, 0), DROP_REPLAY);
    }
  }
});

Deno.test("decode rejects in tincd's order: no key, short, MAC, padding", () => {
  for (const backend of backends()) rejects(backend);
});

function rejects(backend: CryptoBackend) {
  const v = vectors.udp[1]!;
  const material = fromHex(v["key_material_hex(aes key 32 | iv 16)"])!;
  const datagram = fromHex(v["datagram_hex"])!;
  const { rx } = channelsFor(backend, material);
  const codec = new PacketCodec();
  const out = new Uint8Array(MAX_DATAGRAM + 128);
  assert.equal(codec.decode(null, datagram, 0, datagram.length, out, 0), DROP_NO_KEY);
  assert.equal(codec.decode(rx.inKey, datagram, 0, 7, out, 0), DROP_TOO_SHORT);
  for (const i of [0, 50, datagram.length - 1]) {
    const bad = datagram.slice();
    bad[i]! ^= 1;
    assert.equal(codec.decode(rx.inKey, bad, 0, bad.length, out, 0), DROP_BAD_MAC, `flip ${i}`);
  }
  assert.equal(codec.verifyMac(rx.inKey, datagram, 0, datagram.length), true);
  // No MAC: a flipped last ciphertext byte breaks the PKCS#7 padding instead.
  const noMac = { ...defaults, macLength: 0 };
  const { rx: rx2, tx: tx2 } = channelsFor(backend, material, noMac);
  const frame = new Uint8Array(FRAME_HEADROOM + 100).fill(7);
  const enc = new Uint8Array(MAX_DATAGRAM + 128);
  const m = codec.encode(tx2.outKey!, frame, FRAME_HEADROOM, 100, enc, 0);
  assert.equal(m, 112);
  enc[m - 1]! ^= 0x55;
  assert.equal(codec.decode(rx2.inKey, enc, 0, m, out, 0), DROP_DECRYPT);
}

Deno.test("round trips over ciphers, digests, MAC lengths and compression levels", () => {
  for (const backend of backends()) roundTrips(backend);
});

function roundTrips(backend: CryptoBackend) {
  const codec = new PacketCodec();
  const out = new Uint8Array(MAX_DATAGRAM + 128);
  const enc = new Uint8Array(MAX_DATAGRAM + 128);
  for (
    const cipher of [
      "aes-256-cbc",
      "aes-128-cbc",
      "aes-256-cfb",
      "aes-256-ctr",
      "bf-cbc",
      "serpent-256-cbc",
      "eax-serpent",
      "none",
    ]
  ) {
    for (
      const [digest, mac] of [["sha256", 4], ["sha1", 20], ["sha512", 64], ["none", 0]] as const
    ) {
      for (const compression of [0, 1, 9, 10, 11]) {
        const params = resolveParams(ALGORITHMS, {
          cipher,
          digest,
          macLength: mac,
          compression,
        }) as KeyParams;
        assert.equal(typeof params, "object", cipher);
        if (params.cipher && !backend.supportsCipher(params.cipher)) continue;
        const material = new Uint8Array(
          params.cipher ? params.cipher.keyLength + params.cipher.ivLength : 1,
        );
        backend.randomBytes(material);
        const { rx, tx } = channelsFor(backend, material, params);
        for (const len of [14, 60, 1400, 1518]) {
          const frame = new Uint8Array(FRAME_HEADROOM + len);
          for (let i = 0; i < len; i++) frame[FRAME_HEADROOM + i] = (i * 7) % 13;
          const m = codec.encode(tx.outKey!, frame, FRAME_HEADROOM, len, enc, 0);
          assert.ok(m > 0, `${cipher} ${digest} ${compression} ${len}`);
          const n = codec.decode(rx.inKey, enc, 0, m, out, 0);
          assert.equal(n, len, `${cipher} ${digest} ${compression} ${len}`);
          assert.deepEqual(out.subarray(0, n), frame.subarray(FRAME_HEADROOM));
          if (compression === 0) assert.equal(codec.origLen, len);
        }
      }
    }
  }
}

Deno.test("far-future packets are dropped W/4 times, then accepted", () => {
  const material = new Uint8Array(48).fill(3);
  const { rx, tx } = channelsFor(backends()[0]!, material);
  const codec = new PacketCodec();
  const out = new Uint8Array(MAX_DATAGRAM + 128);
  const enc = new Uint8Array(MAX_DATAGRAM + 128);
  const frame = new Uint8Array(FRAME_HEADROOM + 60);
  const send = (seq: number) => {
    tx.outKey!.sentSeqno = seq - 1;
    const m = codec.encode(tx.outKey!, frame, FRAME_HEADROOM, 60, enc, 0);
    return codec.decode(rx.inKey, enc, 0, m, out, 0);
  };
  assert.equal(send(1), 60);
  for (let i = 0; i < 4; i++) assert.equal(send(1000 + i), DROP_FAR_FUTURE);
  assert.equal(send(1004), 60);
  assert.equal(codec.lost, 1002);
  assert.equal(send(1004), DROP_REPLAY);
});
