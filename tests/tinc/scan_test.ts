import assert from "node:assert/strict";
import fc from "fast-check";
import {
  bytesToHex,
  hexToBytes,
  MAX_STRING,
  scan,
  scanRequestNumber,
} from "../../lib/tinc/scan.ts";

Deno.test("scan: %d %x %s %*d %*x as sscanf reads them", () => {
  assert.deepEqual(
    scan("12 2848aa64 alpha beta 192.168.77.2 655 c 9", "%*d %*x %s %s %s %s %x %d"),
    [
      "alpha",
      "beta",
      "192.168.77.2",
      "655",
      12,
      9,
    ],
  );
  assert.deepEqual(scan("4 655 10 c", "%*d %s %d %x"), ["655", 10, 12]);
  assert.deepEqual(scan("  4   655\t10 0xC", "%*d %s %d %x"), ["655", 10, 12]);
  assert.deepEqual(scan("4 655 -3 fffffffff", "%*d %s %d %x"), ["655", -3, 0xffffffff]);
  assert.deepEqual(scan("17 70000", "%*d %hu"), [70000 & 0xffff]);
  assert.deepEqual(scan("17 -1", "%*d %hu"), [65535]);
});

Deno.test("scan: stops at the first failure and counts conversions", () => {
  assert.deepEqual(scan("0 alpha", "%*d %s %d"), ["alpha"]);
  assert.deepEqual(scan("0 alpha x17", "%*d %s %d"), ["alpha"]);
  assert.deepEqual(scan("0 alpha 17.7", "%*d %s %d"), ["alpha", 17]); // tinc 1.1's "17.7"
  assert.deepEqual(scan("", "%d"), []);
  assert.deepEqual(scan("x", "%d"), []);
});

Deno.test("scan: %s reads at most 2048 chars; the rest feeds the next directive", () => {
  const long = "a".repeat(MAX_STRING + 5);
  const r = scan(`0 ${long} 17`, "%*d %s %d");
  assert.equal((r[0] as string).length, MAX_STRING);
  assert.equal(r.length, 1); // "aaaaa" is not a number
});

Deno.test("scan: request numbers", () => {
  assert.equal(scanRequestNumber("8"), 8);
  assert.equal(scanRequestNumber(" -1 x"), -1);
  assert.equal(scanRequestNumber("+17"), 17);
  assert.equal(scanRequestNumber(""), null);
  assert.equal(scanRequestNumber("abc"), null);
  // Overflow behaves like strtol clamping stored into int (LONG_MAX → -1).
  assert.equal(scanRequestNumber("99999999999999999999"), -1);
});

Deno.test("hex: both cases in, uppercase out, bad digits refused", () => {
  assert.deepEqual(Array.from(hexToBytes("0aFf", 2)!), [10, 255]);
  assert.equal(hexToBytes("0g", 1), null);
  assert.equal(hexToBytes("0", 1), null);
  assert.equal(bytesToHex(new Uint8Array([0, 171, 255])), "00ABFF");
});

Deno.test("scan never throws (property)", () => {
  const formats = [
    "%*d %*x %s %s %s %s %x %d",
    "%*d %s %d",
    "%*d %hu",
    "%d",
    "%*d %s %s %s %d %d %d %d %s %s",
  ];
  fc.assert(
    fc.property(fc.string({ maxLength: 300 }), fc.constantFrom(...formats), (s, f) => {
      const r = scan(s, f);
      assert.ok(Array.isArray(r));
    }),
    { numRuns: 2000 },
  );
});
