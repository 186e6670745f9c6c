/**
 * The crypto layer's entry point: `createCrypto()` returns the libcrypto backend when
 * libcrypto.so.3 loads (and FFI is permitted), else the node:crypto + BigInt one.
 *
 * @module
 */

import { BuiltinBackend } from "./builtin.ts";
import { OpensslBackend } from "./openssl.ts";
import type { CryptoBackend } from "./types.ts";

export type BackendName = "openssl" | "builtin";

/**
 * `prefer = "builtin"` always gives the builtin backend; `"openssl"` (the default) falls back
 * to builtin when libcrypto cannot be loaded. `onFallback` hears why.
 */
export function createCrypto(
  prefer: BackendName = "openssl",
  onFallback?: (reason: string) => void,
): CryptoBackend {
  if (prefer === "builtin") return new BuiltinBackend();
  try {
    return new OpensslBackend();
  } catch (e) {
    onFallback?.(e instanceof Error ? e.message : String(e));
    return new BuiltinBackend();
  }
}

export * from "./algorithms.ts";
export * from "./types.ts";
export { BuiltinBackend } from "./builtin.ts";
export { OpensslBackend } from "./openssl.ts";
export { CryptoError } from "./common.ts";
