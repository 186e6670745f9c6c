import assert from "node:assert/strict";
import type { RandomSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("randomfile: opens (checks) the file; blocking flag", () => {
  const { root } = evalConf('r = randomfile("rnd", yes);', { rnd: "x" });
  assert.deepEqual(specAt<RandomSpec>(root, "r"), {
    type: "randomfile",
    path: "rnd",
    blocking: true,
  });
});

Deno.test("randomfile: errors", () => {
  assertError(rejects("r = randomfile();"), "randomsource", "requires a filename", 1);
  assertError(
    rejects("\nr = randomfile(5);"),
    "randomsource",
    "filename (arg1) must be a string",
    2,
  );
  assertError(
    rejects('r = randomfile("rnd", 1);', { rnd: "x" }),
    "randomsource",
    "blocking parameter (arg2) must be bool",
  );
  const e = rejects('r = randomfile("nope");');
  assert.equal(e.kind, "fatal");
  assert.equal(e.exitCode, 2);
  assert.match(e.message, /^randomsource \(t\.conf:1\): cannot open nope: No such file/);
});
