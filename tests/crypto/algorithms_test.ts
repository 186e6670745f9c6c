import assert from "node:assert/strict";
import { cstr, libcrypto, readCString } from "../../ffi/libcrypto.ts";
import {
  CIPHER_NONE,
  cipherByName,
  cipherByNid,
  cipherOverhead,
  CIPHERS,
  digestByName,
  digestByNid,
  DIGESTS,
  isStreamMode,
  keyMaterialLength,
  metaCipherFor,
  NID_EAX_SERPENT,
  NID_SERPENT_256_CBC,
} from "../../lib/crypto/algorithms.ts";

Deno.test("NIDs and lengths agree with this machine's libcrypto (OBJ_txt2nid, EVP_*)", () => {
  const { sym } = libcrypto();
  for (const c of CIPHERS) {
    if (c.nid === 0 || c.name.includes("serpent")) continue;
    assert.equal(sym.OBJ_txt2nid(cstr(c.name)), c.nid, c.name);
    assert.equal(readCString(sym.OBJ_nid2sn(c.nid))?.toLowerCase(), c.name, c.name);
    const p = sym.EVP_CIPHER_fetch(null, cstr(c.name), null);
    assert.notEqual(p, null, c.name);
    assert.equal(sym.EVP_CIPHER_get_nid(p), c.nid);
    assert.equal(sym.EVP_CIPHER_get_key_length(p), c.keyLength, c.name);
    assert.equal(sym.EVP_CIPHER_get_iv_length(p), c.ivLength, c.name);
    assert.equal(sym.EVP_CIPHER_get_block_size(p), c.blockSize, c.name);
    sym.EVP_CIPHER_free(p);
  }
  for (const d of DIGESTS) {
    if (d.nid === 0) continue;
    assert.equal(sym.OBJ_txt2nid(cstr(d.name)), d.nid, d.name);
    const p = sym.EVP_MD_fetch(null, cstr(d.name), null);
    assert.equal(sym.EVP_MD_get_type(p), d.nid);
    assert.equal(sym.EVP_MD_get_size(p), d.size);
    sym.EVP_MD_free(p);
  }
  // The private NIDs are unknown to OpenSSL.
  assert.equal(sym.OBJ_nid2sn(NID_SERPENT_256_CBC), null);
  assert.equal(sym.OBJ_nid2sn(NID_EAX_SERPENT), null);
});

Deno.test("the NIDs the tinc protocol doc names", () => {
  const want: Record<string, number> = {
    "none": 0,
    "aes-128-cbc": 419,
    "aes-192-cbc": 423,
    "aes-256-cbc": 427,
    "aes-128-cfb": 421,
    "aes-192-cfb": 425,
    "aes-256-cfb": 429,
    "aes-256-ofb": 428,
    "aes-256-ctr": 906,
    "bf-cbc": 91,
    "bf-ofb": 94,
  };
  for (const [n, nid] of Object.entries(want)) {
    assert.equal(cipherByName(n)?.nid, nid, n);
    assert.equal(cipherByNid(nid)?.name, n);
  }
  for (const [n, nid] of Object.entries({ none: 0, md5: 4, sha1: 64, sha256: 672, sha512: 674 })) {
    assert.equal(digestByName(n)?.nid, nid);
    assert.equal(digestByNid(nid)?.name, n);
  }
});

Deno.test("names are unique, aliases and case work, unknowns are undefined", () => {
  assert.equal(new Set(CIPHERS.map((c) => c.nid)).size, CIPHERS.length);
  assert.equal(new Set(CIPHERS.map((c) => c.name)).size, CIPHERS.length);
  assert.equal(cipherByName("blowfish")?.name, "bf-cbc");
  assert.equal(cipherByName("AES-256-CBC")?.nid, 427);
  assert.equal(cipherByName("aes256")?.name, "aes-256-cbc");
  assert.equal(cipherByName("serpent256-cbc")?.nid, NID_SERPENT_256_CBC);
  assert.equal(digestByName("SHA256")?.size, 32);
  assert.equal(cipherByName("rc4"), undefined);
  assert.equal(cipherByNid(12345), undefined);
  assert.equal(digestByNid(-1), undefined);
});

Deno.test("derived properties: stream modes, overhead, key material, meta cipher choice", () => {
  const c = (n: string) => cipherByName(n)!;
  assert.ok(isStreamMode(c("aes-256-cfb")) && isStreamMode(c("bf-ofb")));
  assert.ok(!isStreamMode(c("aes-256-cbc")) && !isStreamMode(c("eax-serpent")));
  assert.equal(cipherOverhead(c("aes-256-cbc")), 16);
  assert.equal(cipherOverhead(c("bf-cbc")), 8);
  assert.equal(cipherOverhead(c("aes-256-ctr")), 0);
  assert.equal(cipherOverhead(c("eax-serpent")), 16);
  assert.equal(keyMaterialLength(c("aes-256-cbc")), 48);
  assert.equal(keyMaterialLength(CIPHER_NONE), 1);
  assert.equal(keyMaterialLength(c("eax-serpent")), 32);
  // tinc-protocol.md §2.3: ≤16 → 421, ≤24 → 425, else 429.
  assert.equal(metaCipherFor(CIPHER_NONE).nid, 421);
  assert.equal(metaCipherFor(c("bf-cbc")).nid, 421);
  assert.equal(metaCipherFor(c("aes-192-cbc")).nid, 425);
  assert.equal(metaCipherFor(c("aes-256-cbc")).nid, 429);
});
