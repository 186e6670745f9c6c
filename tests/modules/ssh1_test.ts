import assert from "node:assert/strict";
import { formatSsh1PrivateKey } from "../../lib/crypto/rsa_key.ts";
import { isSsh1Failure, readSsh1PrivateKey, ssh1KeyValid } from "../../lib/modules/ssh1.ts";
import { TOY_KEY } from "./_helpers.ts";

const good = formatSsh1PrivateKey(TOY_KEY, "toy");

Deno.test("readSsh1PrivateKey reads every field; the key checks out", () => {
  const r = readSsh1PrivateKey(good);
  assert.ok(!isSsh1Failure(r));
  assert.equal(r.n, TOY_KEY.n);
  assert.equal(r.e, TOY_KEY.e);
  assert.equal(r.iqmp, TOY_KEY.qinv);
  assert.equal(new TextDecoder().decode(r.comment), "toy");
  assert.equal(ssh1KeyValid(r), true);
  assert.equal(ssh1KeyValid({ ...r, iqmp: r.iqmp + 1n }), false);
  assert.equal(ssh1KeyValid({ ...r, e: r.e + 2n }), false);
  assert.equal(ssh1KeyValid({ ...r, n: r.n + 1n }), false);
});

Deno.test("readSsh1PrivateKey: secnet's failures in secnet's order", () => {
  assert.deepEqual(readSsh1PrivateKey(good.slice(0, 10)), {
    how: "file",
    message: "failed to read magic ID string from SSH1 private keyfile",
    eof: true,
  });
  const wrong = good.slice();
  wrong[32] = 1;
  assert.deepEqual(readSsh1PrivateKey(wrong), {
    how: "file",
    message: "failed to read magic ID string from SSH1 private keyfile",
    eof: false,
  });
  assert.deepEqual(readSsh1PrivateKey(good.slice(0, 36)), { how: "get-eof" });
  const enc = good.slice();
  enc[33] = 3;
  assert.deepEqual(readSsh1PrivateKey(enc), {
    how: "load",
    message: "we don't support encrypted keyfiles",
  });
  // An empty comment makes fread(…, 0, 1, f) "fail" without EOF.
  assert.deepEqual(readSsh1PrivateKey(formatSsh1PrivateKey(TOY_KEY, "")), {
    how: "file",
    message: "error reading key comment",
    eof: false,
  });
  assert.deepEqual(readSsh1PrivateKey(formatSsh1PrivateKey(TOY_KEY, "x".repeat(1025))), {
    how: "load",
    message: "implausibly long (1025) key comment",
  });
  const r = readSsh1PrivateKey(good.slice(0, good.length - 1));
  assert.deepEqual(r, { how: "file", message: "error reading p value", eof: true });
});

Deno.test("readSsh1PrivateKey: check bytes must repeat", () => {
  const b = formatSsh1PrivateKey(TOY_KEY, "c", 0x1234);
  // the check bytes follow the comment: flip the third one
  const at = b.length - (4 + 2 + 16 + 2 + 8 + 2 + 8 + 2 + 8) + 2;
  const bad = b.slice();
  bad[at]! ^= 1;
  assert.deepEqual(readSsh1PrivateKey(bad), { how: "load", message: "corrupt keyfile" });
});
