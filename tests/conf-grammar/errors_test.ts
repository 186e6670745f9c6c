import assert from "node:assert/strict";
import { includeError, numberTooBig, syntaxError } from "../../conf-grammar/errors.ts";
import { renderError } from "../../lib/conf/errors.ts";

Deno.test("grammar errors carry secnet's exit statuses and render with file:line", () => {
  const s = syntaxError({ file: "a.conf", line: 3 }, "expected ';'");
  assert.equal(s.exitCode, 2);
  assert.equal(renderError(s), "a.conf:3: syntax error: expected ';'");
  const n = numberTooBig({ file: "a.conf", line: 1 }, "4294967296");
  assert.equal(n.exitCode, 1);
  assert.match(n.message, /'4294967296' is too big/);
  assert.equal(includeError(undefined, "x").exitCode, 2);
});
