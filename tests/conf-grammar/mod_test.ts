import assert from "node:assert/strict";
import { MAX_NESTING, parseConfig } from "../../conf-grammar/mod.ts";
import { ConfHostError } from "../../lib/conf/host.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const parse = (s: string, files: Record<string, string> = {}) =>
  parseConfig(enc(s), {
    file: "m.conf",
    readInclude: (n) => {
      const v = files[n];
      if (v === undefined) throw new ConfHostError("ENOENT", n);
      return enc(v);
    },
  });

Deno.test("includes are parsed as part of the text", () => {
  const r = parse("a = include v.conf\n;", { "v.conf": "1, 2" });
  assert.ok(r.ok);
  assert.equal(r.ast.assignments[0]!.value.length, 2);
});

Deno.test("a syntax error before a lexer fatal wins; after it, the fatal wins", () => {
  const a = parse("a = 1 2;\nb = 99999999999;");
  assert.ok(!a.ok);
  assert.equal(a.errors[0]!.kind, "syntax");
  assert.equal(a.errors[1]!.exitCode, 1);
  const b = parse("a = 99999999999 2;");
  assert.ok(!b.ok);
  assert.equal(b.errors[0]!.exitCode, 1);
  const c = parse("a = 1;\ninclude missing.conf\nb = ;");
  assert.ok(!c.ok);
  assert.match(c.errors[0]!.message, /Can't open included file/);
});

Deno.test("include without a filename is an error but parsing goes on", () => {
  const r = parse("include\na = 1;");
  assert.ok(!r.ok);
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.loc?.line, 1);
  const two = parse("include\na = ;");
  assert.ok(!two.ok);
  assert.equal(two.errors.length, 2);
  assert.equal(two.errors[1]!.loc?.line, 2);
});

Deno.test("nesting deeper than MAX_NESTING is a clean error, not a stack overflow", () => {
  const deep = (n: number) => "a = " + "{ b = ".repeat(n) + "1;" + " };".repeat(n);
  assert.ok(parse(deep(MAX_NESTING)).ok);
  const r = parse(deep(10_000));
  assert.ok(!r.ok);
  assert.match(r.errors[0]!.message, /nested more than/);
  const calls = parse("a = " + "f(".repeat(5000) + ")".repeat(5000) + ";");
  assert.ok(!calls.ok);
});
