/**
 * The contracts between the pure tinc engine (lib/tinc) and whoever drives it
 * (lib/runtime with real sockets, lib/net/memory.ts in tests and the in-memory demo).
 *
 * The engine is synchronous: the driver calls it with bytes and `now` (milliseconds,
 * monotonic), and the engine answers by calling the EngineOutput it was given. Nothing
 * here may touch Deno, timers or the clock.
 *
 * @module
 */

/** A meta (TCP) connection, numbered by the engine for outgoing ones and by the driver for accepted ones. */
export type ConnId = number;

/**
 * A UDP or TCP endpoint. Drivers intern these (one object per ip:port) so that the packet
 * path can look nodes up by `key` without building strings per packet.
 */
export interface SockAddr {
  readonly family: 4 | 6;
  /** Numeric address as tinc prints it: dotted quad, or IPv6 without scope. */
  readonly ip: string;
  readonly port: number;
  /** `ip:port` for IPv4, `[ip]:port` for IPv6: the identity used in maps. */
  readonly key: string;
}

/** Builds a SockAddr (allocates; drivers should intern the result). */
export function sockAddr(ip: string, port: number): SockAddr {
  const family = ip.includes(":") ? 6 : 4;
  const key = family === 6 ? `[${ip}]:${port}` : `${ip}:${port}`;
  return { family, ip, port, key };
}

/** Bytes every frame handed to the engine has free in front of `off` (seqno, headers). */
export const FRAME_HEADROOM = 64;
/** Largest Ethernet frame tinc 1.0 carries (1500 + 14 + 4 VLAN). */
export const MAX_FRAME = 1518;
/** Largest UDP datagram tinc 1.0 reads (src/net.h MAXSIZE). */
export const MAX_DATAGRAM = 1661;

/** Severities, as syslog and secnet's log classes order them. */
export type LogLevel = "error" | "warning" | "notice" | "info" | "debug";
/** Categories after tinc's debug levels (connections=1 ... packet=6). */
export type LogCategory = "connections" | "status" | "protocol" | "meta" | "traffic" | "packet";

export interface Logger {
  /** Cheap guard so callers can skip formatting: `if (log.enabled("debug", "traffic"))`. */
  enabled(level: LogLevel, category: LogCategory): boolean;
  log(level: LogLevel, category: LogCategory, message: string): void;
}

/** A Logger that drops everything. */
export const NULL_LOGGER: Logger = {
  enabled: () => false,
  log: () => {},
};

/** Things a script or an operator would want to hear about (tinc's host-up, subnet-up ...). */
export type EngineEvent =
  | { type: "host-up" | "host-down"; node: string; address: SockAddr | null }
  | { type: "subnet-up" | "subnet-down"; node: string; subnet: string; weight: number }
  | { type: "connection-up" | "connection-down"; node: string; address: SockAddr | null };

/**
 * What the engine asks of the outside world. Every call is synchronous and must not call
 * back into the engine (the driver queues if it needs to).
 */
export interface EngineOutput {
  /** Queue bytes (already encrypted when the meta cipher is on) on a meta connection. */
  sendMeta(conn: ConnId, data: Uint8Array): void;
  /**
   * Bytes handed to sendMeta on `conn` that the driver still holds unsent (tincd's
   * c->outbuflen); 0 when it keeps none or does not know the connection. Packets sent over
   * the meta connection are dropped early as this nears MaxOutputBufferSize.
   */
  metaBacklog(conn: ConnId): number;
  /**
   * Drop a meta connection. With `tarpit` the driver stops reading and answering but keeps
   * the socket open for a while, as tincd 1.0.36 does with misbehaving peers.
   */
  closeMeta(conn: ConnId, tarpit: boolean): void;
  /** Open an outgoing TCP connection; the driver answers with onConnected / onConnectFailed. */
  connect(conn: ConnId, to: SockAddr): void;
  /**
   * Send one UDP datagram from our port: `buf[off, off+len)`. Returns false only when the
   * datagram was too big for the path (EMSGSIZE): PMTU discovery lowers the MTU on that.
   * Other failures (no route, full buffers) return true: they are loss, not a PMTU signal.
   */
  sendUdp(to: SockAddr, buf: Uint8Array, off: number, len: number): boolean;
  /**
   * Deliver one Ethernet frame to the local device: `buf[off, off+len)`. In router mode the
   * driver's TUN strips the 14-byte header (the ethertype says IPv4 or IPv6).
   */
  writeTun(buf: Uint8Array, off: number, len: number): void;
  /** Reachability and subnet changes, for scripts, logs and state dumps. */
  event(e: EngineEvent): void;
}

/**
 * What a driver calls on an engine (TincEngine implements it; tests pass fakes): bytes and
 * `now` in. Outgoing ConnIds come from the engine, accepted ones from the driver.
 */
export interface EngineInputs {
  onAccept(conn: ConnId, from: SockAddr, now: number): void;
  onConnected(conn: ConnId, now: number): void;
  onConnectFailed(conn: ConnId, now: number): void;
  onMetaData(conn: ConnId, bytes: Uint8Array, now: number): void;
  onMetaClosed(conn: ConnId, now: number): void;
  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr, now: number): void;
  onTun(buf: Uint8Array, off: number, len: number, now: number): void;
  onTick(now: number): void;
  /** When the engine next needs onTick (ms, same clock as `now`). */
  nextTimeout(): number;
}
