import assert from "node:assert/strict";
import { evaluateConfig } from "../../lib/conf/evaluate.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { FALSE_NAMES, PREDEFINED_CORE, TRUE_NAMES } from "../../lib/conf/builtins.ts";
import type { List } from "../../lib/conf/value.ts";

const host = memoryHost(
  { "data.txt": "abc\ndef", "empty.txt": "", "nul.txt": new Uint8Array([0x61, 0, 0x62]) },
  { dirs: ["adir"] },
);
const root = (src: string) => evaluateConfig(src, { file: "t.conf", host }).root;
const val = (l: List | undefined) => l?.map((i) => i.type === "dict" ? "dict" : i.value);
function err(src: string): ConfigError {
  try {
    root(src);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  throw new Error("accepted");
}

Deno.test("18 booleans, as in process_config", () => {
  assert.equal(FALSE_NAMES.length + TRUE_NAMES.length, 18);
  assert.equal(PREDEFINED_CORE.length, 21);
  const r = root("t = verily, YES, True; f = nowise, NO, False;");
  assert.deepEqual(val(r.lookup("t")), [true, true, true]);
  assert.deepEqual(val(r.lookup("f")), [false, false, false]);
});

Deno.test("makelist: dict values newest first, own entries only, others pass through", () => {
  const r = root('p = 9; x = makelist({ a = 1; b = 2, 3; c = p; }, 7, "s");');
  assert.deepEqual(val(r.lookup("x")), [9, 2, 3, 1, 7, "s"]);
  assert.equal(root("x = makelist(); y = 1;").lookup("x"), undefined);
});

Deno.test("map: applies a closure to each item", () => {
  const r = root("x = map(makelist, 1, { a = 2; }, 3);");
  assert.deepEqual(val(r.lookup("x")), [1, 2, 3]);
  assert.match(err("x = map(1, 2);").message, /you must supply a closure as the first argument/);
  assert.match(err("x = map(md5, 2);").message, /closure cannot be applied/);
  assert.equal(root("x = map(makelist); y = 1;").lookup("x"), undefined);
});

Deno.test("readfile: contents as one string at the call's location", () => {
  const r = root('x = readfile(\n"data.txt"\n);');
  const it = r.lookup("x")![0]!;
  assert.equal(it.value, "abc\ndef");
  assert.equal(it.loc.line, 3);
  assert.equal(root('x = readfile("nul.txt");').lookup("x")![0]!.value, "a");
  assert.match(err("x = readfile();").message, /you must supply a filename/);
  assert.match(err("x = readfile(1);").message, /filename must be a string/);
  const missing = err('x = readfile("nope");');
  assert.match(missing.message, /cannot open file "nope": No such file or directory/);
  assert.equal(missing.exitCode, 2);
  assert.match(err('x = readfile("empty.txt");').message, /could not read all of file/);
  assert.match(err('x = readfile("adir");').message, /directory/);
});
