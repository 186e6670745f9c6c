/**
 * The data-plane Worker's default engine module: a TincEngine on the best crypto backend
 * available (libcrypto through FFI, else Deno's built-in crypto; `TINCTURE_CRYPTO=builtin`
 * forces the latter).
 *
 * @module
 */
import { TincEngine } from "../tinc/engine.ts";
import type { EngineConfig } from "../tinc/config.ts";
import { type BackendName, createCrypto } from "../crypto/mod.ts";
import type { EngineDepsLite, EngineHandle } from "./data_plane_worker.ts";

export function createEngine(config: unknown, deps: EngineDepsLite): EngineHandle {
  const prefer = Deno.env.get("TINCTURE_CRYPTO") === "builtin" ? "builtin" : "openssl";
  const crypto = createCrypto(prefer as BackendName, (why) => {
    deps.log.log("warning", "status", `libcrypto unavailable, using built-in crypto: ${why}`);
  });
  deps.log.log("info", "status", `Crypto backend: ${crypto.name}`);
  return new TincEngine(config as EngineConfig, { ...deps, crypto });
}
