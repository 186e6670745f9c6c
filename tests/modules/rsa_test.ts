import assert from "node:assert/strict";
import { formatSsh1PrivateKey, parseRsaPrivateKeyPem } from "../../lib/crypto/rsa_key.ts";
import type { RsaPrivateSpec, RsaPublicSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt, TOY_KEY } from "./_helpers.ts";
import { ENCRYPTED_PRIVATE, PKCS1_PRIVATE, PKCS1_PUBLIC, PKCS8_PRIVATE } from "./_pem_fixtures.ts";

const files = {
  "k.key": formatSsh1PrivateKey(TOY_KEY, "toy"),
  "bad.key": formatSsh1PrivateKey({ ...TOY_KEY, qinv: TOY_KEY.qinv + 1n }, "toy"),
  "cut.key": formatSsh1PrivateKey(TOY_KEY, "toy").slice(0, 40),
  "empty.key": new Uint8Array(0),
  "tinc.priv": PKCS1_PRIVATE,
  "p8.priv": PKCS8_PRIVATE,
  "enc.priv": ENCRYPTED_PRIVATE,
  "hosts/beta": "Address = 192.0.2.2\nPort = 655\n\n" + PKCS1_PUBLIC,
  "hosts/none": "Address = 192.0.2.2\n",
};

Deno.test("rsa-private: SSH-1 key read and checked; hash from the context", () => {
  const { root } = evalConf(
    'k = rsa-private("k.key"); d = { hash md5; k = rsa-private("k.key"); };',
    files,
  );
  const s = specAt<RsaPrivateSpec>(root, "k");
  assert.equal(s.format, "ssh1");
  assert.equal(s.key.n, TOY_KEY.n);
  assert.equal(s.key.d, TOY_KEY.d);
  assert.equal(s.key.qinv, TOY_KEY.qinv);
  assert.equal(s.key.dp, TOY_KEY.dp);
  assert.equal(s.hash, "sha1");
  const inner = root.lookup("d")![0]!;
  assert.equal(inner.type, "dict");
  if (inner.type === "dict") {
    assert.equal((inner.value.lookup("k")![0]!.value as { spec: RsaPrivateSpec }).spec.hash, "md5");
  }
});

Deno.test("rsa-private: errors, -j tolerance of a missing file", () => {
  assertError(
    rejects('k = rsa-private("bad.key");', files),
    "rsa-private",
    "file does not contain a valid RSA key!",
    1,
  );
  evalConf('k = rsa-private("bad.key", false);', files);
  assertError(rejects('k = rsa-private("bad.key", 0);', files), "rsa-private", /valid RSA key/);
  const cut = rejects('k = rsa-private("cut.key");', files);
  assert.equal(cut.exitCode, 2);
  assert.equal(cut.message, "unexpected end of config file (t.conf)");
  const empty = rejects('k = rsa-private("empty.key");', files);
  assert.equal(empty.exitCode, 8);
  assert.match(
    empty.message,
    /^unexpected end of config file \(rsa-private, t\.conf\)failed to read magic/,
  );
  assertError(rejects("k = rsa-private(5);"), "rsa-private", "first argument must be a string");
  assert.equal(rejects("k = rsa-private();").exitCode, 139);
  assertError(
    rejects('hash 1; k = rsa-private("k.key");', files),
    "site",
    '"hash" must be a closure',
  );
  assertError(
    rejects('k = rsa-private("d");', {}, { dirs: ["d"] }),
    "rsa-private",
    /Is a directory/,
  );
  const { root, diagnostics } = evalConf('k = rsa-private("nosuch.key");');
  assert.equal(root.lookup("k"), undefined);
  assert.match(
    diagnostics[0]!.message,
    /^cannot open keyfile "nosuch.key" \(No such file or directory\); assuming it's valid/,
  );
  const notJ = (() => {
    try {
      evalConf('k = rsa-private("nosuch.key");', {}, { justCheck: false });
    } catch (e) {
      return e as Error;
    }
  })();
  assert.match(notJ!.message, /cannot open file "nosuch.key"/);
});

Deno.test("rsa-private reads tinc's PEM keys (extension)", () => {
  const { root } = evalConf('k = rsa-private("tinc.priv"); j = rsa-private("p8.priv");', files);
  const k = specAt<RsaPrivateSpec>(root, "k");
  assert.equal(k.format, "pem");
  assert.equal(k.key.n, parseRsaPrivateKeyPem(PKCS1_PRIVATE).n);
  assert.equal(specAt<RsaPrivateSpec>(root, "j").format, "pem");
  assertError(
    rejects('k = rsa-private("enc.priv");', files),
    "rsa-private",
    "we don't support encrypted keyfiles",
  );
});

Deno.test("rsa-public: decimal strings; errors as 0.6.7 reports them", () => {
  const { root } = evalConf(`k = rsa-public("65537", "${TOY_KEY.n}");`);
  const s = specAt<RsaPublicSpec>(root, "k");
  assert.equal(s.key.n, TOY_KEY.n);
  assert.equal(s.key.e, 65537n);
  assert.equal(s.key.size, 16);
  assertError(
    rejects('k = rsa-public("65537");'),
    "rsa-public",
    "you must provide an encryption key",
  );
  assertError(
    rejects('k = rsa-public(65537, "1");'),
    "rsa-public",
    "first argument must be a string",
  );
  assertError(rejects('k = rsa-public("1", 3);'), "rsa-public", "first argument must be a string");
  const nd = rejects('k = rsa-public("1",\n"12x");');
  assertError(nd, "rsa-public", 'modulus "12x" is not a decimal number string', 2);
  assert.equal(nd.silent, true);
});

Deno.test("tinc-public-key reads the PEM block of a hosts file (extension)", () => {
  const { root } = evalConf('k = tinc-public-key("hosts/beta");', files);
  const s = specAt<RsaPublicSpec>(root, "k");
  assert.equal(s.source, "tinc-public-key");
  assert.equal(s.key.n, parseRsaPrivateKeyPem(PKCS1_PRIVATE).n);
  assertError(
    rejects('k = tinc-public-key("hosts/none");', files),
    "tinc-public-key",
    /no RSA PUBLIC KEY/,
  );
  assertError(rejects('k = tinc-public-key("hosts/x");', files), "tinc-public-key", /cannot open/);
});
