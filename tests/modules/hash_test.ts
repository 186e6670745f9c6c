import assert from "node:assert/strict";
import type { HashSpec } from "../../lib/modules/specs.ts";
import { closureAt, evalConf, rejects } from "./_helpers.ts";

Deno.test("md5 and sha1 are HASH closures that cannot be invoked", () => {
  const { root } = evalConf("a = md5; b = sha1;");
  assert.equal(closureAt(root, "a").kind, "HASH");
  assert.deepEqual(closureAt(root, "a").spec as HashSpec, {
    type: "hash",
    name: "md5",
    length: 16,
  });
  assert.equal((closureAt(root, "b").spec as HashSpec).length, 20);
  assert.match(rejects("c = md5();").message, /cannot be invoked/);
  assert.match(rejects("md5 = 1;").message, /duplicate key "md5"/);
});
