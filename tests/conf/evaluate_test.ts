import assert from "node:assert/strict";
import { evaluateConfig, newRootDict } from "../../lib/conf/evaluate.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { newEnv } from "../../lib/conf/dict.ts";
import type { Dict } from "../../lib/conf/dict.ts";
import type { List } from "../../lib/conf/value.ts";

const host = memoryHost({ "v.txt": "hello", "inc.conf": "b = 2;\n" });
const evalConf = (src: string, extensions = false) =>
  evaluateConfig(src, { file: "t.conf", host, extensions }).root;
function fails(src: string): ConfigError {
  try {
    evalConf(src);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error(`accepted: ${src}`);
}
const val = (l: List | undefined) =>
  l?.map((i) => i.type === "dict" ? "dict" : i.type === "closure" ? i.value.description : i.value);

Deno.test("values: strings, numbers, lists flattened, paths spliced", () => {
  const r = evalConf('a = 1, "x"; b = a, a; c = { d = b; }; e = c/d, 3;');
  assert.deepEqual(val(r.lookup("b")), [1, "x", 1, "x"]);
  assert.deepEqual(val(r.lookup("e")), [1, "x", 1, "x", 3]);
});

Deno.test("lookups: nearest scope wins; later path elements only in the first item", () => {
  const r = evalConf("a = 1; d = { a = 2; x = a; }; y = d/x;");
  assert.deepEqual(val(r.lookup("y")), [2]);
  assert.match(fails("a = 1; d = { }; y = d/a;").message, /can't find key a/);
  const e = fails("d = 1, { k = 1; }; y = d/k;");
  assert.match(e.message, /path element "d" is not a dictionary/);
  assert.deepEqual(val(evalConf("d = { k = 1; }, 2; y = d/k;").lookup("y")), [1]);
  // the nearest d lacks k: an outer d with k does not help
  assert.match(fails("d = { k = 1; }; e = { d = { }; y = d/k; };").message, /can't find key k/);
});

Deno.test("lookups see only what is bound at that moment", () => {
  assert.match(fails("a = b; b = 1;").message, /can't find key b/);
  assert.match(fails("a = a;").message, /can't find key a/);
  assert.deepEqual(val(evalConf("a = 1; d = { a = a; };").lookup("d")), ["dict"]);
  const r = evalConf("a = 1; d = { x = a; a = 2; y = a; };");
  const d = r.lookup("d")![0]!.value as Dict;
  assert.deepEqual(val(d.lookup("x")), [1]);
  assert.deepEqual(val(d.lookup("y")), [2]);
});

Deno.test("absolute paths start at the root", () => {
  const r = evalConf("a = 1; d = { a = 2; x = /a; t = /true; };");
  const d = r.lookup("d")![0]!.value as Dict;
  assert.deepEqual(val(d.lookup("x")), [1]);
  assert.deepEqual(val(d.lookup("t")), [true]);
});

Deno.test("duplicates: fatal in one dictionary, fine in nested ones, predefined too", () => {
  const e = fails("a = 1;\na = 2;");
  assert.match(e.message, /duplicate key "a" in dictionary/);
  assert.equal(e.exitCode, 2);
  assert.match(fails("yes = 1;").message, /duplicate key "yes"/);
  evalConf("a = 1; d = { a = 2; yes = 3; };");
});

Deno.test("a key bound to an empty list is unbound and may be bound again", () => {
  assert.match(fails("e = makelist(); x = e;").message, /can't find key e/);
  assert.deepEqual(val(evalConf("e = makelist({}); e = 5;").lookup("e")), [5]);
});

Deno.test("dictionaries are shared by reference and keep their parent", () => {
  const r = evalConf("a=1; b=2; c={ d=3; e=a; }; f={ a=4; g=c; }; x = f/g/e; y = f/g/d;");
  assert.deepEqual(val(r.lookup("x")), [1]);
  assert.deepEqual(val(r.lookup("y")), [3]);
  assert.equal(r.lookup("c")![0]!.value, (r.lookup("f")![0]!.value as Dict).lookup("g")![0]!.value);
});

Deno.test("calls: first item of the callee, must be an invocable closure", () => {
  assert.deepEqual(val(evalConf("f = makelist, 5; x = f(1, 2);").lookup("x")), [1, 2]);
  const e = fails('x = "s"(1);');
  assert.match(e.message, /only closures can be invoked/);
  assert.equal(e.exitCode, 8);
  assert.match(fails("x = md5(1);").message, /this closure cannot be invoked/);
  assert.match(fails("x = makelist({})(1);").message, /empty list/);
});

Deno.test("call errors name the callee's line; a path callee names the next token's", () => {
  const e = fails("f = 5;\nx = f\n(1);");
  assert.equal(e.loc?.line, 3);
});

Deno.test("search-path lists are never evaluated", () => {
  evalConf("d = <nosuch, f(1)> { a = 1; };");
});

Deno.test("includes are evaluated in place", () => {
  assert.deepEqual(val(evalConf("a = 1;\ninclude inc.conf\nc = b;").lookup("c")), [2]);
});

Deno.test("README extensions are off by default and shadowable when on", () => {
  assert.match(fails("x = on;").message, /can't find key on/);
  const r = evalConf("x = on, off; on = 5; y = on;", true);
  assert.deepEqual(val(r.lookup("x")), [true, false]);
  assert.deepEqual(val(r.lookup("y")), [5]);
  evalConf("on = 1; off = 2; randomsrc = 3;");
});

Deno.test("all 43 predefined names of secnet 0.6.7 are bound at the root", () => {
  const root = newRootDict(newEnv(host));
  const names = root.keys();
  assert.equal(names.length, 43);
  for (const n of names) assert.ok(root.lookupPrimitive(n));
});

Deno.test("syntax errors come first, even after a semantic error earlier in the file", () => {
  const e = fails("a = b;\nc = ;");
  assert.equal(e.kind, "syntax");
  assert.equal(e.loc?.line, 2);
});
