import assert from "node:assert/strict";
import { MAX_INCLUDE_DEPTH, scanConfig } from "../../conf-grammar/lexer.ts";
import { ConfHostError } from "../../lib/conf/host.ts";

const enc = (s: string) => new TextEncoder().encode(s);
const scan = (s: string | Uint8Array, files: Record<string, string> = {}) =>
  scanConfig(typeof s === "string" ? enc(s) : s, {
    file: "main.conf",
    readInclude: (n) => {
      if (n === "dir") throw new ConfHostError("EISDIR", n);
      const v = files[n];
      if (v === undefined) throw new ConfHostError("ENOENT", n);
      return enc(v);
    },
  });
const kinds = (s: string, files?: Record<string, string>) =>
  scan(s, files).tokens.map((t) => `${t.tokenType.name}:${t.image}@${t.file}:${t.line}`);

Deno.test("keys, numbers, strings and punctuation, no spaces needed", () => {
  assert.deepEqual(kinds('a=1;b={c="x";};'), [
    "Key:a@main.conf:1",
    "Equals:=@main.conf:1",
    "NumberLit:1@main.conf:1",
    "Semicolon:;@main.conf:1",
    "Key:b@main.conf:1",
    "Equals:=@main.conf:1",
    "LBrace:{@main.conf:1",
    "Key:c@main.conf:1",
    "Equals:=@main.conf:1",
    'StringLit:"x"@main.conf:1',
    "Semicolon:;@main.conf:1",
    "RBrace:}@main.conf:1",
    "Semicolon:;@main.conf:1",
    "EOF:@main.conf:1",
  ]);
});

Deno.test("key charset: letters, digits, - and _, j is a key", () => {
  const t = scan("_ z- a_b-9 j 12abc").tokens;
  assert.deepEqual(t.map((x) => x.image), ["_", "z-", "a_b-9", "j", "12", "abc", ""]);
});

Deno.test("numbers: leading zeros, 2^32-1 ok, 2^32 is fatal 'too big' (exit 1)", () => {
  assert.equal(scan("a=00064;").tokens[2]!.value, 64);
  assert.equal(scan("a=4294967295;").tokens[2]!.value, 4294967295);
  const r = scan("a=1;\nb=4294967296;");
  assert.equal(r.fatal?.error.exitCode, 1);
  assert.equal(r.fatal?.error.loc?.line, 2);
  assert.match(r.fatal!.error.message, /'4294967296' is too big/);
  assert.equal(scan("a=99999999999999999999999;").fatal?.error.exitCode, 1);
});

Deno.test("strings: no escapes, multi-line, newlines inside are not counted", () => {
  const r = scan('a="x\\"\n;\nb="p\nq\nr";\nc=1;');
  // "x\" ends at the second quote; the rest lexes on
  assert.equal(r.tokens[2]!.value, "x\\");
  const c = r.tokens.find((t) => t.image === "c")!;
  // really on line 6, but the two newlines inside the string are not counted
  assert.equal(c.line, 4);
  assert.equal(scan('a="\u00e9t\u00e9";').tokens[2]!.value, "\u00e9t\u00e9");
  assert.equal(scan('a="x\u0000y";').tokens[2]!.value, "x"); // a C string
});

Deno.test("unterminated string is a stray quote token", () => {
  assert.deepEqual(scan('a="abc;').tokens.map((t) => t.tokenType.name).slice(0, 3), [
    "Key",
    "Equals",
    "Stray",
  ]);
});

Deno.test("comments need their newline; # at EOF without one is a stray token", () => {
  assert.deepEqual(kinds("# c\na=1;#x\n"), [
    "Key:a@main.conf:2",
    "Equals:=@main.conf:2",
    "NumberLit:1@main.conf:2",
    "Semicolon:;@main.conf:2",
    "EOF:@main.conf:3",
  ]);
  assert.equal(scan("a=1; # no newline").tokens[4]!.image, "#");
});

Deno.test("CR, FF, VT are stray; NUL and bytes >= 0x80 end the input", () => {
  assert.equal(scan("a=1;\r\n").tokens[4]!.image, "\r");
  const hi = new Uint8Array([...enc("a=1;\n"), 0xc3, 0xa9, ...enc("garbage {")]);
  const t = scan(hi).tokens;
  assert.equal(t.length, 5);
  assert.equal(t[4]!.tokenType.name, "EOF");
  assert.equal(t[4]!.line, 2);
  assert.equal(scan(new Uint8Array([...enc("a=1;"), 0, ...enc("}}}")])).tokens.length, 5);
});

Deno.test("include: anywhere, raw filename, lines restart, resumes after the name", () => {
  const files = { "inc.conf": "b=2;\nc=3;\n", '"q.conf"': "d=4;\n" };
  assert.deepEqual(kinds("a = include inc.conf # note\n 1;", files).slice(0, 9), [
    "Key:a@main.conf:1",
    "Equals:=@main.conf:1",
    "Key:b@inc.conf:1",
    "Equals:=@inc.conf:1",
    "NumberLit:2@inc.conf:1",
    "Semicolon:;@inc.conf:1",
    "Key:c@inc.conf:2",
    "Equals:=@inc.conf:2",
    "NumberLit:3@inc.conf:2",
  ]);
  assert.equal(scan('include "q.conf"\n', files).tokens[0]!.file, '"q.conf"');
  assert.equal(scan("includes = 1;").tokens[0]!.image, "includes");
  assert.equal(scan("Include = 1;").tokens[0]!.image, "Include");
});

Deno.test("include errors: no filename (continues), missing, directory, too deep", () => {
  const r = scan("include\na=1;");
  assert.equal(r.errors.length, 1);
  assert.match(r.errors[0]!.error.message, /requires a filename/);
  assert.equal(r.tokens[0]!.line, 2);
  assert.match(
    scan("include nope.conf\n").fatal!.error.message,
    /Can't open included file nope\.conf/,
  );
  assert.match(scan("include dir\n").fatal!.error.message, /Is a directory/);
  const self = scan("include self\n", { self: "include self\n" });
  assert.match(self.fatal!.error.message, /nested too deeply/);
  // main + 10 levels is fine, 11 is not
  const chain = (n: number) => {
    const files: Record<string, string> = {};
    for (let i = 1; i <= n; i++) files[`f${i}`] = i < n ? `include f${i + 1}\n` : "x=1;\n";
    return scan("include f1\n", files);
  };
  assert.equal(chain(MAX_INCLUDE_DEPTH).fatal, undefined);
  assert.match(chain(MAX_INCLUDE_DEPTH + 1).fatal!.error.message, /nested too deeply/);
});

Deno.test("the include filename state survives the end of an included file", () => {
  // inc ends with a bare `include`; the includer's newline then means "no filename"
  const r = scan("include inc\na=1;", { inc: "b=1; include" });
  assert.equal(r.errors.length, 1);
  assert.equal(r.errors[0]!.error.loc?.file, "main.conf");
});

Deno.test("a token limit turns huge input into an error", () => {
  const r = scanConfig(enc("a=1;".repeat(100)), { file: "x", maxTokens: 50 });
  assert.match(r.fatal!.error.message, /too large/);
});
