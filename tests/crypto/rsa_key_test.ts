import assert from "node:assert/strict";
import { createPrivateKey, createPublicKey, generateKeyPairSync } from "node:crypto";
import {
  base64Decode,
  base64Encode,
  checkRsaPrivateKey,
  findHostsFilePublicKey,
  findPemBlocks,
  formatRsaPublicKeyPem,
  formatSsh1PrivateKey,
  parseRsaPrivateKeyPem,
  parseRsaPublicKeyPem,
  parseSsh1PrivateKey,
  publicKeyOf,
  RsaKeyError,
  rsaPrivateKey,
  rsaPublicKeyFromHex,
} from "../../lib/crypto/rsa_key.ts";
import type { RsaPrivateKey } from "../../lib/crypto/types.ts";
import { b64uToBig, rsaKeyFromJwk } from "./_jwk.ts";

const dir = new URL("./testdata/", import.meta.url);
const text = (f: string) => Deno.readTextFileSync(new URL(f, dir));
const bytes = (f: string) => Deno.readFileSync(new URL(f, dir));

/** The key as node:crypto (an independent parser) sees it. */
function jwkOf(pem: string): RsaPrivateKey {
  return rsaKeyFromJwk(createPrivateKey(pem).export({ format: "jwk" }));
}

function assertKeyEquals(k: RsaPrivateKey, want: RsaPrivateKey) {
  for (const f of ["n", "e", "d", "p", "q", "dp", "dq", "qinv"] as const) {
    assert.equal(k[f], want[f], f);
  }
}

function assertRsaKeyError(fn: () => unknown, kind: RsaKeyError["kind"]) {
  assert.throws(fn, (e: unknown) => e instanceof RsaKeyError && e.kind === kind);
}

Deno.test("PKCS#1 and PKCS#8 private keys from openssl genrsa match node:crypto's parse", () => {
  const pkcs8 = text("pkcs8_2048.pem");
  const want = jwkOf(pkcs8);
  const k8 = parseRsaPrivateKeyPem(pkcs8);
  assertKeyEquals(k8, want);
  assert.equal(k8.size, 256);
  const k1 = parseRsaPrivateKeyPem(text("pkcs1_2048.pem"));
  assertKeyEquals(k1, want);
  assert.equal(checkRsaPrivateKey(k1), null);
});

Deno.test("SPKI and PKCS#1 public keys parse to the same n, e", () => {
  const want = jwkOf(text("pkcs8_2048.pem"));
  for (const f of ["spki_2048.pem", "pkcs1pub_2048.pem"]) {
    const k = parseRsaPublicKeyPem(text(f));
    assert.equal(k.n, want.n, f);
    assert.equal(k.e, want.e, f);
    assert.equal(k.size, 256, f);
  }
});

Deno.test("formatRsaPublicKeyPem reproduces openssl -RSAPublicKey_out byte for byte", () => {
  const k = parseRsaPrivateKeyPem(text("pkcs1_2048.pem"));
  assert.equal(formatRsaPublicKeyPem(publicKeyOf(k)), text("pkcs1pub_2048.pem"));
});

Deno.test("round trip through node:crypto for fresh keys of odd sizes", () => {
  for (const bits of [512, 1000, 1024]) {
    const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: bits });
    const pkcs1 = privateKey.export({ type: "pkcs1", format: "pem" }) as string;
    const pkcs8 = privateKey.export({ type: "pkcs8", format: "pem" }) as string;
    const want = jwkOf(pkcs1);
    assertKeyEquals(parseRsaPrivateKeyPem(pkcs1), want);
    assertKeyEquals(parseRsaPrivateKeyPem(pkcs8), want);
    const pub = parseRsaPublicKeyPem(publicKey.export({ type: "spki", format: "pem" }) as string);
    assert.equal(pub.size, Math.ceil(bits / 8));
    // Our PKCS#1 public PEM must be accepted by node and mean the same key.
    const ours = formatRsaPublicKeyPem(pub);
    const back = createPublicKey(ours).export({ format: "jwk" });
    assert.equal(b64uToBig(back.n!), want.n);
    assert.equal(b64uToBig(back.e!), want.e);
  }
});

Deno.test("tinc hosts file written by tincd -K: key found among config lines", () => {
  const hosts = text("tinc_hosts_alpha");
  const pub = findHostsFilePublicKey(hosts)!;
  const priv = parseRsaPrivateKeyPem(text("tinc_rsa_key.priv"));
  assert.equal(pub.n, priv.n);
  assert.equal(pub.e, 65537n);
  assert.equal(pub.size, 128);
  assert.equal(findHostsFilePublicKey("Address = 1.2.3.4\nSubnet = 10.0.0.0/8\n"), null);
});

Deno.test("hosts file: RSA PUBLIC KEY preferred over PUBLIC KEY, OLD blocks ignored", () => {
  const spki = text("spki_2048.pem");
  const tincPub = text("tinc_hosts_alpha").split("\n").slice(3).join("\n");
  const old = tincPub.replace(/BEGIN RSA/, "BEGIN OLD RSA").replace(/END RSA/, "END OLD RSA");
  const k = findHostsFilePublicKey(`Port = 655\n${spki}\n${tincPub}`)!;
  assert.equal(k.size, 128);
  const k2 = findHostsFilePublicKey(`Port = 655\n${old}\n${spki}`)!;
  assert.equal(k2.size, 256);
  assert.equal(findHostsFilePublicKey(old), null);
});

Deno.test("CRLF line endings and surrounding whitespace are accepted", () => {
  const crlf = text("pkcs1_2048.pem").replace(/\n/g, "\r\n");
  assert.equal(parseRsaPrivateKeyPem(crlf).size, 256);
});

Deno.test("bad input gives typed errors, never anything else", () => {
  const good = text("pkcs1_2048.pem");
  assertRsaKeyError(() => parseRsaPrivateKeyPem("nothing here"), "no-key");
  assertRsaKeyError(() => parseRsaPublicKeyPem(good), "no-key");
  assertRsaKeyError(() => parseRsaPrivateKeyPem(good.replace(/-----END.*\n/, "")), "pem");
  assertRsaKeyError(() => parseRsaPrivateKeyPem(good.replace(/\n[A-Za-z0-9]/, "\n!")), "pem");
  const lines = good.split("\n");
  const truncated = [lines[0], ...lines.slice(1, 5), lines.at(-2), ""].join("\n");
  assertRsaKeyError(() => parseRsaPrivateKeyPem(truncated), "der");
  const encrypted = good.replace(
    "-----\n",
    "-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\n",
  );
  assertRsaKeyError(() => parseRsaPrivateKeyPem(encrypted), "encrypted");
  assertRsaKeyError(
    () =>
      parseRsaPrivateKeyPem(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\nAAAA\n-----END ENCRYPTED PRIVATE KEY-----\n",
      ),
    "encrypted",
  );
  const ec = generateKeyPairSync("ec", { namedCurve: "prime256v1" });
  assertRsaKeyError(
    () => parseRsaPublicKeyPem(ec.publicKey.export({ type: "spki", format: "pem" }) as string),
    "unsupported",
  );
  assertRsaKeyError(
    () => parseRsaPrivateKeyPem(ec.privateKey.export({ type: "pkcs8", format: "pem" }) as string),
    "unsupported",
  );
});

Deno.test("random corruption of DER never throws anything but RsaKeyError", () => {
  const der = findPemBlocks(text("pkcs1_2048.pem"))[0]!.der;
  let seed = 12345;
  const rnd = () => (seed = (seed * 1103515245 + 12345) & 0x7fffffff);
  for (let i = 0; i < 2000; i++) {
    const b = der.slice(0, rnd() % (der.length + 1));
    for (let j = rnd() % 4; j > 0 && b.length > 0; j--) b[rnd() % b.length] = rnd() & 255;
    const pem = `-----BEGIN RSA PRIVATE KEY-----\n${
      base64Encode(b)
    }\n-----END RSA PRIVATE KEY-----\n`;
    try {
      parseRsaPrivateKeyPem(pem);
    } catch (e) {
      assert.ok(e instanceof RsaKeyError, String(e));
    }
  }
});

Deno.test("base64 encode/decode round trip on every length 0..70", () => {
  for (let n = 0; n < 70; n++) {
    const b = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n) & 255);
    const s = base64Encode(b);
    assert.equal(s, btoa(String.fromCharCode(...b)));
    assert.deepEqual(base64Decode(s), b);
  }
});

Deno.test("SSH-1 keys used by secnet parse and pass secnet's checks", () => {
  for (const [f, bits] of [["ssh1_1024.key", 1024], ["ssh1_2048.key", 2048]] as const) {
    const k = parseSsh1PrivateKey(bytes(f));
    assert.equal(k.size, bits / 8, f);
    assert.equal(checkRsaPrivateKey(k), null, f);
    // d really inverts e: m^(ed) = m.
    const m = 0x1234567890abcdefn;
    const c = modPow(m, k.e, k.n);
    assert.equal(modPow(c, k.d, k.n), m);
  }
});

Deno.test("SSH-1 errors: bad magic, encrypted, truncated, invalid", () => {
  assertRsaKeyError(() => parseSsh1PrivateKey(bytes("ssh1_bad_magic.key")), "ssh1");
  assertRsaKeyError(() => parseSsh1PrivateKey(bytes("ssh1_encrypted.key")), "encrypted");
  assertRsaKeyError(() => parseSsh1PrivateKey(bytes("ssh1_truncated.key")), "ssh1");
  const inv = parseSsh1PrivateKey(bytes("ssh1_invalid.key"));
  assert.equal(checkRsaPrivateKey(inv), "p*q != n");
  const full = bytes("ssh1_1024.key");
  for (let len = 0; len < full.length; len += 7) {
    try {
      parseSsh1PrivateKey(full.subarray(0, len));
    } catch (e) {
      assert.ok(e instanceof RsaKeyError);
    }
  }
});

Deno.test("SSH-1 format/parse round trip; rsaPrivateKey computes CRT values", () => {
  const k = parseRsaPrivateKeyPem(text("pkcs1_2048.pem"));
  const back = parseSsh1PrivateKey(formatSsh1PrivateKey(k, "test@tincture"));
  assert.equal(back.comment, "test@tincture");
  assertKeyEquals(back, k);
  assertKeyEquals(rsaPrivateKey(k.n, k.e, k.d, k.p, k.q), k);
});

Deno.test("obsolete PublicKey = hex forces e = 0xFFFF", () => {
  const k = rsaPublicKeyFromHex("C8F271F2867CAD27");
  assert.equal(k.e, 0xffffn);
  assert.equal(k.n, 0xC8F271F2867CAD27n);
  assert.equal(k.size, 8);
  assertRsaKeyError(() => rsaPublicKeyFromHex("xyz"), "invalid");
});

function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    b = (b * b) % m;
    e >>= 1n;
  }
  return r;
}
