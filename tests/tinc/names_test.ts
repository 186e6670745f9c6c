import assert from "node:assert/strict";
import { checkId } from "../../lib/tinc/names.ts";

Deno.test("check_id: [A-Za-z0-9_]+", () => {
  for (const ok of ["alpha", "A_1", "_", "0"]) assert.ok(checkId(ok), ok);
  for (const bad of ["", "a-b", "a.b", "a b", "é", "a\n", "a/b"]) assert.ok(!checkId(bad), bad);
});
