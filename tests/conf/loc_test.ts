import assert from "node:assert/strict";
import { formatLoc, hasLoc, NO_LOC } from "../../lib/conf/loc.ts";

Deno.test("locations", () => {
  assert.equal(hasLoc(NO_LOC), false);
  assert.equal(hasLoc(undefined), false);
  assert.equal(hasLoc({ file: "a", line: 1 }), true);
  assert.equal(formatLoc({ file: "a.conf", line: 12 }), "a.conf:12");
});
