import assert from "node:assert/strict";
import fc from "fast-check";
import { base91sDecode, base91sDecodeMaxlen, base91sEncode } from "../../lib/modules/base91s.ts";

Deno.test("base91s: encode/decode round trip", () => {
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 300 }), (b) => {
      const t = base91sEncode(b);
      assert.ok(!t.includes('"'));
      assert.deepEqual(base91sDecode(t), b);
      assert.ok(base91sDecode(t).length <= base91sDecodeMaxlen(t.length));
    }),
  );
});

Deno.test("base91s: skips characters outside the alphabet; maxlen as secnet computes it", () => {
  const t = base91sEncode(new TextEncoder().encode("1024 65537 12345"));
  assert.equal(new TextDecoder().decode(base91sDecode(` ${t}\n"`)), "1024 65537 12345");
  assert.equal(base91sDecodeMaxlen(3), 2);
  assert.equal(base91sDecodeMaxlen(4), 3);
  assert.equal(base91sDecode("abc").length, 2);
});
