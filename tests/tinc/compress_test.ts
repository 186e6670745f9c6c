import assert from "node:assert/strict";
import { staticImports } from "../support/module_graph.ts";
import { PacketCompressor, validCompressionLevel } from "../../lib/tinc/compress.ts";

// The system zlib (what tincd links) for interop: compress2() and uncompress().
function openLibz() {
  for (const path of ["/usr/lib/x86_64-linux-gnu/libz.so.1", "/lib/x86_64-linux-gnu/libz.so.1"]) {
    try {
      return Deno.dlopen(path, {
        compress2: { parameters: ["buffer", "buffer", "buffer", "u64", "i32"], result: "i32" },
        uncompress: { parameters: ["buffer", "buffer", "buffer", "u64"], result: "i32" },
      });
    } catch {
      // next
    }
  }
  return null;
}
const libz = openLibz();

function frame(len: number, seed: number): Uint8Array {
  const f = new Uint8Array(len);
  let s = seed;
  for (let i = 0; i < len; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    f[i] = i % 64 < 40 ? (s >>> 28) : f[i - 40]!; // compressible, not trivial
  }
  return f;
}

Deno.test("compression levels 0-11 round trip; invalid levels fail", () => {
  const c = new PacketCompressor();
  const out = new Uint8Array(4096);
  const back = new Uint8Array(4096);
  for (let level = 0; level <= 11; level++) {
    for (const len of [0, 1, 64, 1400, 1518]) {
      const f = frame(len, level * 31 + len);
      const n = c.compress(level, f, 0, f.length, out, 8, 2000);
      assert.ok(len === 0 ? n >= 0 : n > 0, `level ${level} len ${len}`);
      if (level > 0 && len >= 1400) assert.ok(n < len, `level ${level} compresses`);
      const m = c.decompress(level, out, 8, n, back, 0, 1661);
      assert.equal(m, len, `level ${level}`);
      assert.deepEqual(back.subarray(0, m), f);
    }
  }
  assert.equal(c.compress(12, frame(10, 1), 0, 10, out, 0, 100), 0);
  assert.equal(c.decompress(5, new Uint8Array([1, 2, 3, 4]), 0, 4, back, 0, 1661), -1);
  assert.equal(c.decompress(10, new Uint8Array([1, 2, 3, 4]), 0, 4, back, 0, 1661), -1);
  // a zlib stream that inflates beyond the cap is refused
  const big = new Uint8Array(5000);
  const n = c.compress(9, big, 0, big.length, out, 0, 4096);
  assert.equal(c.decompress(9, out, 0, n, back, 0, 1661), -1);
  assert.ok(validCompressionLevel(0) && validCompressionLevel(11));
  assert.ok(
    !validCompressionLevel(-1) && !validCompressionLevel(12) && !validCompressionLevel(1.5),
  );
});

Deno.test({
  name: "zlib interop: tincd-style compress2 output inflates, ours uncompresses in libz",
  ignore: libz === null,
  fn() {
    const c = new PacketCompressor();
    const back = new Uint8Array(2048);
    for (let level = 1; level <= 9; level++) {
      const f = frame(1400, level);
      const z = new Uint8Array(2048);
      const zlen = new BigUint64Array([2048n]);
      assert.equal(libz!.symbols.compress2(z, new Uint8Array(zlen.buffer), f, 1400n, level), 0);
      const n = Number(zlen[0]);
      assert.equal(c.decompress(level, z, 0, n, back, 0, 1661), 1400);
      assert.deepEqual(back.subarray(0, 1400), f);

      const ours = new Uint8Array(2048);
      const m = c.compress(level, f, 0, f.length, ours, 0, 2048);
      const plain = new Uint8Array(2048);
      const plen = new BigUint64Array([2048n]);
      assert.equal(
        libz!.symbols.uncompress(
          plain,
          new Uint8Array(plen.buffer),
          ours.subarray(0, m),
          BigInt(m),
        ),
        0,
      );
      assert.equal(Number(plen[0]), 1400);
      assert.deepEqual(plain.subarray(0, 1400), f);
    }
  },
});

Deno.test("the engine's static module graph loads no node: builtin (Worker start-up)", async () => {
  // Each data-plane Worker loads lib/tinc/engine.ts; a static node: import there starts Deno's
  // Node compatibility layer in the Worker (~15 ms of CPU before the first packet).
  const engine = new URL("../../lib/tinc/engine.ts", import.meta.url);
  const seen = await staticImports(engine);
  assert.ok(seen.size > 10, "walked the graph");
  assert.deepEqual([...seen].filter((s) => s.startsWith("node:")), []);
});
