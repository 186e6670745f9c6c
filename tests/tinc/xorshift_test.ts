import assert from "node:assert/strict";
import { xorshift32 } from "../../lib/tinc/xorshift.ts";

/** The textbook form on BigInt (no 32-bit tricks), to check the Number version against. */
function reference(x: bigint): bigint {
  const m = 0xffffffffn;
  x ^= (x << 13n) & m;
  x ^= x >> 17n;
  x ^= (x << 5n) & m;
  return x;
}

Deno.test("xorshift32 follows the reference sequence and stays a non-zero uint32", () => {
  assert.equal(xorshift32(1), 270369);
  for (const seed of [1, 2, 12345, 0x7fffffff, 0x80000000, 0xffffffff]) {
    let x = seed, r = BigInt(seed);
    for (let i = 0; i < 1000; i++) {
      x = xorshift32(x);
      r = reference(r);
      assert.equal(BigInt(x), r, `seed ${seed} step ${i}`);
      assert.ok(x > 0 && x <= 0xffffffff && Number.isInteger(x));
    }
  }
});
