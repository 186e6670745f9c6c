/**
 * An engine module for the data-plane Worker in tests (`engineModule`): it echoes UDP
 * datagrams and meta bytes, counts calls, ticks on a configurable timer and supports reload,
 * so the Worker's plumbing can be tested without the tinc engine.
 *
 * @module
 */
import type { EngineDepsLite, EngineHandle } from "../../lib/runtime/data_plane_worker.ts";
import type { ConnId, SockAddr } from "../../lib/tinc/types.ts";

export interface FakeConfig {
  readonly name: string;
  /** ms between ticks (0: never). */
  readonly tickEvery?: number;
  /** Throw from createEngine (start-up failure path). */
  readonly fail?: boolean;
}

export function createEngine(config: unknown, deps: EngineDepsLite): EngineHandle {
  let cfg = config as FakeConfig;
  if (cfg.fail) throw new Error("fake engine refuses to start");
  const counts = { udp: 0, tun: 0, meta: 0, accepts: 0, ticks: 0, reloads: 0, started: 0 };
  let next = cfg.tickEvery ? deps.now + cfg.tickEvery : Infinity;
  return {
    start() {
      counts.started++;
      deps.log.log("notice", "status", `fake engine ${cfg.name} started`);
    },
    stop() {
      deps.log.log("notice", "status", `fake engine ${cfg.name} stopped`);
    },
    dump: () => ({ name: cfg.name, counts: { ...counts } }),
    reload(c: unknown) {
      cfg = c as FakeConfig;
      counts.reloads++;
      deps.log.log("notice", "status", `fake engine reloaded as ${cfg.name}`);
    },
    onAccept: (_c: ConnId, _from: SockAddr) => void counts.accepts++,
    onConnected: () => {},
    onConnectFailed: () => {},
    onMetaData(conn: ConnId, bytes: Uint8Array) {
      counts.meta++;
      deps.out.sendMeta(conn, bytes);
    },
    onMetaClosed: () => {},
    onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr) {
      counts.udp++;
      deps.out.sendUdp(from, buf, off, len);
    },
    onTun: () => void counts.tun++,
    onTick(now: number) {
      counts.ticks++;
      next = cfg.tickEvery ? now + cfg.tickEvery : Infinity;
    },
    nextTimeout: () => next,
  };
}
