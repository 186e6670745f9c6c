/**
 * Per-node packet-key state (tinc's node_t in/out key fields) and the ANS_KEY rules.
 *
 * Direction: each node picks the key for its own incoming traffic. `DataChannel.inKey` is the
 * key we generated and sent to that node in ANS_KEY (we decrypt its packets with it);
 * `outKey` is the key it sent us (we encrypt toward it with that).
 *
 * API:
 * - `new DataChannel(replayWindowBytes, initialMtu)`: one per remote node (Node.channel).
 * - `generateInKey(ch, backend, params)`: fresh random key‖iv for traffic from the node
 *   (send_ans_key); resets the replay state; returns the ANS_KEY fields (uppercase hex, NIDs,
 *   MAC length, compression).
 * - `installOutKey(ch, backend, algorithms, material, cipherNid, digestNid, macLength, compression)`:
 *   validates like ans_key_h and installs the node's key (sent seqno back to 0). Returns null on
 *   success, or the reason it was refused (the key then stays invalid; not a connection error).
 * - `setInKey(ch, backend, params, material)`: the same with given material (tests, vectors).
 * - `resolveParams(algorithms, transform)`: config names → KeyParams (or an error string).
 * - `dropInKey(ch)` (KeyExpire: forget all incoming keys), `dropOutKey(ch)`.
 *
 * @module
 */
import type { CipherInfo, CryptoBackend, DigestInfo, Mac, PacketCipher } from "../crypto/types.ts";
import type { PacketTransform } from "./config.ts";
import { cipherByName, cipherByNid, digestByName, digestByNid } from "../crypto/algorithms.ts";
import { validCompressionLevel } from "./compress.ts";
import { PmtuState } from "./pmtu.ts";
import { ReplayWindow } from "./replay.ts";

/** NID and name tables (lib/crypto/algorithms.ts provides one). */
export interface AlgorithmTable {
  cipherByNid(nid: number): CipherInfo | null;
  digestByNid(nid: number): DigestInfo | null;
  cipherByName(name: string): CipherInfo | null;
  digestByName(name: string): DigestInfo | null;
}

/** The project's tables (lib/crypto/algorithms.ts). */
export const ALGORITHMS: AlgorithmTable = {
  cipherByNid: (nid) => cipherByNid(nid) ?? null,
  digestByNid: (nid) => digestByNid(nid) ?? null,
  cipherByName: (name) => cipherByName(name) ?? null,
  digestByName: (name) => digestByName(name) ?? null,
};

/** What a packet key is: cipher/digest null mean "none" (NID 0). */
export interface KeyParams {
  readonly cipher: CipherInfo | null;
  readonly digest: DigestInfo | null;
  readonly macLength: number;
  readonly compression: number;
}

/** Our key for traffic from a node. */
export interface InKey {
  readonly params: KeyParams;
  /** key‖iv (1 random byte with cipher none): also the HMAC key. */
  readonly material: Uint8Array;
  readonly cipher: PacketCipher | null;
  readonly mac: Mac | null;
  readonly replay: ReplayWindow;
}

/** The node's key for our traffic to it. */
export interface OutKey {
  readonly params: KeyParams;
  readonly material: Uint8Array;
  readonly cipher: PacketCipher | null;
  readonly mac: Mac | null;
  /** Last seqno sent; the first packet under a key is 1. */
  sentSeqno: number;
}

export interface AnsKeyFields {
  /** key‖iv as generated (ANS_KEY carries it as uppercase hex). */
  readonly material: Uint8Array;
  readonly keyHex: string;
  readonly cipherNid: number;
  readonly digestNid: number;
  readonly macLength: number;
  readonly compression: number;
}

export class DataChannel {
  inKey: InKey | null = null;
  outKey: OutKey | null = null;
  readonly pmtu: PmtuState;
  /** Replay window bytes for keys made from now on. */
  replayBytes: number;

  constructor(replayBytes = 16, initialMtu?: number) {
    this.replayBytes = replayBytes;
    this.pmtu = new PmtuState(initialMtu);
  }
}

const HEX = "0123456789ABCDEF";

export function toHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}

/** hex2bin of the first 2*floor(len/2) characters; null on a non-hex digit. */
export function fromHex(s: string): Uint8Array | null {
  const n = s.length >> 1;
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) {
    const h = parseInt(s.substr(2 * i, 2), 16);
    if (!/^[0-9a-fA-F]{2}$/.test(s.substr(2 * i, 2))) return null;
    out[i] = h;
  }
  return out;
}

/** Key material length: key‖iv, or 1 random byte (the HMAC key) with cipher none. */
export function keyLength(c: CipherInfo | null): number {
  return c ? c.keyLength + c.ivLength : 1;
}

function makeContexts(
  backend: CryptoBackend,
  params: KeyParams,
  material: Uint8Array,
): { cipher: PacketCipher | null; mac: Mac | null } {
  const c = params.cipher;
  const cipher = c
    ? backend.packetCipher(
      c,
      material.subarray(0, c.keyLength),
      material.subarray(c.keyLength, c.keyLength + c.ivLength),
    )
    : null;
  let mac: Mac | null = null;
  try {
    mac = params.digest && params.macLength > 0 ? backend.hmac(params.digest, material) : null;
  } catch (e) {
    cipher?.free();
    throw e;
  }
  return { cipher, mac };
}

/** Config names → KeyParams, or an error message. */
export function resolveParams(
  algorithms: AlgorithmTable,
  t: PacketTransform,
): KeyParams | string {
  const cipher = t.cipher === "none" ? null : algorithms.cipherByName(t.cipher);
  if (cipher === null && t.cipher !== "none") return `Unrecognized cipher type ${t.cipher}`;
  const digest = t.digest === "none" ? null : algorithms.digestByName(t.digest);
  if (digest === null && t.digest !== "none") return `Unrecognized digest type ${t.digest}`;
  if (digest && (t.macLength < 0 || t.macLength > digest.size)) {
    return `MAC length exceeds size of digest`;
  }
  if (!validCompressionLevel(t.compression)) return `Bogus compression level ${t.compression}`;
  return { cipher, digest, macLength: digest ? t.macLength : 0, compression: t.compression };
}

function freeKey(k: InKey | OutKey | null): void {
  k?.cipher?.free();
  k?.mac?.free();
}

/** send_ans_key(): a fresh incoming key for traffic from this node. */
export function generateInKey(
  ch: DataChannel,
  backend: CryptoBackend,
  params: KeyParams,
): AnsKeyFields {
  const material = new Uint8Array(keyLength(params.cipher));
  backend.randomBytes(material);
  setInKey(ch, backend, params, material);
  return {
    material,
    keyHex: toHex(material),
    cipherNid: params.cipher?.nid ?? 0,
    digestNid: params.digest?.nid ?? 0,
    macLength: params.macLength,
    compression: params.compression,
  };
}

/** Installs given key material as our incoming key (fresh replay window). */
export function setInKey(
  ch: DataChannel,
  backend: CryptoBackend,
  params: KeyParams,
  material: Uint8Array,
): void {
  const { cipher, mac } = makeContexts(backend, params, material);
  freeKey(ch.inKey);
  ch.inKey = { params, material, cipher, mac, replay: new ReplayWindow(ch.replayBytes) };
}

/** ans_key_h's checks and key installation; null = installed, else why not. */
export function installOutKey(
  ch: DataChannel,
  backend: CryptoBackend,
  algorithms: AlgorithmTable,
  material: Uint8Array,
  cipherNid: number,
  digestNid: number,
  macLength: number,
  compression: number,
): string | null {
  dropOutKey(ch);
  let cipher: CipherInfo | null = null;
  if (cipherNid) {
    cipher = algorithms.cipherByNid(cipherNid);
    if (!cipher || cipher.mode === "none") return `unknown cipher ${cipherNid}`;
    if (!backend.supportsCipher(cipher)) return `unsupported cipher ${cipher.name}`;
  }
  if (material.length !== keyLength(cipher)) return "wrong keylength";
  let digest: DigestInfo | null = null;
  if (digestNid) {
    digest = algorithms.digestByNid(digestNid);
    if (!digest || digest.size === 0) return `unknown digest ${digestNid}`;
    if (!Number.isInteger(macLength) || macLength > digest.size || macLength < 0) {
      return "bogus MAC length";
    }
  }
  if (!validCompressionLevel(compression)) return `bogus compression level ${compression}`;
  const params: KeyParams = { cipher, digest, macLength: digest ? macLength : 0, compression };
  let ctx;
  try {
    ctx = makeContexts(backend, params, material);
  } catch (e) {
    return `error during initialisation of key: ${e instanceof Error ? e.message : String(e)}`;
  }
  ch.outKey = {
    params,
    material: material.slice(),
    cipher: ctx.cipher,
    mac: ctx.mac,
    sentSeqno: 0,
  };
  return null;
}

export function dropInKey(ch: DataChannel): void {
  freeKey(ch.inKey);
  ch.inKey = null;
}

export function dropOutKey(ch: DataChannel): void {
  freeKey(ch.outKey);
  ch.outKey = null;
}
