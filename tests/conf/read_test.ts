import assert from "node:assert/strict";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { makeClosure } from "../../lib/conf/closure.ts";
import {
  dictReadBool,
  dictReadDict,
  dictReadNumber,
  dictReadString,
  dictReadStringArray,
  findClIf,
  stringListToWord,
} from "../../lib/conf/read.ts";
import { boolItem, closureItem, numberItem, stringItem } from "../../lib/conf/value.ts";

const loc = { file: "f.conf", line: 7 };
const o = { required: true, loc, facility: "fac" };
function setup() {
  const root = new Dict(null, newEnv(memoryHost({})));
  root.add("inherited", [stringItem("up", loc)]);
  const d = new Dict(root);
  d.add("s", [stringItem("x", loc)]);
  d.add("n", [numberItem(5, loc)]);
  d.add("big", [numberItem(0x80000000, loc)]);
  d.add("two", [numberItem(1, loc), numberItem(2, loc)]);
  d.add("b", [boolItem(true)]);
  d.add("list", [stringItem("a", loc), stringItem("b", loc)]);
  d.add("cl", [closureItem(makeClosure("LOG", "logfile"))]);
  return d;
}
const msg = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return `${e.facility}@${e.loc?.line}: ${e.message}`;
    throw e;
  }
  return "no error";
};

Deno.test("readers return values, searching parents", () => {
  const d = setup();
  assert.equal(dictReadString(d, "s", o), "x");
  assert.equal(dictReadString(d, "inherited", o), "up");
  assert.equal(dictReadNumber(d, "n", o), 5);
  assert.equal(dictReadNumber(d, "none", { ...o, required: false, def: 9 }), 9);
  assert.equal(dictReadBool(d, "b", o), true);
  assert.deepEqual(dictReadStringArray(d, "list", o), ["a", "b"]);
  assert.equal(findClIf(d, "cl", "LOG", o)?.description, "logfile");
});

Deno.test("readers fail with secnet's messages", () => {
  const d = setup();
  assert.equal(
    msg(() => dictReadString(d, "none", o)),
    'fac@7: required parameter "none" not found',
  );
  assert.equal(msg(() => dictReadString(d, "n", o)), 'fac@7: "n" must be a string');
  assert.equal(msg(() => dictReadNumber(d, "s", o)), 'fac@7: "s" must be a number');
  assert.equal(
    msg(() => dictReadNumber(d, "big", o)),
    'fac@7: "big" must fit into a 32-bit signed integer',
  );
  assert.equal(msg(() => dictReadBool(d, "n", o)), 'fac@7: "n" must be a boolean');
  assert.equal(msg(() => dictReadDict(d, "n", o)), 'fac@7: "n" must be a dictionary');
  assert.equal(
    msg(() => dictReadNumber(d, "two", o)),
    'fac@7: parameter "two" has wrong number of values',
  );
  assert.equal(msg(() => findClIf(d, "n", "LOG", o)), 'fac@7: "n" must be a closure');
  assert.equal(
    msg(() => findClIf(d, "cl", "SITE", o)),
    'fac@7: "cl" is the wrong type of closure (expected SITE, got LOG)',
  );
  assert.equal(
    msg(() => dictReadStringArray(d, "none", o)),
    'fac@7: required string list "none" not found',
  );
});

Deno.test("string lists map words through a table", () => {
  const t = [["a", 1], ["b", 2]] as const;
  assert.equal(stringListToWord([stringItem("a", loc), stringItem("b", loc)], t, "f"), 3);
  assert.equal(
    msg(() => stringListToWord([stringItem("c", loc)], t, "f")),
    'f@7: option "c" not known',
  );
  assert.equal(
    msg(() => stringListToWord([numberItem(1, loc)], t, "f")),
    "f@7: all elements of list must be strings",
  );
});
