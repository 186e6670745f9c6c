/**
 * JIT warm-up of the packet path. V8 runs new code in its interpreter and baseline tiers and
 * optimises a function only after it has run many times: left alone, the first few hundred
 * packets of a fresh daemon took 0.5-8 ms a round trip instead of 0.3 (bench/RESULTS.md). So
 * a second after start-up (`WarmUpSchedule`) the data-plane Worker drives two throwaway
 * engines through the very classes the real traffic uses (EventLoop, UdpSocket, TunDevice,
 * the engine, libcrypto contexts): a TCP meta handshake and UDP data over loopback, each "TUN"
 * a datagram socketpair whose far end plays the kernel and answers pings. Interleaved with the
 * real loop in slices of about a millisecond, so real packets wait at most that long.
 *
 * Only router mode is warmed (switch/hub frames take other branches). Anything that fails
 * (no loopback in the namespace, no ports) ends the warm-up quietly: it is an optimisation.
 * TINCTURE_WARMUP=0 turns it off.
 *
 * @module
 */
import type { EngineConfig, HostConfig } from "../tinc/config.ts";
import { type Logger, NULL_LOGGER, type SockAddr, sockAddr } from "../tinc/types.ts";
import { publicKeyOf } from "../crypto/rsa_key.ts";
import { check, closeFd, libc, usize } from "../../ffi/libc.ts";
import {
  AF_UNIX,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../../ffi/linux_constants.ts";
import { openUdpAndListener, SockAddrTable, type UdpSocket } from "../../ffi/socket.ts";
import { TunDevice } from "../../ffi/tun_linux.ts";
import { EventLoop, type LoopLimits } from "./event_loop.ts";
import type { CreateEngine, EngineHandle } from "./data_plane_worker.ts";

/**
 * Paced round trips (the one-read light-traffic path of pings), then back-to-back ones (the
 * loops' drain-in-full path). Paced first, so the refused send (#refusal) comes early; pacing
 * goes on past PACED_ROUND_TRIPS until that send is done or given up (REFUSAL_MS).
 */
const PACED_ROUND_TRIPS = 150;
const FAST_ROUND_TRIPS = 400;
/**
 * The paced ping after this many replies is refused (#refusal): late enough that the send and
 * receive paths have feedback vectors (V8 allocates one after a function's first few calls),
 * early enough that the Maglev tier (30 calls) has not yet compiled them without the branch.
 */
const REFUSE_AFTER = 5;
/**
 * Retry the refused send (#refusal) until this long after the start: pings go by TCP until
 * path MTU discovery has an answer, and when the key exchange loses the first probe burst
 * (the peer had no key for it yet, as with tincd) the next comes a second later.
 */
const REFUSAL_MS = 1500;
/** What fills A's corked socket (#refusal): a ping's datagram no longer fits after it. */
const FILLER = 65507 - 100;
/** Paced pings leave this long after the previous reply: the one-read light-traffic path. */
const PACE_MS = 1.2;
/** Pings in flight during the fast phase. */
const WINDOW = 4;
/** Give up after this long (a handshake that never completes, packets that never return). */
const MAX_MS = 3000;
/** Re-send when a ping got no answer for this long (dropped before keys were valid). */
const RESEND_MS = 50;

const PING_LEN = 84;
const ADDR_A = [10, 255, 255, 1], ADDR_B = [10, 255, 255, 2];

interface Sockets {
  readonly host: string;
  readonly udp: UdpSocket;
  readonly listener: number;
  readonly addresses: SockAddrTable;
}

interface Side {
  readonly loop: EventLoop;
  readonly engine: EngineHandle;
  readonly tun: TunDevice;
  /** The socketpair end that plays the kernel behind the TUN. */
  readonly kernelFd: number;
  readonly wakeFd: number;
}

export interface WarmUpResult {
  readonly roundTrips: number;
  /** Sends the throwaway loops saw refused (EMSGSIZE, #refusal). */
  readonly refused: number;
  /** Busy-polls the throwaway loops started (with the real loop's busy-poll limit). */
  readonly busyPolls: number;
  readonly ms: number;
  readonly finished: boolean;
}

export class WarmUp {
  readonly #clock: () => number;
  readonly #limits: Partial<LoopLimits>;
  readonly #started: number;
  readonly #sockets: Sockets[] = [];
  readonly #sides: Side[] = [];
  readonly #ping = new Uint8Array(PING_LEN);
  /** The refused send happened, or was given up (REFUSAL_MS). */
  #refused = false;
  /** Replies when the fast phase began (-1: still paced). */
  #fastFrom = -1;
  /** #rareBranches has run (once is enough). */
  #branchesRun = false;
  readonly #filler = new Uint8Array(FILLER);
  #toB: SockAddr | null = null;
  readonly #rx = new Uint8Array(2048);
  #replies = 0;
  #inFlight = 0;
  #lastSend = -Infinity;
  #lastReply = -Infinity;
  #closed = false;

  /**
   * Builds the two engines from the real config (its key and transforms) on loopback, or
   * throws when that is impossible. `family` is the real UDP socket's, `limits` the real
   * loop's (its busy-poll and drain branches are warmed too).
   */
  constructor(
    createEngine: CreateEngine,
    real: EngineConfig,
    clock: () => number,
    family: 4 | 6,
    limits: Partial<LoopLimits> = {},
  ) {
    this.#clock = clock;
    this.#limits = limits;
    this.#started = clock();
    try {
      this.#sockets.push(...openLoopback(family));
      const [ua, ub] = this.#sockets;
      const transform = real.hosts[0]?.transform ?? real.transform;
      // Both throwaway nodes use our key pair: no key generation at start-up.
      const publicKey = publicKeyOf(real.privateKey);
      const host = (name: string, port: number): HostConfig => ({
        name,
        publicKey,
        addresses: [{ host: ua!.host, port }],
        connectTo: name === "tincture_warmup_b",
        allowedSubnets: null,
        transform,
        indirectData: false,
        tcpOnly: false,
        clampMss: real.clampMss,
        weight: null,
        pmtu: null,
      });
      const config = (me: string, other: string, port: number, otherPort: number, ip: number[]) =>
        ({
          ...real,
          name: me,
          port,
          mode: "router",
          subnets: [`${ip.join(".")}/32`],
          remoteSubnets: null,
          hosts: [host(other, otherPort)],
          transform,
          tcpOnly: false,
          indirectData: false,
          directOnly: false,
          strictSubnets: false,
          tunnelServer: false,
        }) satisfies EngineConfig;
      const ca = config(
        "tincture_warmup_a",
        "tincture_warmup_b",
        ua!.udp.port,
        ub!.udp.port,
        ADDR_A,
      );
      const cb = config(
        "tincture_warmup_b",
        "tincture_warmup_a",
        ub!.udp.port,
        ua!.udp.port,
        ADDR_B,
      );
      this.#sides.push(this.#side(createEngine, ca, ua!), this.#side(createEngine, cb, ub!));
      this.#toB = sockAddr(ub!.host, ub!.udp.port);
      const now = clock();
      for (const s of this.#sides) s.engine.start(now);
    } catch (e) {
      this.close();
      throw e;
    }
    this.#buildPing();
  }

  #side(
    createEngine: CreateEngine,
    config: EngineConfig,
    o: Sockets,
  ): Side {
    const pair = new Int32Array(2);
    check(
      libc().socketpair(
        AF_UNIX,
        SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC,
        0,
        new Uint8Array(pair.buffer),
      ),
      "socketpair",
    );
    const tun = new TunDevice(pair[0]!, "warmup", "tun");
    const wakeFd = libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
    const loop = new EventLoop(
      { tun, udp: [o.udp], listeners: [o.listener], wakeFd, addresses: o.addresses },
      NULL_LOGGER,
      this.#clock,
      this.#limits,
    );
    const engine = createEngine(config, { out: loop, log: NULL_LOGGER, now: this.#clock() });
    if (engine instanceof Promise) throw new Error("warm-up needs a synchronous engine factory");
    loop.engine = engine;
    return { loop, engine, tun, kernelFd: pair[1]!, wakeFd };
  }

  /** An ICMP echo request from A's address to B's (checksums do not matter to the engine). */
  #buildPing(): void {
    const p = this.#ping;
    p[0] = 0x45;
    p[3] = PING_LEN;
    p[8] = 64; // TTL
    p[9] = 1; // ICMP
    p.set(ADDR_A, 12);
    p.set(ADDR_B, 16);
    p[20] = 8; // echo request
  }

  /** The descriptors it opened and owns (for tests). */
  descriptors(): number[] {
    const fds: number[] = [];
    for (const o of this.#sockets) fds.push(o.udp.fd, o.listener);
    for (const s of this.#sides) fds.push(s.tun.fd, s.kernelFd, s.wakeFd);
    return fds;
  }

  get roundTrips(): number {
    return this.#replies;
  }

  /**
   * Runs the throwaway loops for about `sliceMs`. Returns how long the caller may sleep before
   * the next slice (ms), or -1 when the warm-up is over (then call `close`).
   */
  step(sliceMs = 1): number {
    if (this.#closed) return -1;
    const start = this.#clock();
    if (start - this.#started > MAX_MS) return -1;
    const [a, b] = this.#sides as [Side, Side];
    for (;;) {
      a.loop.runOnce(0);
      b.loop.runOnce(0);
      this.#kernel(b, true);
      this.#kernel(a, false);
      const now = this.#clock();
      if (this.#finished) return -1;
      const paced = this.#replies < PACED_ROUND_TRIPS || !this.#refused;
      if (!paced && this.#fastFrom < 0) this.#fastFrom = this.#replies;
      if (this.#inFlight > 0 && now - this.#lastSend > RESEND_MS) this.#inFlight = 0; // lost
      if (paced) {
        if (this.#inFlight === 0) {
          const due = this.#lastReply + PACE_MS - now;
          if (due > 0) return Math.ceil(due);
          if (this.#refused || this.#replies < REFUSE_AFTER) this.#send(a, now);
          else this.#refusal(a, now);
        }
      } else {
        while (this.#inFlight < WINDOW) this.#send(a, now);
      }
      if (now - start >= sliceMs) return 0;
    }
  }

  /**
   * Path MTU discovery's first probes meet EMSGSIZE, and the seqnos they used leave a gap at
   * the receiver: branches the round trips never take. V8 throws away optimized packet-path
   * code that reaches a branch without type feedback, and the probes alone re-optimize it
   * only slowly, so the first real pings after discovery ran in the lower tiers. Loopback has
   * no small MTU: A's socket is corked (sends append to one pending datagram) and filled to
   * just under 64 KiB, and one paced ping goes through A's engine, whose send no longer fits.
   * The kernel drops what it held, and A's next packet reaches B after a sequence gap. Early
   * (REFUSE_AFTER), so the code the round trips then optimize has seen all of it.
   */
  #refusal(a: Side, now: number): void {
    // Until it works: while path MTU discovery has confirmed nothing, pings go by TCP.
    if (now - this.#started > REFUSAL_MS) {
      this.#refused = true; // given up: no UDP path in time
      return this.#send(a, now);
    }
    if (!this.#branchesRun) this.#rareBranches(a);
    const udp = this.#sockets[0]!.udp;
    if (!udp.setCork(true)) {
      this.#refused = true; // given up: no UDP_CORK
      return this.#send(a, now);
    }
    const before = a.loop.stats.udpRefused;
    udp.send(this.#toB!, this.#filler, 0, FILLER);
    this.#send(a, now);
    a.loop.runOnce(0); // a light drain: sent at once, refused, and the engine told
    udp.setCork(false);
    if (a.loop.stats.udpRefused > before) {
      this.#refused = true;
      this.#inFlight = 0; // that ping is lost; one that went by TCP is answered
    }
  }

  get #finished(): boolean {
    return this.#fastFrom >= 0 && this.#replies - this.#fastFrom >= FAST_ROUND_TRIPS;
  }

  /**
   * The sockets' and the device's rarer branches, each often enough that V8 has allocated the
   * function's feedback vector (it does after the first few calls) and records them: a peer's
   * size cache growing (probes), GSO trains, TUN writes from a new buffer.
   */
  #rareBranches(a: Side): void {
    this.#branchesRun = true;
    const udp = this.#sockets[0]!.udp, to = this.#toB!, f = this.#filler;
    for (let i = 0; i < 12; i++) {
      udp.send(to, f, 0, 100 + i); // a size sent alone may then go batched:
      for (let k = 0; k < 3; k++) udp.sendBatched(to, f, 0, 100 + i);
      udp.sendBatched(to, f, 0, 99 + i); // a short last one: the train ends with it,
      udp.sendBatched(to, f, 0, 100 + i); // so this one flushes it and starts another
      udp.flush(); // GSO trains
      udp.sendBatched(to, f, 0, 200 + i); // larger than any sent yet: goes alone
      a.tun.writeFrame(f, i & 1 ? 0 : 64, 60); // garbage the "kernel" ignores
    }
  }

  #send(a: Side, now: number): void {
    libc().write(a.kernelFd, this.#ping, usize(PING_LEN));
    this.#inFlight++;
    this.#lastSend = now;
  }

  /** The kernel behind a side's TUN: B's answers echo requests, A's counts the replies. */
  #kernel(s: Side, answer: boolean): void {
    const rx = this.#rx;
    for (;;) {
      const n = libc().read(s.kernelFd, rx, usize(rx.length));
      if (n <= 0) return;
      if (n < 28 || rx[9] !== 1 || rx[20] !== (answer ? 8 : 0)) continue;
      if (answer) {
        for (let i = 0; i < 4; i++) {
          const t = rx[12 + i]!;
          rx[12 + i] = rx[16 + i]!;
          rx[16 + i] = t;
        }
        rx[20] = 0; // echo reply
        libc().write(s.kernelFd, rx, usize(n));
      } else {
        this.#replies++;
        if (this.#inFlight > 0) this.#inFlight--;
        this.#lastReply = this.#clock();
      }
    }
  }

  /** Stops the engines and closes every descriptor. */
  close(): WarmUpResult {
    const result = {
      roundTrips: this.#replies,
      refused: this.#sides.reduce((n, s) => n + s.loop.stats.udpRefused, 0),
      busyPolls: this.#sides.reduce(
        (n, s) => n + s.loop.stats.busyPollHits + s.loop.stats.busyPollMisses,
        0,
      ),
      ms: this.#clock() - this.#started,
      finished: this.#finished,
    };
    if (this.#closed) return result;
    this.#closed = true;
    const now = this.#clock();
    for (const s of this.#sides) {
      try {
        s.engine.stop(now);
      } catch { /* best effort: it is being thrown away */ }
      s.loop.closeAll();
      s.tun.close();
      closeFd(s.kernelFd);
      closeFd(s.wakeFd);
    }
    for (const o of this.#sockets) {
      o.udp.close();
      closeFd(o.listener);
    }
    return result;
  }
}

/** Two UDP sockets, each with a TCP listener on its port, on the loopback address that works. */
function openLoopback(family: 4 | 6): Sockets[] {
  // Like the real socket: a dual-stack one reaches IPv4 peers through v4-mapped addresses.
  const hosts = family === 6 ? ["::ffff:127.0.0.1", "::1", "127.0.0.1"] : ["127.0.0.1", "::1"];
  let last: unknown = null;
  for (const host of hosts) {
    const opened: Sockets[] = [];
    try {
      for (let i = 0; i < 2; i++) {
        const addresses = new SockAddrTable();
        const { udp, listener } = openUdpAndListener(
          { address: host, receiveBuffer: 1 << 18, sendBuffer: 1 << 18 },
          addresses,
        );
        opened.push({ host, udp, listener, addresses });
      }
      return opened;
    } catch (e) {
      for (const o of opened) {
        o.udp.close();
        closeFd(o.listener);
      }
      last = e;
    }
  }
  throw last;
}

/** ms after the engine's start when the warm-up begins. */
const WARM_UP_DELAY_MS = 1000;

/**
 * When the data-plane Worker warms up: a second after the engine starts, once the first
 * handshakes are done (the warm-up's background compiles would otherwise compete with them:
 * ~130 ms later first ping), and only where it applies: not with TINCTURE_WARMUP=0, outside
 * router mode, or with the slow built-in RSA (its handshakes would stall the real loop for
 * tens of ms).
 */
export class WarmUpSchedule {
  #at: number;
  #warm: WarmUp | null = null;

  constructor(
    readonly createEngine: CreateEngine,
    readonly config: unknown,
    readonly clock: () => number,
    readonly family: 4 | 6 | undefined,
    readonly log: Logger,
    readonly limits: Partial<LoopLimits> = {},
  ) {
    const c = config as Partial<EngineConfig>;
    const applies = Deno.env.get("TINCTURE_WARMUP") !== "0" &&
      Deno.env.get("TINCTURE_CRYPTO") !== "builtin" && family !== undefined &&
      c.mode === "router" && c.privateKey !== undefined && Array.isArray(c.hosts);
    this.#at = applies ? clock() + WARM_UP_DELAY_MS : Infinity;
  }

  /**
   * Runs a warm-up slice when one is due. Returns the longest the real loop may sleep before
   * the next (ms), or undefined when the warm-up is over or has nothing to do.
   */
  step(): number | undefined {
    if (this.#at !== Infinity) {
      const now = this.clock();
      if (now < this.#at) return Math.ceil(this.#at - now);
      this.#at = Infinity;
      try {
        this.#warm = new WarmUp(
          this.createEngine,
          this.config as EngineConfig,
          this.clock,
          this.family!,
          this.limits,
        );
      } catch (e) {
        this.log.log("info", "status", `JIT warm-up skipped: ${(e as Error).message}`);
      }
    }
    if (this.#warm === null) return undefined;
    const wait = this.#warm.step();
    if (wait >= 0) return wait;
    this.close();
    return undefined;
  }

  /** Ends a warm-up under way (reported in the log) and cancels one not yet started. */
  close(): void {
    this.#at = Infinity;
    if (this.#warm === null) return;
    const r = this.#warm.close();
    this.#warm = null;
    this.log.log(
      "info",
      "status",
      `JIT warm-up: ${r.roundTrips} round trips in ${r.ms.toFixed(0)} ms${
        r.finished ? "" : " (stopped early)"
      }`,
    );
  }
}
