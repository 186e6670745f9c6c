import assert from "node:assert/strict";
import { allTokens, Key, NumberLit, PUNCTUATION, Stray } from "../../conf-grammar/tokens.ts";

Deno.test("exactly secnet's ten meaningful punctuation characters", () => {
  assert.deepEqual([...PUNCTUATION.keys()].map((c) => String.fromCharCode(c)).sort(), [
    "(",
    ")",
    ",",
    "/",
    ";",
    "<",
    "=",
    ">",
    "{",
    "}",
  ]);
});

Deno.test("token patterns match flex's", () => {
  const key = Key.PATTERN as RegExp;
  assert.ok(key.test("a-b_9") && !/^[0-9-]/.test("a"));
  assert.equal((NumberLit.PATTERN as RegExp).source, "[0-9]+");
  assert.ok(allTokens.includes(Stray));
});
