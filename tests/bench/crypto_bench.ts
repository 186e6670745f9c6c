/**
 * Per-packet cost of tinc's UDP data path (tinc-protocol.md §3.1): encrypt-then-MAC and
 * MAC-check-then-decrypt of a 1400-byte packet (seqno ‖ frame), per backend and cipher suite.
 * Run: deno bench -A tests/bench/crypto_bench.ts   (packets/s = 1e9 / avg ns)
 */
import { cipherByName, digestByName } from "../../lib/crypto/algorithms.ts";
import { BuiltinBackend } from "../../lib/crypto/builtin.ts";
import { OpensslBackend } from "../../lib/crypto/openssl.ts";
import type { CryptoBackend } from "../../lib/crypto/types.ts";

const PACKET = 1400;
const MAC_LENGTH = 4; // tinc's default MACLength
const HEADROOM = 64;

const suites: [string, string][] = [
  ["aes-256-cbc", "sha256"],
  ["aes-128-cbc", "sha1"],
  ["bf-cbc", "sha1"],
  ["eax-serpent", "none"],
];

const backends: CryptoBackend[] = [new OpensslBackend(), new BuiltinBackend()];

for (const backend of backends) {
  for (const [cn, dn] of suites) {
    const ci = cipherByName(cn)!, di = digestByName(dn)!;
    if (!backend.supportsCipher(ci)) continue;
    const km = new Uint8Array(ci.keyLength + ci.ivLength);
    backend.randomBytes(km);
    const cipher = backend.packetCipher(
      ci,
      km.subarray(0, ci.keyLength),
      km.subarray(ci.keyLength),
    );
    const mac = backend.hmac(di, km);
    const macLen = Math.min(MAC_LENGTH, mac.size);
    const plain = new Uint8Array(HEADROOM + PACKET + 64);
    backend.randomBytes(plain);
    const wire = new Uint8Array(HEADROOM + PACKET + 64 + 64);
    const check = new Uint8Array(64);
    const out = new Uint8Array(HEADROOM + PACKET + 64);

    const send = () => {
      const n = cipher.encrypt(plain, HEADROOM, PACKET, wire, HEADROOM);
      mac.compute(wire, HEADROOM, n, check, 0);
      for (let i = 0; i < macLen; i++) wire[HEADROOM + n + i] = check[i]!;
      return n + macLen;
    };
    const wireLen = send();
    const receive = () => {
      const n = wireLen - macLen;
      mac.compute(wire, HEADROOM, n, check, 0);
      let diff = 0;
      for (let i = 0; i < macLen; i++) diff |= check[i]! ^ wire[HEADROOM + n + i]!;
      if (diff !== 0) throw new Error("MAC mismatch");
      if (cipher.decrypt(wire, HEADROOM, n, out, HEADROOM) !== PACKET) {
        throw new Error("decrypt failed");
      }
    };
    const label = `${cn}+${dn}`;
    Deno.bench(`${backend.name} ${label} encrypt+MAC 1400B`, { group: label }, () => {
      send();
    });
    Deno.bench(`${backend.name} ${label} verify+decrypt 1400B`, { group: label }, () => {
      receive();
    });
  }
}
