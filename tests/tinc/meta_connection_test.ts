import assert from "node:assert/strict";
import {
  latin1,
  latin1Bytes,
  MAXBUFSIZE,
  MetaConnection,
  type MetaSink,
} from "../../lib/tinc/meta_connection.ts";
import type { StreamCipher } from "../../lib/crypto/types.ts";

function recorder(onLine?: (c: MetaConnection, l: string) => boolean) {
  const lines: string[] = [];
  const packets: number[][] = [];
  const sink: MetaSink = {
    line: (c, l) => {
      lines.push(l);
      return onLine ? onLine(c, l) : true;
    },
    packet: (_c, buf, off, len) => {
      packets.push(Array.from(buf.subarray(off, off + len)));
      return true;
    },
  };
  return { lines, packets, sink };
}

function conn(sent: Uint8Array[] = []) {
  return new MetaConnection(1, false, null, 0, (_id, d) => sent.push(d));
}

/** A toy stream cipher: XOR with a running counter (state carries across calls). */
function xorStream(): StreamCipher {
  let k = 7;
  return {
    update(src, off, len, dst, dstOff) {
      for (let i = 0; i < len; i++) dst[dstOff + i] = src[off + i]! ^ (k++ & 0xff);
    },
    free() {},
  };
}

Deno.test("meta: lines split at \\n across arbitrary chunks; CR is kept", () => {
  const c = conn();
  const r = recorder();
  const data = latin1Bytes("8\n9 x\r\n10 1 a 1.2.3.4\n");
  for (let i = 0; i < data.length; i += 3) assert.ok(c.receive(data.subarray(i, i + 3), r.sink));
  assert.deepEqual(r.lines, ["8", "9 x\r", "10 1 a 1.2.3.4"]);
});

Deno.test("meta: a line is cut at its first NUL, as C strings are", () => {
  const c = conn();
  const r = recorder();
  c.receive(new Uint8Array([0x38, 0x00, 0x41, 0x0a]), r.sink);
  assert.deepEqual(r.lines, ["8"]);
});

Deno.test("meta: bytes 0x80-0xff round-trip through a line", () => {
  const c = conn();
  const r = recorder();
  c.receive(new Uint8Array([0x31, 0x20, 0x80, 0x9f, 0xff, 0x0a]), r.sink);
  assert.deepEqual(Array.from(latin1Bytes(r.lines[0]!)), [0x31, 0x20, 0x80, 0x9f, 0xff]);
  assert.equal(latin1(new Uint8Array([0xe9]), 0, 1), "\u00e9");
});

Deno.test("meta: a line that does not fit in MAXBUFSIZE (2176) drops the connection", () => {
  const ok = conn();
  const r = recorder();
  assert.ok(ok.receive(latin1Bytes("x".repeat(MAXBUFSIZE - 1) + "\n"), r.sink));
  assert.equal(r.lines[0]!.length, MAXBUFSIZE - 1);
  const bad = conn();
  assert.equal(bad.receive(latin1Bytes("x".repeat(MAXBUFSIZE)), r.sink), false);
  assert.ok(bad.bufferOverflow);
  // Many complete lines in one big chunk are fine.
  const many = conn();
  const r2 = recorder();
  assert.ok(many.receive(latin1Bytes("8\n".repeat(5000)), r2.sink));
  assert.equal(r2.lines.length, 5000);
});

Deno.test("meta: a handler refusing a line stops processing and reports failure", () => {
  const c = conn();
  const r = recorder((_c, l) => l !== "bad");
  assert.equal(c.receive(latin1Bytes("8\nbad\n9\n"), r.sink), false);
  assert.deepEqual(r.lines, ["8", "bad"]);
});

Deno.test("meta: PACKET bodies follow their line in the stream, split or glued", () => {
  const c = conn();
  const r = recorder((conn, l) => {
    if (l.startsWith("17 ")) conn.expectPacket(Number(l.slice(3)));
    return true;
  });
  const data = new Uint8Array([
    ...latin1Bytes("17 3\n"),
    10,
    0,
    10,
    ...latin1Bytes("8\n17 0\n9\n"),
  ]);
  assert.ok(c.receive(data.subarray(0, 6), r.sink));
  assert.ok(c.receive(data.subarray(6), r.sink));
  assert.deepEqual(r.packets, [[10, 0, 10]]);
  assert.deepEqual(r.lines, ["17 3", "8", "17 0", "9"]);
});

Deno.test("meta: input decryption starts right after the line that turns it on", () => {
  const enc = xorStream();
  const c = conn();
  const r = recorder((conn, l) => {
    if (l === "1 key") conn.startDecrypt(xorStream());
    return true;
  });
  const tail = latin1Bytes("2 secret\n8\n");
  enc.update(tail, 0, tail.length, tail, 0);
  // The METAKEY line and the first encrypted bytes arrive in the same chunk.
  const chunk = new Uint8Array([...latin1Bytes("1 key\n"), ...tail.subarray(0, 4)]);
  assert.ok(c.receive(chunk, r.sink));
  assert.ok(c.receive(tail.subarray(4), r.sink));
  assert.deepEqual(r.lines, ["1 key", "2 secret", "8"]);
});

Deno.test("meta: output encryption covers everything after startEncrypt", () => {
  const sent: Uint8Array[] = [];
  const c = conn(sent);
  c.sendLine("1 key");
  c.startEncrypt(xorStream());
  c.sendLine("2 x");
  c.sendPacket(new Uint8Array([1, 2, 3]), 0, 3);
  assert.equal(latin1(sent[0]!, 0, sent[0]!.length), "1 key\n");
  const dec = xorStream();
  const rest = new Uint8Array([...sent[1]!, ...sent[2]!]);
  dec.update(rest, 0, rest.length, rest, 0);
  assert.deepEqual(Array.from(rest), [...latin1Bytes("2 x\n17 3\n"), 1, 2, 3]);
});

Deno.test("meta: a closed connection ignores input and sends nothing", () => {
  const sent: Uint8Array[] = [];
  const c = conn(sent);
  const r = recorder();
  c.close();
  assert.ok(c.receive(latin1Bytes("8\n"), r.sink));
  c.sendLine("9");
  assert.deepEqual(r.lines, []);
  assert.equal(sent.length, 0);
});
