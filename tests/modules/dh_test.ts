import assert from "node:assert/strict";
import type { DhSpec } from "../../lib/modules/specs.ts";
import { assertError, DH_PRIME, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("diffie-hellman: prime modulus, generator below it", () => {
  const { root } = evalConf(`d = diffie-hellman("${DH_PRIME}", "2");`);
  const s = specAt<DhSpec>(root, "d");
  assert.equal(s.p, BigInt("0x" + DH_PRIME));
  assert.equal(s.g, 2n);
  assert.equal(s.len, 128);
  assert.equal(specAt<DhSpec>(evalConf('d = diffie-hellman(" 1 7", "3");').root, "d").p, 0x17n);
});

Deno.test("diffie-hellman: errors", () => {
  const composite = DH_PRIME.slice(0, -1) + "5";
  assertError(
    rejects(`d = diffie-hellman("${composite}", "2");`),
    "diffie-hellman",
    "modulus must be a prime",
  );
  evalConf(`d = diffie-hellman("${composite}", "2", false);`);
  assertError(
    rejects('d = diffie-hellman("17", "17");'),
    "diffie-hellman",
    "generator must be less than modulus",
  );
  assertError(
    rejects('d = diffie-hellman("-17", "2");'),
    "diffie-hellman",
    "generator must be less than modulus",
  );
  assertError(
    rejects('d = diffie-hellman("0x17", "2");'),
    "diffie-hellman",
    '"0x17" is not a hex number string',
  );
  assertError(
    rejects('d = diffie-hellman("", "2");'),
    "diffie-hellman",
    '"" is not a hex number string',
  );
  assertError(
    rejects("d = diffie-hellman();"),
    "diffie-hellman",
    "you must provide a prime modulus",
  );
  assertError(
    rejects('d = diffie-hellman("17");'),
    "diffie-hellman",
    "you must provide a generator",
  );
  assertError(
    rejects('d = diffie-hellman(\n"17", 2);'),
    "diffie-hellman",
    "second argument must be a string",
    2,
  );
});
