import assert from "node:assert/strict";
import type { BufferSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("sysbuffer: default, bounds, lockdown, extra arguments ignored", () => {
  const { root } = evalConf('a = sysbuffer(); b = sysbuffer(64, { lockdown yes; }, 7, "x");');
  assert.deepEqual(specAt<BufferSpec>(root, "a"), { type: "buffer", size: 4096, lockdown: false });
  assert.deepEqual(specAt<BufferSpec>(root, "b"), { type: "buffer", size: 64, lockdown: true });
  assert.equal(specAt<BufferSpec>(evalConf("b = sysbuffer(131072);").root, "b").size, 131072);
});

Deno.test("sysbuffer: errors carry no location, as in 0.6.7", () => {
  const e = rejects("b = sysbuffer(63);");
  assertError(e, "buffer", "ludicrously small buffer size");
  assert.equal(e.loc, undefined);
  assertError(rejects("b = sysbuffer(131073);"), "buffer", "ludicrously large buffer size");
  assertError(
    rejects('b = sysbuffer("128");'),
    "buffer",
    "first parameter must be a number (buffer size)",
  );
  assertError(rejects("b = sysbuffer(128, 1);"), "buffer", "second parameter must be a dictionary");
  assertError(
    rejects("b = sysbuffer(128, { lockdown 1; });"),
    "buffer",
    '"lockdown" must be a boolean',
  );
});
