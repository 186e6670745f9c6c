import assert from "node:assert/strict";
import fc from "fast-check";
import {
  Lzo1xCompressor,
  lzo1xDecompressSafe,
  lzo1xWorstCase,
  LZO_E_INPUT_NOT_CONSUMED,
  LZO_E_LOOKBEHIND_OVERRUN,
  LZO_E_OUTPUT_OVERRUN,
} from "../../lib/tinc/lzo.ts";

// liblzo2 (a tincd dependency) for interop, when present.
function openLiblzo() {
  for (const path of ["/usr/lib/x86_64-linux-gnu/liblzo2.so.2", "/usr/lib/liblzo2.so.2"]) {
    try {
      return Deno.dlopen(path, {
        lzo1x_1_compress: {
          parameters: ["buffer", "usize", "buffer", "buffer", "buffer"],
          result: "i32",
        },
        lzo1x_999_compress: {
          parameters: ["buffer", "usize", "buffer", "buffer", "buffer"],
          result: "i32",
        },
        lzo1x_decompress_safe: {
          parameters: ["buffer", "usize", "buffer", "buffer", "pointer"],
          result: "i32",
        },
      });
    } catch {
      // try the next path
    }
  }
  return null;
}
const liblzo = openLiblzo();
const wrk = new Uint8Array(14 * 16384 * 2);

function cCompress(src: Uint8Array, best: boolean): Uint8Array {
  const dst = new Uint8Array(lzo1xWorstCase(src.length));
  const len = new BigUint64Array([BigInt(dst.length)]);
  const f = best ? liblzo!.symbols.lzo1x_999_compress : liblzo!.symbols.lzo1x_1_compress;
  assert.equal(f(src, BigInt(src.length), dst, new Uint8Array(len.buffer), wrk), 0);
  return dst.slice(0, Number(len[0]));
}

function cDecompress(src: Uint8Array, cap: number): Uint8Array | null {
  const dst = new Uint8Array(cap);
  const len = new BigUint64Array([BigInt(cap)]);
  const r = liblzo!.symbols.lzo1x_decompress_safe(
    src,
    BigInt(src.length),
    dst,
    new Uint8Array(len.buffer),
    null,
  );
  return r === 0 ? dst.slice(0, Number(len[0])) : null;
}

function samples(): Uint8Array[] {
  const out: Uint8Array[] = [new Uint8Array(0), new Uint8Array([1]), new Uint8Array([1, 2, 3])];
  out.push(new Uint8Array(1500)); // zeros: long matches
  out.push(new Uint8Array(300).map((_, i) => i & 0xff)); // literals
  out.push(new TextEncoder().encode("GET / HTTP/1.1\r\nHost: example\r\n\r\n".repeat(30)));
  const r = new Uint8Array(1518);
  let s = 12345;
  for (let i = 0; i < r.length; i++) {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0;
    r[i] = i % 50 < 25 ? s >>> 24 : r[i - 25]!;
  }
  out.push(r);
  out.push(new Uint8Array(20000).map((_, i) => (i % 997) & 0xff)); // far matches (M3/M4 lengths)
  return out;
}

function compress(c: Lzo1xCompressor, src: Uint8Array): Uint8Array {
  const dst = new Uint8Array(lzo1xWorstCase(src.length));
  return dst.slice(0, c.compress(src, 0, src.length, dst, 0));
}

Deno.test("LZO1X round trips", () => {
  const c = new Lzo1xCompressor();
  for (const s of samples()) {
    const z = compress(c, s);
    const out = new Uint8Array(s.length + 16);
    assert.equal(lzo1xDecompressSafe(z, 0, z.length, out, 0, out.length), s.length);
    assert.deepEqual(out.subarray(0, s.length), s);
  }
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 2000 }), fc.nat(8), (data, alphabet) => {
      const s = alphabet ? data.map((b) => b % (alphabet + 1)) : data;
      const z = compress(c, s);
      const out = new Uint8Array(s.length);
      assert.equal(lzo1xDecompressSafe(z, 0, z.length, out, 0, out.length), s.length);
      assert.deepEqual(out, s);
    }),
    { numRuns: 300 },
  );
});

Deno.test("LZO1X safe decoder refuses bad streams without throwing", () => {
  const c = new Lzo1xCompressor();
  const s = samples()[5]!;
  const z = compress(c, s);
  const out = new Uint8Array(s.length);
  assert.equal(lzo1xDecompressSafe(z, 0, z.length, out, 0, s.length - 1), LZO_E_OUTPUT_OVERRUN);
  const extra = new Uint8Array([...z, 0]);
  assert.equal(
    lzo1xDecompressSafe(extra, 0, extra.length, out, 0, out.length),
    LZO_E_INPUT_NOT_CONSUMED,
  );
  // a match before the start of the output: M2 at distance 8 right after 1 literal
  const bad = new Uint8Array([18, 0x41, 0x7c, 0x00, 0x11, 0, 0]);
  assert.equal(
    lzo1xDecompressSafe(bad, 0, bad.length, out, 0, out.length),
    LZO_E_LOOKBEHIND_OVERRUN,
  );
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 200 }), (junk) => {
      const r = lzo1xDecompressSafe(junk, 0, junk.length, out, 0, 1661);
      assert.ok(r <= 1661);
    }),
    { numRuns: 3000 },
  );
});

Deno.test({
  name: "LZO1X interop with liblzo2 (lzo1x_1, lzo1x_999, decompress_safe)",
  ignore: liblzo === null,
  fn() {
    const c = new Lzo1xCompressor();
    for (const s of samples()) {
      for (const best of [false, true]) {
        const z = cCompress(s, best);
        const out = new Uint8Array(s.length);
        assert.equal(lzo1xDecompressSafe(z, 0, z.length, out, 0, out.length), s.length);
        assert.deepEqual(out, s);
      }
      const ours = compress(c, s);
      assert.deepEqual(cDecompress(ours, s.length + 16), s);
    }
  },
});
