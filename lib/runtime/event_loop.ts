/**
 * The synchronous poll() loop that drives a TincEngine: TUN, UDP, TCP listeners, meta
 * connections and a wake-up eventfd, all FFI descriptors, all non-blocking. It runs inside the
 * data-plane Worker (data_plane_worker.ts), where blocking in poll costs ~5 µs a wake-up
 * instead of the ~20 µs thread hop of Deno's async I/O (deno-platform.md §1).
 *
 * The loop is the engine's EngineOutput. Output calls never call back into the engine:
 * consequences (a connect that failed at once, a send that hit a reset socket) are queued and
 * delivered after the engine returns.
 *
 * Packet path: one preallocated buffer per source with FRAME_HEADROOM in front, `now` read
 * once per wake-up, drain loops with a budget so one busy source cannot starve the others,
 * interned peer addresses, no per-packet allocation. During a drain, same-size datagrams to
 * one peer leave as UDP_SEGMENT (GSO) trains, and UDP_GRO trains from peers are split again
 * on receive: one trip through the kernel's UDP/IP stack per train instead of per datagram
 * (TINCTURE_GSO=0 / TINCTURE_GRO=0 turn them off).
 *
 * Hostile peers (tincd 1.0.36 net_socket.c check_tarpit, plus bounds of our own):
 * - more than `acceptBurst` accepts a second from one host, or `acceptBurstTotal` from all
 *   hosts, are tarpitted: accepted, never read, kept in a 10-slot ring;
 * - at most `maxConnections` meta connections and `maxUnauthenticated` not yet through the
 *   handshake; beyond that new connections are tarpitted;
 * - a meta connection whose unsent output exceeds `maxMetaBacklog` is closed.
 *
 * @module
 */
import type {
  ConnId,
  EngineEvent,
  EngineInputs,
  EngineOutput,
  Logger,
  SockAddr,
} from "../tinc/types.ts";
import { FRAME_HEADROOM, MAX_DATAGRAM, MAX_FRAME } from "../tinc/types.ts";
import { addressOf, closeFd, errno, libc, SYS_PPOLL, usize } from "../../ffi/libc.ts";
import {
  EAGAIN,
  EINTR,
  POLLERR,
  POLLHUP,
  POLLIN,
  POLLNVAL,
  POLLOUT,
  SIZEOF_POLLFD,
} from "../../ffi/linux_constants.ts";
import {
  SendResult,
  type SockAddrTable,
  socketError,
  streamRecv,
  streamSend,
  tcpAccept,
  tcpConnect,
  type UdpSocket,
} from "../../ffi/socket.ts";
import type { TunDevice } from "../../ffi/tun_linux.ts";

/** The engine methods the loop calls (TincEngine satisfies it; tests pass fakes). */
export type LoopEngine = EngineInputs;

export interface LoopResources {
  readonly tun: TunDevice | null;
  readonly udp: readonly UdpSocket[];
  /** Listening TCP sockets (non-blocking). */
  readonly listeners: readonly number[];
  /** An eventfd (or pipe read end) the control thread writes to wake us. */
  readonly wakeFd: number;
  readonly addresses: SockAddrTable;
}

export interface LoopLimits {
  readonly maxConnections: number;
  readonly maxUnauthenticated: number;
  /** Accepts from one host within a second before tarpitting (tincd: > 10 → tarpit). */
  readonly acceptBurst: number;
  /** Accepts from all hosts within a second before tarpitting. */
  readonly acceptBurstTotal: number;
  readonly tarpitSlots: number;
  /** Bytes of unsent meta output before the connection is dropped. */
  readonly maxMetaBacklog: number;
  /** Packets drained from one source per wake-up before looking at the others. */
  readonly drainBudget: number;
  /** Longest poll sleep in ms (housekeeping, even with no timers). */
  readonly maxSleep: number;
  /** Gather same-size UDP datagrams to one peer into UDP_SEGMENT trains during drains. */
  readonly gso: boolean;
  /**
   * After a frame leaves the TUN at light traffic, poll without sleeping for up to this many
   * ms for the answer (0: never). See runOnce.
   */
  readonly busyPoll: number;
}

export const DEFAULT_LIMITS: LoopLimits = {
  maxConnections: 256,
  maxUnauthenticated: 64,
  acceptBurst: 10,
  acceptBurstTotal: 100,
  tarpitSlots: 10,
  maxMetaBacklog: 4 << 20,
  drainBudget: 64,
  maxSleep: 1000,
  gso: Deno.env.get("TINCTURE_GSO") !== "0",
  busyPoll: 0,
};

/** Counters for dumps, tests and benchmarks. */
export interface LoopStats {
  /** Poll rounds, the busy-poll's included. */
  wakeups: number;
  tunFrames: number;
  udpDatagrams: number;
  udpSent: number;
  udpRefused: number;
  udpDropped: number;
  /** UDP_SEGMENT trains and the datagrams they carried. */
  gsoTrains: number;
  gsoSegments: number;
  /** Busy-polls that saw I/O (the answer, usually) before their deadline, and those that did not. */
  busyPollHits: number;
  busyPollMisses: number;
  accepted: number;
  tarpitted: number;
  metaBytesIn: number;
  metaBytesOut: number;
}

/**
 * Chances skipped after a guess that missed: a TUN read-back that found nothing, or a busy-poll
 * that saw nothing before its deadline (see runOnce).
 */
const GUESS_BACKOFF = 8;

const enum ConnState {
  Connecting,
  Open,
}

interface MetaConn {
  readonly id: ConnId;
  readonly fd: number;
  state: ConnState;
  readonly peer: SockAddr | null;
  authenticated: boolean;
  /** Unsent output: chunks, the first partly sent up to `outOff`. */
  out: Uint8Array<ArrayBuffer>[];
  outOff: number;
  outBytes: number;
}

const enum Deferred {
  Connected,
  ConnectFailed,
  Closed,
}

const enum SlotKind {
  Wake,
  Tun,
  Udp,
  Listener,
  Conn,
}

/**
 * Opt-in timing (TINCTURE_LOOP_PROFILE=FILE): for each wake-up that found I/O, the time from
 * poll's return to the end of the round; every 1000 such wake-ups a line of percentiles (µs)
 * is appended to FILE. For latency work; off, it costs one branch a wake-up.
 */
const PROFILE_FILE = Deno.env.get("TINCTURE_LOOP_PROFILE") || null;
const PROFILE_ROUNDS = 1000;

/** ms without packets from a source after which its wake-up reads one packet (see #startDrain). */
const LIGHT_TRAFFIC_GAP = 1;

/** First ConnId the driver gives accepted connections (the engine numbers outgoing from 1). */
export const FIRST_ACCEPTED_CONN = 1_000_000;

export class EventLoop implements EngineOutput {
  engine: LoopEngine | null = null;
  readonly stats: LoopStats = {
    wakeups: 0,
    tunFrames: 0,
    udpDatagrams: 0,
    udpSent: 0,
    udpRefused: 0,
    udpDropped: 0,
    gsoTrains: 0,
    gsoSegments: 0,
    busyPollHits: 0,
    busyPollMisses: 0,
    accepted: 0,
    tarpitted: 0,
    metaBytesIn: 0,
    metaBytesOut: 0,
  };
  /** Called for every engine event after it is logged (scripts, dumps). */
  onEvent: ((e: EngineEvent) => void) | null = null;

  readonly #res: LoopResources;
  readonly #limits: LoopLimits;
  readonly #log: Logger;
  readonly #clock: () => number;

  readonly #conns = new Map<ConnId, MetaConn>();
  #nextAccepted = FIRST_ACCEPTED_CONN;
  #unauthenticated = 0;
  readonly #deferred: number[] = []; // pairs: kind, conn
  readonly #tarpit: number[] = [];

  // Accept throttling: leaky buckets per host (by ip) and for all hosts, 1 token a second.
  readonly #hostBurst = new Map<string, { level: number; time: number }>();
  #totalBurst = 0;
  #totalBurstTime = 0;

  // poll set, rebuilt when connections change.
  #pollBuf = new Uint8Array(0);
  #pollAddr = 0n;
  #pollFd = new Int32Array(0);
  #pollEv = new Int16Array(0);
  /** ppoll's struct timespec { i64 tv_sec; i64 tv_nsec }, as 32-bit halves (little-endian). */
  readonly #pollTs = new Int32Array(4);
  readonly #pollTsAddr = addressOf(new Uint8Array(this.#pollTs.buffer));
  #slotKind: SlotKind[] = [];
  #slotRef: (MetaConn | number | null)[] = [];
  #pollDirty = true;

  // Packet buffers: headroom in front, room for the largest frame/datagram behind.
  readonly #tunBuf = new Uint8Array(FRAME_HEADROOM + MAX_FRAME + 64);
  readonly #udpBuf = new Uint8Array(FRAME_HEADROOM + MAX_DATAGRAM + 64);
  readonly #metaBuf = new Uint8Array(65536);
  readonly #wakeBuf = new Uint8Array(8);

  #now = 0;
  /** Loop time of the last drain of the TUN and of each UDP socket (see #startDrain). */
  #tunLastDrain = -Infinity;
  readonly #udpLastDrain: Float64Array;
  #inEngine = false;
  /** TINCTURE_LOOP_PROFILE: busy times of the wake-ups since the last line (µs). */
  readonly #busy = PROFILE_FILE === null ? null : new Float64Array(PROFILE_ROUNDS);
  #busyCount = 0;
  /** Accepting failed (EMFILE): listeners are left out of poll until then. */
  #listenersPausedUntil = 0;
  /** A frame went to the TUN since it was last drained (see runOnce). */
  #tunWritten = false;
  /** Chances to read the TUN after writing it still to skip, after a miss. */
  #tunGuessSkip = 0;
  /** Loop time until which runOnce polls without sleeping (0: not busy-polling). */
  #busyUntil = 0;
  /** Chances to busy-poll still to skip, after a miss. */
  #busySkip = 0;
  /** Inside a drain: UDP sends may be gathered into GSO trains (flushed by #endDrain). */
  #batching = false;

  constructor(
    resources: LoopResources,
    log: Logger,
    clock: () => number,
    limits: Partial<LoopLimits> = {},
  ) {
    this.#res = resources;
    this.#log = log;
    this.#clock = clock;
    this.#limits = { ...DEFAULT_LIMITS, ...limits };
    this.#now = clock();
    this.#udpLastDrain = new Float64Array(resources.udp.length).fill(-Infinity);
  }

  /** The current loop time (ms), as last read. */
  get now(): number {
    return this.#now;
  }

  /** Number of open meta connections (tarpitted ones excluded). */
  get connectionCount(): number {
    return this.#conns.size;
  }

  get tarpitCount(): number {
    return this.#tarpit.length;
  }

  // -------------------------------------------------------------------------------------------
  // EngineOutput

  sendMeta(conn: ConnId, data: Uint8Array): void {
    const c = this.#conns.get(conn);
    if (c === undefined || data.length === 0) return;
    let off = 0;
    if (c.outBytes === 0 && c.state === ConnState.Open) {
      const n = streamSend(c.fd, data as Uint8Array<ArrayBuffer>, data.length);
      if (n < 0 && n !== -EAGAIN) {
        this.#defer(Deferred.Closed, conn);
        return;
      }
      if (n > 0) {
        off = n;
        this.stats.metaBytesOut += n;
      }
      if (off === data.length) return;
    }
    // The engine may reuse `data`: keep a copy of what is left.
    const rest = data.slice(off) as Uint8Array<ArrayBuffer>;
    const wasIdle = c.outBytes === 0;
    c.out.push(rest);
    c.outBytes += rest.length;
    if (c.outBytes > this.#limits.maxMetaBacklog) {
      this.#log.log("warning", "connections", `Output buffer of connection ${conn} overflows`);
      this.#defer(Deferred.Closed, conn);
      return;
    }
    if (wasIdle) this.#pollDirty = true;
  }

  /** Bytes of `conn` still queued behind a full socket (0 for unknown or closed ones). */
  metaBacklog(conn: ConnId): number {
    return this.#conns.get(conn)?.outBytes ?? 0;
  }

  closeMeta(conn: ConnId, tarpit: boolean): void {
    const c = this.#conns.get(conn);
    if (c === undefined) return;
    if (c.outBytes > 0 && c.state === ConnState.Open && !tarpit) this.#flushOut(c);
    this.#forget(c);
    if (tarpit) this.#toTarpit(c.fd);
    else closeFd(c.fd);
  }

  connect(conn: ConnId, to: SockAddr): void {
    if (this.#conns.has(conn)) {
      this.#defer(Deferred.ConnectFailed, conn);
      return;
    }
    let r: { fd: number; pending: boolean };
    try {
      r = tcpConnect(to);
    } catch (e) {
      this.#log.log(
        "info",
        "connections",
        `Could not connect to ${to.key}: ${(e as Error).message}`,
      );
      this.#defer(Deferred.ConnectFailed, conn);
      return;
    }
    this.#conns.set(conn, {
      id: conn,
      fd: r.fd,
      state: r.pending ? ConnState.Connecting : ConnState.Open,
      peer: to,
      authenticated: false,
      out: [],
      outOff: 0,
      outBytes: 0,
    });
    this.#unauthenticated++;
    this.#pollDirty = true;
    if (!r.pending) this.#defer(Deferred.Connected, conn);
  }

  sendUdp(to: SockAddr, buf: Uint8Array, off: number, len: number): boolean {
    const socks = this.#res.udp;
    let s = socks[0];
    if (socks.length > 1) {
      for (const u of socks) {
        if (u.family === 6 || to.family === 4) {
          s = u;
          if (u.family === to.family) break;
        }
      }
    }
    if (s === undefined) return false;
    const r = this.#batching
      ? s.sendBatched(to, buf as Uint8Array<ArrayBuffer>, off, len)
      : s.send(to, buf as Uint8Array<ArrayBuffer>, off, len);
    if (r === SendResult.Sent) {
      this.stats.udpSent++;
      return true;
    }
    if (r === SendResult.Dropped) {
      this.stats.udpDropped++;
      return true; // like loss on the wire; not a PMTU signal
    }
    this.stats.udpRefused++;
    return false;
  }

  writeTun(buf: Uint8Array, off: number, len: number): void {
    const tun = this.#res.tun;
    if (tun === null) return;
    tun.writeFrame(buf as Uint8Array<ArrayBuffer>, off, len);
    this.#tunWritten = true;
  }

  event(e: EngineEvent): void {
    if (e.type === "connection-up" || e.type === "connection-down") {
      const key = e.address?.key;
      if (key !== undefined && e.type === "connection-up") {
        for (const c of this.#conns.values()) {
          if (!c.authenticated && c.peer?.key === key) {
            c.authenticated = true;
            this.#unauthenticated--;
            break;
          }
        }
      }
    }
    if (this.#log.enabled("info", "status")) {
      const what = "subnet" in e
        ? `${e.node} ${e.subnet}`
        : `${e.node}${e.address ? ` (${e.address.key})` : ""}`;
      this.#log.log("info", "status", `${e.type} ${what}`);
    }
    this.onEvent?.(e);
  }

  // -------------------------------------------------------------------------------------------
  // The loop

  /**
   * Waits for at most `maxWait` ms (and no longer than the engine's next timer), then handles
   * everything ready. Returns true when the wake fd fired (the control thread wants something).
   */
  runOnce(maxWait = this.#limits.maxSleep): boolean {
    const engine = this.engine;
    if (engine === null) throw new Error("EventLoop.runOnce before an engine was attached");
    // The clock is read before sleeping, and the wake-up time comes from what ppoll left of
    // the timeout: a clock read after the wake-up would sit on the latency path (on a cold
    // CPU even a vDSO clock read and its FFI call cost microseconds).
    let now = this.#clock();
    this.#now = now;
    if (this.#listenersPausedUntil !== 0 && now >= this.#listenersPausedUntil) {
      this.#listenersPausedUntil = 0;
      this.#pollDirty = true;
    }
    if (this.#pollDirty) this.#rebuildPollSet();
    const next = engine.nextTimeout();
    let wait = next <= now ? 0 : Math.min(maxWait, Math.ceil(next - now));
    if (!(wait >= 0)) wait = maxWait; // NaN guard
    if (this.#deferred.length > 0) wait = 0;
    if (this.#busyUntil !== 0) {
      if (now < this.#busyUntil) wait = 0;
      else this.#endBusyPoll(false);
    }
    if (this.#listenersPausedUntil !== 0) {
      wait = Math.min(wait, Math.max(0, Math.ceil(this.#listenersPausedUntil - now)));
    }
    const ts = this.#pollTs;
    const sec = Math.floor(wait / 1000);
    ts[0] = sec;
    ts[2] = (wait - sec * 1000) * 1e6;
    const nfds = usize(this.#slotKind.length);
    const n = libc().syscall(SYS_PPOLL, this.#pollAddr, nfds, this.#pollTsAddr, 0n, 0n, 0n);
    if (n < 0 && errno() !== EINTR) throw new Error(`poll failed: errno ${errno()}`);
    // The kernel wrote back the time left (Linux ppoll; glibc's wrapper would hide it).
    now += wait - (ts[0]! * 1000 + ts[2]! / 1e6);
    this.#now = now;
    this.stats.wakeups++;
    let woken = false;
    if (n > 0) {
      if (this.#busyUntil !== 0) this.#endBusyPoll(true);
      const ev = this.#pollEv;
      const count = this.#slotKind.length;
      for (let i = 0; i < count; i++) {
        const re = ev[4 * i + 3]!;
        if (re === 0) continue;
        ev[4 * i + 3] = 0;
        switch (this.#slotKind[i]) {
          case SlotKind.Wake:
            woken = true;
            libc().read(this.#res.wakeFd, this.#wakeBuf, 8n);
            break;
          case SlotKind.Tun:
            if (now - this.#tunLastDrain > LIGHT_TRAFFIC_GAP) this.#startBusyPoll(now);
            this.#drainTun(engine, now);
            break;
          case SlotKind.Udp:
            this.#drainUdp(engine, this.#slotRef[i] as number, now);
            break;
          case SlotKind.Listener:
            this.#acceptAll(engine, this.#slotRef[i] as number, now);
            break;
          case SlotKind.Conn:
            this.#serviceConn(engine, this.#slotRef[i] as MetaConn, re, now);
            break;
        }
      }
    }
    // The kernel often answers a frame written to the TUN within the write() (pings, TCP
    // ACKs from this host): read the answer now rather than after another poll round, which
    // on a cold CPU costs ~8 µs on the critical path of every request and response. Where
    // nothing comes back (the frame was a reply to a local process), the EAGAIN read would
    // only delay that process: after a miss, the next GUESS_BACKOFF chances are skipped.
    if (this.#tunWritten) {
      this.#tunWritten = false;
      if (this.#tunGuessSkip > 0) this.#tunGuessSkip--;
      else if (this.#drainTun(engine, now) === 0) this.#tunGuessSkip = GUESS_BACKOFF;
    }
    this.#runDeferred(engine, now);
    if (engine.nextTimeout() <= now) {
      engine.onTick(now);
      this.#runDeferred(engine, now);
    }
    if (this.#busy !== null && n > 0) this.#recordBusy(now);
    return woken;
  }

  /**
   * A frame that leaves the TUN after a quiet spell is often a request (a ping, a TCP segment
   * that wants an ACK), and its answer comes back within a LAN round trip. A thread asleep in
   * ppoll pays for the wake-up when it comes: on a virtual CPU an idle exit, and then caches
   * and code gone cold, together some tens of µs. Polling without sleeping for up to
   * `busyPoll` ms keeps the CPU awake for it (Linux's SO_BUSY_POLL, for one answer). A poll
   * round that sees I/O ends it; a deadline passed without any skips the next GUESS_BACKOFF
   * chances, so one-way traffic and distant peers cost one spin in nine.
   */
  #startBusyPoll(now: number): void {
    if (this.#limits.busyPoll <= 0) return;
    if (this.#busySkip > 0) this.#busySkip--;
    else this.#busyUntil = now + this.#limits.busyPoll;
  }

  #endBusyPoll(hit: boolean): void {
    this.#busyUntil = 0;
    if (hit) {
      this.stats.busyPollHits++;
    } else {
      this.stats.busyPollMisses++;
      this.#busySkip = GUESS_BACKOFF;
    }
  }

  #recordBusy(since: number): void {
    const busy = this.#busy!;
    busy[this.#busyCount++] = (this.#clock() - since) * 1000;
    if (this.#busyCount < busy.length) return;
    busy.sort();
    const at = (q: number) => busy[Math.floor(q * (busy.length - 1))]!.toFixed(1);
    Deno.writeTextFileSync(
      PROFILE_FILE!,
      `${Deno.pid} busy_us p50=${at(0.5)} p90=${at(0.9)} p99=${at(0.99)} max=${at(1)}\n`,
      { append: true },
    );
    this.#busyCount = 0;
  }

  /** Delivers queued consequences of output calls (never from inside an engine call). */
  #runDeferred(engine: LoopEngine, now: number): void {
    const q = this.#deferred;
    while (q.length > 0) {
      const kind = q.shift()!;
      const id = q.shift()!;
      const c = this.#conns.get(id);
      switch (kind) {
        case Deferred.Connected:
          if (c) engine.onConnected(id, now);
          break;
        case Deferred.ConnectFailed:
          if (c) {
            this.#forget(c);
            closeFd(c.fd);
          }
          engine.onConnectFailed(id, now);
          break;
        case Deferred.Closed:
          if (c) {
            this.#forget(c);
            closeFd(c.fd);
            engine.onMetaClosed(id, now);
          }
          break;
      }
    }
  }

  #defer(kind: Deferred, conn: ConnId): void {
    this.#deferred.push(kind, conn);
  }

  /** Reads up to a drain budget of frames from the TUN; returns how many. */
  #drainTun(engine: LoopEngine, now: number): number {
    const tun = this.#res.tun!;
    this.#tunWritten = false;
    const buf = this.#tunBuf;
    const budget = this.#startDrain(this.#tunLastDrain, now);
    this.#tunLastDrain = now;
    let i = 0;
    try {
      for (; i < budget; i++) {
        let len: number;
        try {
          len = tun.readFrame(buf, FRAME_HEADROOM);
        } catch (e) {
          this.#log.log(
            "error",
            "status",
            `Error reading from ${tun.name}: ${(e as Error).message}`,
          );
          return i;
        }
        if (len === 0) return i;
        this.stats.tunFrames++;
        engine.onTun(buf, FRAME_HEADROOM, len, now);
      }
    } finally {
      this.#endDrain();
    }
    return i;
  }

  #drainUdp(engine: LoopEngine, at: number, now: number): void {
    const sock = this.#res.udp[at]!;
    const buf = this.#udpBuf;
    const max = buf.length - FRAME_HEADROOM;
    const budget = this.#startDrain(this.#udpLastDrain[at]!, now); // relayed datagrams batch too
    this.#udpLastDrain[at] = now;
    try {
      // Past the budget only to finish a GRO train (poll() does not see its remains).
      for (let i = 0; i < budget || sock.pending; i++) {
        const len = sock.receive(buf, FRAME_HEADROOM, max);
        if (len < 0) return;
        this.stats.udpDatagrams++;
        engine.onUdp(buf, FRAME_HEADROOM, len, sock.from!, now);
      }
    } finally {
      this.#endDrain();
    }
  }

  /**
   * How many packets to read from a source last drained at `last`, and whether its sends may
   * gather into GSO trains. At light traffic (nothing from this source in the last
   * LIGHT_TRAFFIC_GAP ms) one, sent at once: a second read would only say EAGAIN, a syscall on
   * the latency path, a train of one only adds a copy, and poll() is level-triggered, so
   * anything left wakes us again at once and that wake-up drains in full. Per source: a ping's
   * reply arrives on UDP a fraction of a millisecond after its request left the TUN, and is
   * still light traffic.
   */
  #startDrain(last: number, now: number): number {
    const budget = now - last > LIGHT_TRAFFIC_GAP ? 1 : this.#limits.drainBudget;
    this.#batching = budget > 1 && this.#limits.gso;
    return budget;
  }

  /** Sends the trains a drain gathered. */
  #endDrain(): void {
    if (!this.#batching) return;
    this.#batching = false;
    let trains = 0, segments = 0;
    for (const u of this.#res.udp) {
      u.flush();
      trains += u.gsoTrains;
      segments += u.gsoSegments;
    }
    this.stats.gsoTrains = trains;
    this.stats.gsoSegments = segments;
  }

  #acceptAll(engine: LoopEngine, listenFd: number, now: number): void {
    for (let i = 0; i < this.#limits.drainBudget; i++) {
      let r: ReturnType<typeof tcpAccept>;
      try {
        r = tcpAccept(listenFd, this.#res.addresses);
      } catch (e) {
        // Out of descriptors: stop accepting this round, the backlog waits.
        this.#log.log(
          "error",
          "connections",
          `Accepting a new connection failed: ${(e as Error).message}`,
        );
        // Out of descriptors: the listener stays readable, so stop polling it for a while
        // instead of spinning (closing connections frees descriptors meanwhile).
        this.#listenersPausedUntil = now + 1000;
        this.#pollDirty = true;
        return;
      }
      if (r === null) return;
      this.stats.accepted++;
      if (r.from === null || this.#throttled(r.from, now)) {
        this.#toTarpit(r.fd);
        continue;
      }
      const id = this.#nextAccepted++;
      this.#conns.set(id, {
        id,
        fd: r.fd,
        state: ConnState.Open,
        peer: r.from,
        authenticated: false,
        out: [],
        outOff: 0,
        outBytes: 0,
      });
      this.#unauthenticated++;
      this.#pollDirty = true;
      this.#inEngine = true;
      engine.onAccept(id, r.from, now);
      this.#inEngine = false;
      this.#runDeferred(engine, now);
    }
  }

  /** tincd's check_tarpit (leaky buckets, one token a second) plus our descriptor bounds. */
  #throttled(from: SockAddr, now: number): boolean {
    const sec = Math.floor(now / 1000);
    let h = this.#hostBurst.get(from.ip);
    if (h === undefined) {
      if (this.#hostBurst.size >= 4096) this.#hostBurst.clear();
      h = { level: 0, time: sec };
      this.#hostBurst.set(from.ip, h);
    }
    h.level = Math.max(0, h.level - (sec - h.time));
    h.time = sec;
    h.level++;
    if (h.level > this.#limits.acceptBurst) {
      if (h.level === this.#limits.acceptBurst + 1) {
        this.#log.log("warning", "connections", `Throttling connections from ${from.ip}`);
      }
      return true;
    }
    this.#totalBurst = Math.max(0, this.#totalBurst - (sec - this.#totalBurstTime));
    this.#totalBurstTime = sec;
    this.#totalBurst++;
    if (this.#totalBurst >= this.#limits.acceptBurstTotal) {
      this.#totalBurst = this.#limits.acceptBurstTotal;
      return true;
    }
    if (this.#conns.size >= this.#limits.maxConnections) return true;
    if (this.#unauthenticated >= this.#limits.maxUnauthenticated) return true;
    return false;
  }

  /** Keeps an fd open but ignored; the oldest pit is closed when the ring is full. */
  #toTarpit(fd: number): void {
    this.stats.tarpitted++;
    this.#tarpit.push(fd);
    while (this.#tarpit.length > this.#limits.tarpitSlots) closeFd(this.#tarpit.shift()!);
  }

  #serviceConn(engine: LoopEngine, c: MetaConn, re: number, now: number): void {
    if (this.#conns.get(c.id) !== c) return; // closed earlier in this round
    if (c.state === ConnState.Connecting) {
      if (re & (POLLOUT | POLLERR | POLLHUP | POLLNVAL)) {
        const err = socketError(c.fd);
        if (err !== 0) {
          this.#log.log(
            "info",
            "connections",
            `Could not connect to ${c.peer?.key}: errno ${err}`,
          );
          this.#defer(Deferred.ConnectFailed, c.id);
          return;
        }
        c.state = ConnState.Open;
        this.#pollDirty = true;
        engine.onConnected(c.id, now);
        this.#runDeferred(engine, now);
        if (this.#conns.get(c.id) !== c) return;
        if (c.outBytes > 0) this.#flushOut(c);
      }
      return;
    }
    if (re & POLLOUT) {
      if (!this.#flushOut(c)) {
        this.#defer(Deferred.Closed, c.id);
        return;
      }
    }
    if (re & (POLLIN | POLLHUP | POLLERR | POLLNVAL)) {
      const buf = this.#metaBuf;
      // Bounded per wake-up so a fast peer cannot starve packets.
      for (let i = 0; i < 4; i++) {
        const n = streamRecv(c.fd, buf, buf.length);
        if (n === -EAGAIN) return;
        if (n <= 0) {
          this.#defer(Deferred.Closed, c.id);
          return;
        }
        this.stats.metaBytesIn += n;
        engine.onMetaData(c.id, buf.subarray(0, n), now);
        this.#runDeferred(engine, now);
        if (this.#conns.get(c.id) !== c || n < buf.length) return;
      }
    }
  }

  /** Sends queued output; false when the socket failed. */
  #flushOut(c: MetaConn): boolean {
    while (c.out.length > 0) {
      const chunk = c.out[0]!;
      const view = c.outOff === 0 ? chunk : chunk.subarray(c.outOff);
      const n = streamSend(c.fd, view, view.length);
      if (n === -EAGAIN) return true;
      if (n < 0) return false;
      this.stats.metaBytesOut += n;
      c.outBytes -= n;
      if (n === view.length) {
        c.out.shift();
        c.outOff = 0;
      } else {
        c.outOff += n;
        return true;
      }
    }
    this.#pollDirty = true; // no longer interested in POLLOUT
    return true;
  }

  #forget(c: MetaConn): void {
    if (!this.#conns.delete(c.id)) return;
    if (!c.authenticated) this.#unauthenticated--;
    this.#pollDirty = true;
  }

  #rebuildPollSet(): void {
    const kinds: SlotKind[] = [];
    const refs: (MetaConn | number | null)[] = [];
    const fds: number[] = [];
    const evs: number[] = [];
    const add = (
      k: SlotKind,
      ref: MetaConn | number | null,
      fd: number,
      ev: number,
    ) => {
      kinds.push(k);
      refs.push(ref);
      fds.push(fd);
      evs.push(ev);
    };
    add(SlotKind.Wake, null, this.#res.wakeFd, POLLIN);
    if (this.#res.tun) add(SlotKind.Tun, null, this.#res.tun.fd, POLLIN);
    // By index: the drain keeps per-socket state in arrays (no indexOf per wake-up).
    this.#res.udp.forEach((u, at) => add(SlotKind.Udp, at, u.fd, POLLIN));
    if (this.#now >= this.#listenersPausedUntil) {
      for (const l of this.#res.listeners) add(SlotKind.Listener, l, l, POLLIN);
    }
    for (const c of this.#conns.values()) {
      const ev = c.state === ConnState.Connecting
        ? POLLOUT
        : POLLIN | (c.outBytes > 0 ? POLLOUT : 0);
      add(SlotKind.Conn, c, c.fd, ev);
    }
    if (this.#pollBuf.length < fds.length * SIZEOF_POLLFD) {
      this.#pollBuf = new Uint8Array(Math.max(16, fds.length * 2) * SIZEOF_POLLFD);
      this.#pollAddr = addressOf(this.#pollBuf);
      this.#pollFd = new Int32Array(this.#pollBuf.buffer);
      this.#pollEv = new Int16Array(this.#pollBuf.buffer);
    }
    for (let i = 0; i < fds.length; i++) {
      this.#pollFd[2 * i] = fds[i]!;
      this.#pollEv[4 * i + 2] = evs[i]!;
      this.#pollEv[4 * i + 3] = 0;
    }
    this.#slotKind = kinds;
    this.#slotRef = refs;
    this.#pollDirty = false;
  }

  /** Whether an engine call is in progress (debug aid for re-entrancy). */
  get inEngine(): boolean {
    return this.#inEngine;
  }

  /** Closes every meta connection and pit (the engine has been stopped). */
  closeAll(): void {
    for (const c of [...this.#conns.values()]) {
      if (c.outBytes > 0 && c.state === ConnState.Open) this.#flushOut(c);
      this.#forget(c);
      closeFd(c.fd);
    }
    for (const fd of this.#tarpit) closeFd(fd);
    this.#tarpit.length = 0;
  }
}

/** Drains a non-blocking fd of pending bytes (wake-up eventfds). */
export function drainFd(fd: number): void {
  const b = new Uint8Array(64);
  while (libc().read(fd, b, 64n) > 0) { /* empty */ }
}
