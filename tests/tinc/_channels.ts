// Test helpers for the UDP data path: the real crypto backends and keyed channel pairs.
import assert from "node:assert/strict";
import {
  ALGORITHMS,
  DataChannel,
  installOutKey,
  keyLength,
  type KeyParams,
  setInKey,
} from "../../lib/tinc/data_channel.ts";
import { BuiltinBackend, type CryptoBackend, OpensslBackend } from "../../lib/crypto/mod.ts";

/** Both real backends, openssl first where libcrypto loads (else `onMissing` hears why). */
export function backends(onMissing?: (e: unknown) => void): CryptoBackend[] {
  const list: CryptoBackend[] = [new BuiltinBackend()];
  try {
    list.unshift(new OpensslBackend());
  } catch (e) {
    onMissing?.(e);
  }
  return list;
}

/**
 * Two channels keyed with the same material (random unless given): `tx` encodes with it as
 * the outgoing key, `rx` decodes with it as the incoming key.
 */
export function keyedPair(
  backend: CryptoBackend,
  params: KeyParams,
  material = randomMaterial(backend, params),
): { rx: DataChannel; tx: DataChannel } {
  const rx = new DataChannel(16);
  setInKey(rx, backend, params, material);
  const tx = new DataChannel(16);
  const err = installOutKey(
    tx,
    backend,
    ALGORITHMS,
    material,
    params.cipher?.nid ?? 0,
    params.digest?.nid ?? 0,
    params.macLength,
    params.compression,
  );
  assert.equal(err, null);
  return { rx, tx };
}

function randomMaterial(backend: CryptoBackend, params: KeyParams): Uint8Array {
  const material = new Uint8Array(keyLength(params.cipher));
  backend.randomBytes(material);
  return material;
}
