/**
 * TincEngine: the tinc 1.0.36 protocol 17 engine, synchronous and pure. The driver feeds it
 * bytes and `now` (ms); it answers through EngineOutput. It owns all state (no globals), so
 * many engines can run in one process.
 *
 * @module
 */
import type { ConnId, EngineOutput, Logger, SockAddr } from "./types.ts";
import type { EngineConfig } from "./config.ts";
import type { CryptoBackend } from "../crypto/types.ts";

export interface EngineDeps {
  readonly crypto: CryptoBackend;
  readonly out: EngineOutput;
  readonly log: Logger;
  /** The time the engine is created (ms, monotonic). */
  readonly now: number;
}

/** A snapshot for dumps (tinc's USR2 dump) and tests. */
export interface EngineState {
  readonly name: string;
  readonly nodes: readonly {
    name: string;
    reachable: boolean;
    nexthop: string | null;
    via: string | null;
    distance: number;
    options: number;
    address: string | null;
    validKey: boolean;
  }[];
  readonly edges: readonly {
    from: string;
    to: string;
    address: string;
    port: string;
    options: number;
    weight: number;
  }[];
  readonly subnets: readonly { owner: string; subnet: string }[];
  readonly connections: readonly {
    id: ConnId;
    name: string;
    address: string | null;
    outgoing: boolean;
    active: boolean;
    options: number;
  }[];
}

export class TincEngine {
  constructor(readonly config: EngineConfig, private readonly deps: EngineDeps) {}

  /** Starts listening (logically) and makes the ConnectTo connections. */
  start(_now: number): void {}
  /** The driver accepted a TCP connection on our port (ConnId >= 1_000_000). */
  onAccept(_conn: ConnId, _from: SockAddr, _now: number): void {}
  /** An outgoing connection we asked for with `connect` is established. */
  onConnected(_conn: ConnId, _now: number): void {}
  /** An outgoing connection could not be established. */
  onConnectFailed(_conn: ConnId, _now: number): void {}
  /** Bytes arrived on a meta connection. */
  onMetaData(_conn: ConnId, _bytes: Uint8Array, _now: number): void {}
  /** The peer closed the meta connection (or the socket failed). */
  onMetaClosed(_conn: ConnId, _now: number): void {}
  /** A UDP datagram arrived on our port: `buf[off, off+len)`. */
  onUdp(_buf: Uint8Array, _off: number, _len: number, _from: SockAddr, _now: number): void {}
  /** A frame from the local device, with FRAME_HEADROOM free bytes before `off`. */
  onTun(_buf: Uint8Array, _off: number, _len: number, _now: number): void {}
  /** Runs due timers. */
  onTick(_now: number): void {}
  /** When onTick should next be called (ms, absolute). */
  nextTimeout(): number {
    return Infinity;
  }
  dump(): EngineState {
    return { name: this.config.name, nodes: [], edges: [], subnets: [], connections: [] };
  }
  /** Closes everything (tinc-down). */
  stop(_now: number): void {}
}
