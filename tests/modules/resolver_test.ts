import assert from "node:assert/strict";
import type { ResolverSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("adns: config text kept as is", () => {
  const { root } = evalConf('r = adns { config "nameserver 127.0.0.1\n"; }; s = adns { };');
  assert.deepEqual(specAt<ResolverSpec>(root, "r"), {
    type: "adns",
    config: "nameserver 127.0.0.1\n",
  });
  assert.equal(specAt<ResolverSpec>(root, "s").config, null);
});

Deno.test("adns: errors", () => {
  assertError(rejects('r = adns("x");'), "adns", "first argument must be a dictionary", 1);
  assertError(rejects("r = adns { config 1; };"), "adns", '"config" must be a string', 1);
});
