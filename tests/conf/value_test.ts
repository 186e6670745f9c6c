import assert from "node:assert/strict";
import { makeClosure } from "../../lib/conf/closure.ts";
import { NO_LOC } from "../../lib/conf/loc.ts";
import {
  boolItem,
  closureItem,
  describeItem,
  numberItem,
  stringItem,
} from "../../lib/conf/value.ts";

Deno.test("items carry type, value and location; closures have none", () => {
  const loc = { file: "f", line: 3 };
  assert.deepEqual(numberItem(5, loc), { type: "number", value: 5, loc });
  assert.equal(boolItem(true).loc, NO_LOC);
  assert.equal(closureItem(makeClosure("LOG", "syslog")).loc, NO_LOC);
  assert.equal(describeItem(stringItem("x", loc)), 'string "x"');
  assert.equal(describeItem(closureItem(makeClosure("LOG", "syslog"))), 'LOG closure "syslog"');
});
