import assert from "node:assert/strict";
import { Dict, newEnv, warn } from "../../lib/conf/dict.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { numberItem } from "../../lib/conf/value.ts";

const loc = { file: "f", line: 1 };
const n = (v: number) => [numberItem(v, loc)];

Deno.test("lookup searches parents, lookupPrimitive does not", () => {
  const root = new Dict(null, newEnv(memoryHost({})));
  const child = new Dict(root);
  root.add("a", n(1));
  assert.equal(child.lookup("a")?.[0]?.value, 1);
  assert.equal(child.lookupPrimitive("a"), undefined);
  assert.equal(child.env, root.env);
  assert.equal(child.root(), root);
});

Deno.test("duplicate keys are fatal; empty values are invisible and rebindable", () => {
  const d = new Dict(null, newEnv(memoryHost({})));
  d.add("a", n(1));
  assert.throws(
    () => d.add("a", n(2)),
    (e) => e instanceof ConfigError && /duplicate key "a"/.test(e.message),
  );
  d.add("e", []);
  assert.equal(d.lookup("e"), undefined);
  d.add("e", n(3));
  assert.equal(d.lookup("e")?.[0]?.value, 3);
  assert.deepEqual(d.entriesNewestFirst().map(([k]) => k), ["e", "e", "a"]);
  assert.deepEqual(d.keys(), ["a", "e"]);
});

Deno.test("root() stops at the configuration root, above which extensions live", () => {
  const env = newEnv(memoryHost({}));
  const outer = new Dict(null, env);
  const root = new Dict(outer, env, { isRoot: true });
  const inner = new Dict(new Dict(root));
  assert.equal(inner.root(), root);
  outer.add("x", n(9));
  assert.equal(inner.lookup("x")?.[0]?.value, 9);
  root.add("x", n(1)); // shadowing the outer scope is not a duplicate
});

Deno.test("warn collects diagnostics in the shared env", () => {
  const env = newEnv(memoryHost({}));
  warn(env, loc, "x", "careful");
  assert.deepEqual(env.diagnostics, [{ level: "warning", loc, facility: "x", message: "careful" }]);
  assert.throws(() => new Dict(null));
});
