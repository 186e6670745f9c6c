import assert from "node:assert/strict";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { PREDEFINED_MODULES } from "../../lib/conf/builtins.ts";
import { EXTENSION_CLOSURES, registerBuiltinModules } from "../../lib/modules/mod.ts";

Deno.test("registerBuiltinModules binds secnet's 22 module names, in modules.c order", () => {
  const root = new Dict(null, newEnv(memoryHost({})));
  registerBuiltinModules(root);
  const names = root.keys().filter((k) => !(EXTENSION_CLOSURES as readonly string[]).includes(k));
  assert.deepEqual(names, [...PREDEFINED_MODULES]);
  for (const n of EXTENSION_CLOSURES) assert.ok(root.lookup(n), n);
});

Deno.test("extensions go above the root when there is a parent, so configs may rebind them", () => {
  const env = newEnv(memoryHost({}));
  const outer = new Dict(null, env);
  const root = new Dict(outer);
  registerBuiltinModules(root);
  for (const n of EXTENSION_CLOSURES) {
    assert.equal(root.lookupPrimitive(n), undefined);
    assert.ok(outer.lookupPrimitive(n));
  }
  root.add("tinc-transform", []);
});
