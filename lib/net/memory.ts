/**
 * An in-memory network for tinc engines: meta (TCP) streams, UDP with optional loss and
 * reordering, a TUN twin per host, and a fake clock. It drives any number of engines
 * synchronously in one process, for tests and for the in-memory demo (`--demo`).
 *
 * Everything an engine outputs is queued and delivered later by `drain()` (engines must not
 * be re-entered from their own output). Deliveries happen in time order, FIFO at equal
 * times; `latency` delays every delivery.
 *
 * ```ts
 * const net = new MemoryNetwork();
 * const a = net.addHost("10.0.0.1", 655, (out, now) => new TincEngine(cfgA, { crypto, out, log, now }));
 * const b = net.addHost("10.0.0.2", 655, (out, now) => new TincEngine(cfgB, { crypto, out, log, now }));
 * net.start();
 * net.advance(10_000); // runs timers and deliveries for 10 s of fake time
 * ```
 *
 * @module
 */
import {
  type ConnId,
  type EngineEvent,
  type EngineInputs,
  type EngineOutput,
  FRAME_HEADROOM,
  type SockAddr,
  sockAddr,
} from "../tinc/types.ts";
import { xorshift32 } from "../tinc/xorshift.ts";

/** What the network needs of an engine (TincEngine satisfies it). */
export interface MemoryEngine extends EngineInputs {
  start(now: number): void;
  stop(now: number): void;
}

export interface MemoryNetworkOptions {
  /** Start time of the fake clock (ms). */
  readonly start?: number;
  /** Delay of every delivery (ms). */
  readonly latency?: number;
  /** Probability that a UDP datagram is lost. */
  readonly udpLoss?: number;
  /** Probability that a UDP datagram is delayed by `reorderDelay` (so later ones overtake it). */
  readonly udpReorder?: number;
  readonly reorderDelay?: number;
  /** Seed for loss/reorder decisions. */
  readonly seed?: number;
}

/** A fake monotonic clock. */
export class FakeClock {
  constructor(public now = 0) {}
}

/** The local device of one host: frames the engine wrote, and a way to inject frames. */
export class MemoryTun {
  /** Frames the engine delivered to the device (copies), oldest first. */
  readonly outbound: Uint8Array[] = [];
  onFrame: ((frame: Uint8Array) => void) | null = null;

  constructor(private readonly host: MemoryHost) {}

  /** Queues a frame from the local device to the engine. */
  inject(frame: Uint8Array): void {
    const buf = new Uint8Array(FRAME_HEADROOM + frame.length);
    buf.set(frame, FRAME_HEADROOM);
    this.host.net.schedule(0, () => {
      if (this.host.up) {
        this.host.engine.onTun(buf, FRAME_HEADROOM, frame.length, this.host.net.clock.now);
      }
    });
  }

  /** Removes and returns what the engine wrote so far. */
  take(): Uint8Array[] {
    return this.outbound.splice(0);
  }
}

interface Link {
  host: MemoryHost;
  conn: ConnId;
  peer: Link | null;
  /** This side stopped reading (closed or tarpitted). */
  dead: boolean;
  address: SockAddr;
}

/** One host: an address, an engine, its TUN twin, and its sockets. */
export class MemoryHost {
  engine!: MemoryEngine;
  readonly tun: MemoryTun;
  readonly address: SockAddr;
  readonly events: EngineEvent[] = [];
  /** Meta connections by ConnId (outgoing ones from the engine's ids, accepted ones ours). */
  readonly links = new Map<ConnId, Link>();
  /** Whether the host is running (a crashed host drops everything silently). */
  up = true;
  /**
   * The in-memory wire takes every meta byte at once, so nothing is ever left unsent:
   * metaBacklog is 0 unless a test sets this to play a congested connection.
   */
  metaBacklog: ((conn: ConnId) => number) | null = null;
  /** Counts of what went out (for tests). */
  readonly stats = { udpSent: 0, udpDropped: 0, metaBytes: 0, tunFrames: 0 };
  #nextAccept = 1_000_000;
  #nextPort = 40000;

  constructor(
    readonly net: MemoryNetwork,
    readonly ip: string,
    readonly port: number,
    private readonly make: (out: EngineOutput, now: number) => MemoryEngine,
  ) {
    this.address = net.intern(ip, port);
    this.tun = new MemoryTun(this);
    this.engine = make(this.#output(), net.clock.now);
  }

  acceptId(): ConnId {
    return this.#nextAccept++;
  }

  ephemeral(): SockAddr {
    return this.net.intern(this.ip, this.#nextPort++);
  }

  /** Stops the host abruptly: peers see nothing (as if the machine vanished). */
  crash(): void {
    this.up = false;
    for (const l of this.links.values()) l.dead = true;
    this.links.clear();
  }

  /** Brings a crashed host back with a fresh engine (same address), and starts it. */
  restart(): void {
    this.up = true;
    this.engine = this.make(this.#output(), this.net.clock.now);
    this.engine.start(this.net.clock.now);
  }

  #output(): EngineOutput {
    const net = this.net;
    // deno-lint-ignore no-this-alias
    const host = this;
    return {
      sendMeta(conn, data) {
        const l = host.links.get(conn);
        if (!l || !l.peer) return;
        host.stats.metaBytes += data.length;
        const copy = data.slice();
        const peer = l.peer;
        net.schedule(net.latency, () => {
          if (!peer.dead && peer.host.up && peer.host.links.get(peer.conn) === peer) {
            peer.host.engine.onMetaData(peer.conn, copy, net.clock.now);
          }
        });
      },
      metaBacklog(conn) {
        return host.links.has(conn) && host.metaBacklog ? host.metaBacklog(conn) : 0;
      },
      closeMeta(conn, tarpit) {
        const l = host.links.get(conn);
        if (!l) return;
        host.links.delete(conn);
        l.dead = true;
        const peer = l.peer;
        // A tarpitted socket stays open: the peer hears nothing.
        if (!tarpit && peer) {
          net.schedule(net.latency, () => {
            if (!peer.dead && peer.host.up && peer.host.links.get(peer.conn) === peer) {
              peer.dead = true;
              peer.host.links.delete(peer.conn);
              peer.host.engine.onMetaClosed(peer.conn, net.clock.now);
            }
          });
        }
      },
      connect(conn, to) {
        const local: Link = { host, conn, peer: null, dead: false, address: to };
        host.links.set(conn, local);
        net.schedule(net.latency, () => {
          if (local.dead || !host.up) return;
          const target = net.hostAt(to);
          if (!target || !target.up || net.isPartitioned(host, target)) {
            host.links.delete(conn);
            host.engine.onConnectFailed(conn, net.clock.now);
            return;
          }
          const from = host.ephemeral();
          const remote: Link = {
            host: target,
            conn: target.acceptId(),
            peer: local,
            dead: false,
            address: from,
          };
          local.peer = remote;
          target.links.set(remote.conn, remote);
          target.engine.onAccept(remote.conn, from, net.clock.now);
          host.engine.onConnected(conn, net.clock.now);
        });
      },
      sendUdp(to, buf, off, len) {
        if (!host.up) return false;
        host.stats.udpSent++;
        const target = net.hostAt(to);
        if (!target || net.isPartitioned(host, target) || net.random() < net.udpLoss) {
          host.stats.udpDropped++;
          return true;
        }
        const copy = buf.slice(off, off + len);
        net.tap?.(host, target, copy);
        const delay = net.random() < net.udpReorder ? net.reorderDelay : 0;
        net.schedule(net.latency + delay, () => {
          if (target.up) target.engine.onUdp(copy, 0, copy.length, host.address, net.clock.now);
        });
        return true;
      },
      writeTun(buf, off, len) {
        host.stats.tunFrames++;
        const frame = buf.slice(off, off + len);
        host.tun.outbound.push(frame);
        host.tun.onFrame?.(frame);
      },
      event(e) {
        host.events.push(e);
      },
    };
  }
}

interface Delivery {
  at: number;
  seq: number;
  run: () => void;
}

export class MemoryNetwork {
  readonly clock: FakeClock;
  readonly hosts: MemoryHost[] = [];
  readonly latency: number;
  udpLoss: number;
  udpReorder: number;
  readonly reorderDelay: number;
  /** Sees every UDP datagram that is not lost (a wire tap for tests). */
  tap: ((from: MemoryHost, to: MemoryHost, data: Uint8Array) => void) | null = null;
  #queue: Delivery[] = [];
  #seq = 0;
  #rand: number;
  #addrs = new Map<string, SockAddr>();
  #partitions = new Set<string>();

  constructor(opts: MemoryNetworkOptions = {}) {
    this.clock = new FakeClock(opts.start ?? 0);
    this.latency = opts.latency ?? 0;
    this.udpLoss = opts.udpLoss ?? 0;
    this.udpReorder = opts.udpReorder ?? 0;
    this.reorderDelay = opts.reorderDelay ?? 5;
    this.#rand = (opts.seed ?? 12345) >>> 0 || 1;
  }

  /** One SockAddr object per ip:port. */
  intern(ip: string, port: number): SockAddr {
    const key = ip.includes(":") ? `[${ip}]:${port}` : `${ip}:${port}`;
    let a = this.#addrs.get(key);
    if (!a) {
      a = sockAddr(ip, port);
      this.#addrs.set(key, a);
    }
    return a;
  }

  addHost(
    ip: string,
    port: number,
    make: (out: EngineOutput, now: number) => MemoryEngine,
  ): MemoryHost {
    const h = new MemoryHost(this, ip, port, make);
    this.hosts.push(h);
    return h;
  }

  hostAt(addr: SockAddr): MemoryHost | undefined {
    return this.hosts.find((h) => h.ip === addr.ip && h.port === addr.port);
  }

  /** Cuts (or restores) all traffic between two hosts; existing streams go silent. */
  partition(a: MemoryHost, b: MemoryHost, cut = true): void {
    const key = [a.ip, b.ip].sort().join("|");
    if (cut) this.#partitions.add(key);
    else this.#partitions.delete(key);
    if (cut) {
      for (const l of [...a.links.values(), ...b.links.values()]) {
        if (l.peer && (l.peer.host === b || l.peer.host === a)) l.dead = true;
      }
    }
  }

  isPartitioned(a: MemoryHost, b: MemoryHost): boolean {
    return this.#partitions.has([a.ip, b.ip].sort().join("|"));
  }

  /** A deterministic number in [0, 1). */
  random(): number {
    this.#rand = xorshift32(this.#rand);
    return this.#rand / 4294967296;
  }

  schedule(delay: number, run: () => void): void {
    const d: Delivery = { at: this.clock.now + delay, seq: this.#seq++, run };
    // Insert keeping (at, seq) order; most deliveries go to the end.
    let i = this.#queue.length;
    while (i > 0 && this.#queue[i - 1]!.at > d.at) i--;
    this.#queue.splice(i, 0, d);
  }

  /** Delivers a datagram as if `from` had sent it (replays, forgeries). */
  injectUdp(from: MemoryHost, to: MemoryHost, data: Uint8Array): void {
    const copy = data.slice();
    this.schedule(this.latency, () => {
      if (to.up) to.engine.onUdp(copy, 0, copy.length, from.address, this.clock.now);
    });
  }

  /** Starts every host's engine. */
  start(): void {
    for (const h of this.hosts) h.engine.start(this.clock.now);
    this.drain();
  }

  /** Runs every delivery due now (including ones they cause); returns how many ran. */
  drain(limit = 1_000_000): number {
    let n = 0;
    while (this.#queue.length && this.#queue[0]!.at <= this.clock.now) {
      if (++n > limit) throw new Error("MemoryNetwork: delivery storm (limit reached)");
      this.#queue.shift()!.run();
    }
    return n;
  }

  /** Moves the clock forward by `ms`, firing engine timers and deliveries in time order. */
  advance(ms: number): void {
    const target = this.clock.now + ms;
    for (;;) {
      this.drain();
      let next = target;
      if (this.#queue.length && this.#queue[0]!.at < next) next = this.#queue[0]!.at;
      for (const h of this.hosts) {
        if (!h.up) continue;
        const t = h.engine.nextTimeout();
        if (t < next) next = t;
      }
      if (next > target) break;
      if (next > this.clock.now) this.clock.now = next;
      for (const h of this.hosts) {
        if (h.up && h.engine.nextTimeout() <= this.clock.now) h.engine.onTick(this.clock.now);
      }
      this.drain();
      if (next === target && !this.#due()) break;
    }
    this.clock.now = target;
    this.drain();
  }

  #due(): boolean {
    if (this.#queue.length && this.#queue[0]!.at <= this.clock.now) return true;
    return this.hosts.some((h) => h.up && h.engine.nextTimeout() <= this.clock.now);
  }

  /** Stops all engines. */
  stop(): void {
    for (const h of this.hosts) if (h.up) h.engine.stop(this.clock.now);
    this.drain();
  }
}
