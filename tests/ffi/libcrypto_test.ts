import assert from "node:assert/strict";
import { big, cstr, digestParams, libcrypto, pointerAt, PtrSlot } from "../../ffi/libcrypto.ts";

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

Deno.test("digestParams builds an OSSL_PARAM array EVP_MAC_init accepts", () => {
  const { sym } = libcrypto();
  const mac = sym.EVP_MAC_fetch(null, cstr("HMAC"), null);
  const ctx = sym.EVP_MAC_CTX_new(mac);
  const key = new Uint8Array(4);
  const { params, keep } = digestParams("sha256");
  assert.equal(sym.EVP_MAC_init(ctx, Deno.UnsafePointer.of(key), 4n, params), 1);
  assert.equal(keep.length, 3);
  const bad = digestParams("no-such-digest");
  assert.equal(sym.EVP_MAC_init(ctx, Deno.UnsafePointer.of(key), 4n, bad.params), 0);
  sym.ERR_clear_error();
  sym.EVP_MAC_CTX_free(ctx);
  sym.EVP_MAC_free(mac);
});
