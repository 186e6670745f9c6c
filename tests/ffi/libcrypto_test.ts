import assert from "node:assert/strict";
import { big, cstr, libcrypto, pointerAt, PtrSlot } from "../../ffi/libcrypto.ts";

Deno.test("libcrypto loads OpenSSL 3 with the default and legacy providers", () => {
  const l = libcrypto();
  assert.match(l.version, /^OpenSSL 3\./);
  assert.ok(l.legacy);
  assert.equal(libcrypto(), l); // loaded once
});

Deno.test("big() caches BigInts for packet sizes", () => {
  assert.equal(big(1400), 1400n);
  assert.equal(big(1400), big(1400));
  assert.equal(big(70000), 70000n);
  assert.equal(cstr("ab").join(","), "97,98,0");
});

Deno.test("pointerAt: same pointer object for the same buffer and offset, views share it", () => {
  const buf = new Uint8Array(64);
  const p1 = pointerAt(buf, 8);
  assert.equal(pointerAt(buf, 8), p1);
  assert.equal(pointerAt(buf.subarray(4), 4), p1); // same ArrayBuffer, same absolute offset
  assert.equal(
    Deno.UnsafePointer.value(pointerAt(buf, 9)) - Deno.UnsafePointer.value(p1),
    1n,
  );
  // Writes through the pointer land in the buffer.
  new Deno.UnsafePointerView(p1!).copyInto(new Uint8Array(1));
  const slot = new PtrSlot();
  assert.equal(slot.get(buf, 8), p1);
  assert.equal(slot.get(buf, 8), p1);
});
