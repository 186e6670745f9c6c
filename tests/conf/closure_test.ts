import assert from "node:assert/strict";
import { CLOSURE_KINDS, defineClosure } from "../../lib/conf/closure.ts";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { memoryHost } from "../../lib/conf/host.ts";

Deno.test("secnet's 15 closure kinds, in CL_ order", () => {
  assert.equal(CLOSURE_KINDS.length, 15);
  assert.equal(CLOSURE_KINDS[0], "PURE");
  assert.equal(CLOSURE_KINDS[14], "PRIVCACHE");
});

Deno.test("defineClosure binds an invocable PURE closure", () => {
  const d = new Dict(null, newEnv(memoryHost({})));
  const cl = defineClosure(d, "twice", (_s, _l, _c, args) => [...args, ...args]);
  const item = d.lookup("twice")![0]!;
  assert.equal(item.type, "closure");
  assert.equal(cl.kind, "PURE");
  assert.equal(cl.apply!(cl, { file: "f", line: 1 }, d, []).length, 0);
});
