import assert from "node:assert/strict";
import { pathText } from "../../conf-grammar/ast.ts";

Deno.test("pathText writes paths as in the source", () => {
  const loc = { file: "f", line: 1 };
  const el = (key: string) => ({ key, loc });
  assert.equal(
    pathText({ kind: "path", absolute: true, elements: [el("a"), el("b")], loc }),
    "/a/b",
  );
  assert.equal(pathText({ kind: "path", absolute: false, elements: [el("a")], loc }), "a");
});
