import assert from "node:assert/strict";
import { bitLength, isProbablePrime, modPow, mpzSetStr } from "../../lib/modules/gmp.ts";

Deno.test("mpzSetStr: GMP's leniencies and refusals", () => {
  assert.equal(mpzSetStr("17", 16), 0x17n);
  assert.equal(mpzSetStr(" 1 7 ", 16), 0x17n);
  assert.equal(mpzSetStr("\t\nfF", 16), 0xffn);
  assert.equal(mpzSetStr("-17", 16), -0x17n);
  assert.equal(mpzSetStr("0017", 10), 17n);
  for (const bad of ["", " ", "-", "- 17", "0x17", "xyz", "1g", "12a"]) {
    assert.equal(mpzSetStr(bad, bad === "12a" ? 10 : 16), null, bad);
  }
  assert.equal(mpzSetStr("z", 16), null);
});

Deno.test("isProbablePrime agrees with a sieve below 30000", () => {
  const N = 30000;
  const composite = new Uint8Array(N + 1);
  for (let i = 2; i * i <= N; i++) {
    if (!composite[i]) { for (let j = i * i; j <= N; j += i) composite[j] = 1; }
  }
  for (let i = 0; i <= N; i++) {
    assert.equal(isProbablePrime(BigInt(i)), i >= 2 && !composite[i], String(i));
  }
});

Deno.test("isProbablePrime: pseudoprimes, big primes and negatives", () => {
  // Carmichael numbers and a strong pseudoprime to bases 2, 3, 5, 7.
  for (const c of [561n, 41041n, 825265n, 3215031751n, 3825123056546413051n]) {
    assert.equal(isProbablePrime(c), false, String(c));
  }
  assert.equal(isProbablePrime((1n << 127n) - 1n), true);
  assert.equal(isProbablePrime((1n << 521n) - 1n), true);
  assert.equal(isProbablePrime(((1n << 127n) - 1n) * ((1n << 89n) - 1n)), false);
  assert.equal(isProbablePrime(-17n), true); // GMP tests |n|
  assert.equal(isProbablePrime(1n), false);
});

Deno.test("modPow and bitLength", () => {
  assert.equal(modPow(3n, 200n, 1000003n), 3n ** 200n % 1000003n);
  assert.equal(bitLength(0n), 0);
  assert.equal(bitLength(255n), 8);
  assert.equal(bitLength(-256n), 9);
});
