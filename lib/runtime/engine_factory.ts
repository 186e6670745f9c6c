/**
 * The data-plane Worker's default engine module: a TincEngine on the best crypto backend
 * available (libcrypto through FFI, else Deno's built-in crypto; `TINCTURE_CRYPTO=builtin`
 * forces the latter).
 *
 * The built-in backend is imported only when it is needed: it uses node:crypto, and the first
 * node: module an isolate loads starts Deno's Node compatibility layer (~15 ms of CPU in the
 * Worker before its first packet). So createEngine is synchronous on libcrypto, as the JIT
 * warm-up needs, and returns a promise the first time it has to load the built-in backend
 * (synchronous again afterwards).
 *
 * @module
 */
import { TincEngine } from "../tinc/engine.ts";
import type { EngineConfig } from "../tinc/config.ts";
import { OpensslBackend } from "../crypto/openssl.ts";
import type { CryptoBackend } from "../crypto/types.ts";
import type { BuiltinBackend } from "../crypto/builtin.ts";
import type { EngineDepsLite, EngineHandle } from "./data_plane_worker.ts";

let builtin: typeof BuiltinBackend | undefined;

export function createEngine(
  config: unknown,
  deps: EngineDepsLite,
): EngineHandle | Promise<EngineHandle> {
  const engine = (crypto: CryptoBackend): EngineHandle => {
    deps.log.log("info", "status", `Crypto backend: ${crypto.name}`);
    return new TincEngine(config as EngineConfig, { ...deps, crypto });
  };
  if (Deno.env.get("TINCTURE_CRYPTO") !== "builtin") {
    try {
      return engine(new OpensslBackend());
    } catch (e) {
      const why = e instanceof Error ? e.message : String(e);
      deps.log.log("warning", "status", `libcrypto unavailable, using built-in crypto: ${why}`);
    }
  }
  if (builtin) return engine(new builtin());
  return import("../crypto/builtin.ts").then((m) => {
    builtin = m.BuiltinBackend;
    return engine(new builtin());
  });
}
