import assert from "node:assert/strict";
import { formatSsh1PrivateKey } from "../../lib/crypto/rsa_key.ts";
import { base91sEncode } from "../../lib/modules/base91s.ts";
import { loadPeerKeys, rsa1LoadPub } from "../../lib/modules/pubkeys.ts";
import { newEnv } from "../../lib/conf/dict.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import type { PrivCacheSpec, RsaPrivateSpec, RsaPublicSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt, TOY_KEY } from "./_helpers.ts";

const enc = (s: string) => base91sEncode(new TextEncoder().encode(s));
const PUB = enc(`128 65537 ${TOY_KEY.n} toy@example`);

Deno.test("make-public: base91s 'BITS E N comment'", () => {
  const { root } = evalConf(`k = make-public("rsa1", "${PUB}");`);
  const s = specAt<RsaPublicSpec>(root, "k");
  assert.equal(s.key.n, TOY_KEY.n);
  assert.equal(s.key.e, 65537n);
  assert.equal(s.source, "make-public");
});

Deno.test("make-public: errors (several silent in 0.6.7), and its crash", () => {
  const e1 = rejects(`k = make-public("rsa9", "${PUB}");`);
  assertError(e1, "make-public", "unknown algorithm `rsa9'");
  assert.equal(e1.silent, true);
  assert.equal(rejects('k = make-public(1, "x");').silent, true);
  assert.equal(rejects('k = make-public("rsa1");').message, "need base91s-encoded public key");
  assert.equal(rejects('k = make-public("rsa1", "abc");').exitCode, 134);
  assertError(
    rejects(`k = make-public("rsa1", "${enc("128 65537 12x ")}");`),
    "make-public",
    'modulus "12x" is not a decimal number string',
  );
  assertError(
    rejects(`k = make-public("rsa1", "${enc("128 65537 ")}");`),
    "make-public",
    "end of pubkey data looking for modulus",
  );
  const r = rsa1LoadPub(new TextEncoder().encode("1 2 3\0 4"));
  assert.ok(typeof r !== "string" && r.n === 3n && r.e === 2n);
});

Deno.test("load-private: reads without checking; errors printed via the config log", () => {
  const files = {
    "k.key": formatSsh1PrivateKey({ ...TOY_KEY, qinv: 5n }, "toy"),
    "cut.key": formatSsh1PrivateKey(TOY_KEY, "toy").slice(0, 40),
    "big.key": new Uint8Array(4095),
  };
  const { root } = evalConf('k = load-private("rsa1", "k.key");', files);
  const s = specAt<RsaPrivateSpec>(root, "k");
  assert.equal(s.checked, false);
  assert.equal(s.key.qinv, 5n);
  assertError(
    rejects('k = load-private("rsa1", "nosuch");'),
    "load-private",
    "private key nosuch not found",
    1,
  );
  assertError(
    rejects('k = load-private("rsa1", "cut.key");', files),
    "load-private",
    "eof mid-integer",
  );
  assertError(
    rejects('k = load-private("rsa1", "big.key");', files),
    "load-private",
    /longer than max 4095/,
  );
  assertError(
    rejects('k = load-private("rsa1", "d");', {}, { dirs: ["d"] }),
    "load-private",
    /failed to read private-key file/,
  );
  assert.equal(rejects('k = load-private("ed25519", "k.key");', files).silent, true);
  assert.equal(rejects('k = load-private("rsa1");').facility, "make-public");
});

Deno.test("priv-cache: reads nothing", () => {
  const { root } = evalConf('p = priv-cache { privkeys "/keys/priv."; };');
  assert.deepEqual(specAt<PrivCacheSpec>(root, "p"), {
    type: "priv-cache",
    privkeys: "/keys/priv.",
    size: 5,
    maxBytes: 4095,
  });
  assertError(
    rejects("p = priv-cache { };"),
    "privcache",
    'required parameter "privkeys" not found',
  );
  assertError(rejects("p = priv-cache(5);"), "privcache", "parameter must be a dictionary");
});

Deno.test("peer-keys files: secnet's line grammar", () => {
  const pub = (n: bigint) => `pub rsa1 ${enc(`128 65537 ${n} c`)}`;
  const load = (text: string) => {
    const env = newEnv(memoryHost({ p: text }));
    return { spec: loadPeerKeys(env, "p", "a<->b"), log: env.diagnostics.map((d) => d.message) };
  };
  const ok = load(
    `# keys\n  serial 0000000a\npkg 00000000\n${pub(TOY_KEY.n)}\npkgf 00000001\n${pub(7n)}\n`,
  );
  assert.deepEqual(ok.spec.keys.map((k) => k.n), [TOY_KEY.n]); // fallback skipped
  assert.ok(ok.log.includes("p:6: fallback not needed"));
  const unk = load(`frobnicate 1 2\npub ed25519 abc\n${pub(TOY_KEY.n)}\n`);
  assert.equal(unk.spec.keys.length, 1);
  assert.ok(unk.log.includes("p:1: unknown directive"));
  assert.deepEqual(load(`serial 1\n${pub(TOY_KEY.n)}\n`).spec.keys, []);
  assert.ok(load(`serial 00000001\nserial 00000002\n`).log.includes("p:2: `serial' repeated"));
  assert.ok(load(pub(TOY_KEY.n)).log.includes("p:1: syntax error - unexpected eof"));
  assert.ok(load("# nothing\n").log.includes("no useable keys in p"));
  const missing = loadPeerKeys(newEnv(memoryHost({})), "q", "a<->b");
  assert.deepEqual(missing.keys, []);
});
