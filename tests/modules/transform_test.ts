import assert from "node:assert/strict";
import type { SecnetTransformSpec, TincTransformSpec } from "../../lib/modules/specs.ts";
import { TINC_CIPHERS, TINC_DIGESTS } from "../../lib/modules/transform.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("eax-serpent / serpent256-cbc: defaults and limits", () => {
  const { root } = evalConf(
    "e = eax-serpent { }; f = eax-serpent { max-sequence-skew 40; padding-rounding 0; tag-length-bytes 1; capab-num 15; }; c = serpent256-cbc { };",
  );
  assert.deepEqual(specAt<SecnetTransformSpec>(root, "e"), {
    type: "eax-serpent",
    capabNum: 9,
    maxSequenceSkew: 10,
    dedupe: true,
    tagLength: 16,
    paddingRounding: 16,
  });
  const f = specAt<SecnetTransformSpec>(root, "f");
  assert.equal(f.dedupe, false);
  assert.equal(f.paddingRounding, 1);
  assert.equal(specAt<SecnetTransformSpec>(root, "c").capabNum, 8);
});

Deno.test("eax-serpent / serpent256-cbc: errors", () => {
  const dd = rejects("t = eax-serpent { max-sequence-skew 32; dedupe yes; };");
  assertError(dd, "transform", "cannot dedupe with max-sequence-skew>=32");
  assert.equal(dd.silent, true);
  assertError(
    rejects("t = eax-serpent { tag-length-bytes 17; };"),
    "eax-serpent",
    "tag-length-bytes out of range 0..16",
  );
  assertError(rejects("t = eax-serpent { tag-length-bytes 0; };"), "eax-serpent", /out of range/);
  assertError(
    rejects("t = eax-serpent { padding-rounding 3; };"),
    "eax-serpent",
    "padding-round not a power of two",
  );
  assertError(
    rejects("t = eax-serpent { padding-rounding 256; };"),
    "eax-serpent",
    "padding-round must be 1..128",
  );
  assertError(
    rejects("t = serpent256-cbc { capab-num 99; };"),
    "transform",
    "capab-num out of range 0..15",
  );
  // capab-num is read before the sequence parameters for eax-serpent, after for serpent256-cbc
  assertError(
    rejects('t = eax-serpent { capab-num 16; max-sequence-skew "x"; };'),
    "transform",
    /capab-num/,
  );
  assertError(
    rejects('t = serpent256-cbc { capab-num 16; max-sequence-skew "x"; };'),
    "serpent-cbc256",
    /must be a number/,
  );
  assertError(
    rejects("t = serpent256-cbc(1);"),
    "serpent256-cbc",
    "parameter must be a dictionary",
  );
});

Deno.test("tinc-transform: tincd 1.0.36 defaults and validation (extension)", () => {
  const { root } = evalConf(
    'a = tinc-transform { }; b = tinc-transform { cipher "AES-128-CBC"; digest "sha1"; mac-length 20; compression 11; }; c = tinc-transform { cipher "none"; digest "none"; };',
  );
  assert.deepEqual(specAt<TincTransformSpec>(root, "a"), {
    type: "tinc",
    cipher: "aes-256-cbc",
    digest: "sha256",
    macLength: 4,
    compression: 0,
  });
  assert.equal(specAt<TincTransformSpec>(root, "b").cipher, "aes-128-cbc");
  assert.equal(specAt<TincTransformSpec>(root, "c").macLength, 0);
  assertError(
    rejects('t = tinc-transform { cipher "rot13"; };'),
    "tinc-transform",
    /unrecognized cipher/,
  );
  assertError(
    rejects('t = tinc-transform { digest "sha999"; };'),
    "tinc-transform",
    /unrecognized digest/,
  );
  assertError(
    rejects('t = tinc-transform { digest "md5"; mac-length 17; };'),
    "tinc-transform",
    /exceeds/,
  );
  assertError(rejects("t = tinc-transform { compression 12; };"), "tinc-transform", /compression/);
  assert.ok(TINC_CIPHERS.has("bf-cbc") && TINC_CIPHERS.has("aes-256-cbc"));
  assert.equal(TINC_DIGESTS.get("sha512"), 64);
});

Deno.test("tinc-transform: aliases become canonical names; tincd-only algorithms warn", () => {
  const { root, diagnostics } = evalConf(
    'a = tinc-transform { cipher "blowfish"; digest "SHA-256"; }; b = tinc-transform { cipher "camellia-256-cbc"; digest "whirlpool"; mac-length 64; };',
  );
  assert.equal(specAt<TincTransformSpec>(root, "a").cipher, "bf-cbc");
  assert.equal(specAt<TincTransformSpec>(root, "a").digest, "sha256");
  assert.equal(specAt<TincTransformSpec>(root, "b").cipher, "camellia-256-cbc");
  assert.deepEqual(
    diagnostics.map((d) => d.message),
    [
      'cipher "camellia-256-cbc" is valid for tincd, but tincture cannot run it',
      'digest "whirlpool" is valid for tincd, but tincture cannot run it',
    ],
  );
});
