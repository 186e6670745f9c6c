import assert from "node:assert/strict";
import { parseConfig } from "../../conf-grammar/mod.ts";
import { confParser, describeToken } from "../../conf-grammar/parser.ts";
import { scanConfig } from "../../conf-grammar/lexer.ts";

const enc = (s: string) => new TextEncoder().encode(s);
/** Line of the first syntax error, or null when the text parses. */
function firstErrorLine(src: string): number | null {
  const r = parseConfig(enc(src), { file: "t.conf" });
  return r.ok ? null : r.errors[0]!.loc?.line ?? -1;
}

Deno.test("accepts every form of the grammar", () => {
  for (
    const src of [
      "a=1;",
      "a 1;",
      'a = "x", 2, b, /c/d, {}, {x=1;}, f(), f(1,2), f{}, f(1)(2), f{}{}, "s"(1), 5{}, {}(1);',
      "a = <b, c> { d = 1; };",
      "a = <f(1)> {};",
      "a = / a / c;",
      "a = f <x> { };",
      "a=1;b={c=2;};",
      "x = f(1)(2){y=3;}(4);",
    ]
  ) assert.equal(firstErrorLine(src), null, src);
});

Deno.test("rejects what bison rejects, at the same token's line", () => {
  const cases: Array<[string, number]> = [
    ["", 1],
    ["# only a comment\n", 2],
    ["a;", 1],
    ["a = ;", 1],
    [";;", 1],
    ["a = ,1;", 1],
    ["a = 1,;", 1],
    ["a == 1;", 1],
    ["a = (1);", 1],
    ["a/b = 1;", 1],
    ['"a" = 1;', 1],
    ["1 = 1;", 1],
    ["a = b/;", 1],
    ["a = b//c;", 1],
    ["a = //b;", 1],
    ["a = <> {};", 1],
    ["a = {\n b = 1\n};\n", 3],
    ["a = {\n b = 1;\n}\n", 4],
    ["a = 1;\n\n{\n", 3],
    ["a = {\n", 2],
    ["a = 1;\n\nb = -1;", 3],
    ["a = 1.5;", 1],
    ["a = 0x10;", 1],
    ["a = 1;\r\n", 1],
    ["a = 1;\nb = 2; # trailing", 2],
    ['a = "x";\nb = "p\nq" c;', 2],
  ];
  for (const [src, line] of cases) assert.equal(firstErrorLine(src), line, JSON.stringify(src));
});

Deno.test("high byte ends the input: the text before it must be complete", () => {
  const ok = new Uint8Array([...enc("a=1;\n"), 0xff, ...enc("{{{")]);
  assert.equal(parseConfig(ok, { file: "t" }).ok, true);
  const cut = new Uint8Array([...enc("a=\n"), 0xff, ...enc("1;")]);
  const r = parseConfig(cut, { file: "t" });
  assert.equal(r.ok, false);
});

Deno.test("error messages say what was expected and what was found", () => {
  const r = parseConfig(enc("a = 1 2;"), { file: "t.conf" });
  assert.ok(!r.ok);
  assert.match(r.errors[0]!.message, /expected ';'.*found number 2/);
  const e = parseConfig(enc("a = 1; # x"), { file: "t.conf" });
  assert.ok(!e.ok);
  assert.match(e.errors[0]!.message, /comment on the last line needs a newline/);
});

Deno.test("describeToken names token kinds", () => {
  const t = scanConfig(enc('k 5 "s" ; @'), { file: "x" }).tokens;
  assert.deepEqual(t.map(describeToken), [
    "key k",
    "number 5",
    'string "s"',
    "';'",
    "'@' (not part of the language)",
    "the end of the input",
  ]);
});

Deno.test("the parser instance is shared and reusable", () => {
  assert.equal(confParser(), confParser());
  assert.equal(firstErrorLine("a=1 2;"), 1);
  assert.equal(firstErrorLine("a=1;"), null);
});
