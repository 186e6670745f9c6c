import assert from "node:assert/strict";
import { parseConfig } from "../../conf-grammar/mod.ts";
import type { CallNode, ConfFile, DictNode, PathNode } from "../../conf-grammar/ast.ts";

function ast(src: string): ConfFile {
  const r = parseConfig(new TextEncoder().encode(src), { file: "t.conf" });
  if (!r.ok) throw new Error(r.errors[0]!.message);
  return r.ast;
}

Deno.test("assignments in order, with keys and flat value lists", () => {
  const a = ast('x = 1, "s";\ny z;');
  assert.deepEqual(a.assignments.map((x) => x.key), ["x", "y"]);
  assert.deepEqual(a.assignments[0]!.value.map((v) => v.kind), ["number", "string"]);
  assert.equal(a.assignments[1]!.keyLoc.line, 2);
});

Deno.test("a call's location is its closing ) or }", () => {
  const c = ast("x = f(\n1,\n2\n);").assignments[0]!.value[0] as CallNode;
  assert.equal(c.kind, "call");
  assert.equal(c.loc.line, 4);
  assert.equal(c.args.length, 2);
  const b = ast("x = f {\n a = 1;\n\n};").assignments[0]!.value[0] as CallNode;
  assert.equal(b.loc.line, 4);
  assert.equal(b.args.length, 1);
  assert.equal(b.args[0]!.kind, "dict");
});

Deno.test("chained calls nest to the left", () => {
  const c = ast("x = f(1)(2);").assignments[0]!.value[0] as CallNode;
  assert.equal(c.kind, "call");
  assert.equal((c.args[0] as { value: number }).value, 2);
  assert.equal((c.callee as CallNode).kind, "call");
});

Deno.test("a dictionary's location is its closing brace; search paths are kept aside", () => {
  const d = ast("x = <a, b> {\n y = 1;\n};").assignments[0]!.value[0] as DictNode;
  assert.equal(d.loc.line, 3);
  assert.equal(d.searchPath?.length, 2);
  assert.equal(d.assignments[0]!.key, "y");
});

Deno.test("path elements keep their own lines; the path's line is the next token's", () => {
  const p = ast("x = a /\n b\n /\n c\n\n;").assignments[0]!.value[0] as PathNode;
  assert.deepEqual(p.elements.map((e) => [e.key, e.loc.line]), [["a", 1], ["b", 2], ["c", 4]]);
  assert.equal(p.loc.line, 6);
  assert.equal(p.absolute, false);
  const abs = ast("x = /a/b;").assignments[0]!.value[0] as PathNode;
  assert.equal(abs.absolute, true);
});
