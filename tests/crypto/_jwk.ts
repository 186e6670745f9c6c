// Test helper: RSA keys as node:crypto (an independent parser and generator) exports them.
import type { RsaPrivateKey } from "../../lib/crypto/types.ts";

export function b64uToBig(s: string): bigint {
  const b = Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/")), (c) => c.charCodeAt(0));
  return BigInt("0x" + Array.from(b, (x) => x.toString(16).padStart(2, "0")).join(""));
}

type Jwk = { [F in "n" | "e" | "d" | "p" | "q" | "dp" | "dq" | "qi"]?: string };

/** A private key from node:crypto's JWK export. */
export function rsaKeyFromJwk(j: Jwk): RsaPrivateKey {
  const n = b64uToBig(j.n!);
  return {
    n,
    e: b64uToBig(j.e!),
    d: b64uToBig(j.d!),
    p: b64uToBig(j.p!),
    q: b64uToBig(j.q!),
    dp: b64uToBig(j.dp!),
    dq: b64uToBig(j.dq!),
    qinv: b64uToBig(j.qi!),
    size: Math.ceil(n.toString(16).length / 2),
  };
}
