/**
 * PacketPath: tincd 1.0.36's data path (src/net_packet.c + src/route.c) as the engine's
 * `DataPlane`. Plug it in with
 *
 *   new TincEngine(config, { ..., dataPlane: (control) => new PacketPath(control) })
 *
 * It implements send_packet (via/nexthop, TCPOnly, packets that came over TCP stay on TCP),
 * send_udppacket (REQ_KEY at most every 10 s while keyless with the packet sent over TCP to
 * the nexthop, frames above the confirmed PMTU go via the nexthop, EMSGSIZE lowers the MTU),
 * receive_udppacket (sender by UDP address, else try_harder over every node's key), MTU probes
 * (answered with byte 0 := 1, same length; replies feed PmtuState), broadcast_packet
 * (mst/direct/no) and route() through `Router` (router/switch/hub, ICMP, ARP/NDP, MSS clamping,
 * IPv4 fragmentation).
 *
 * Per-node state lives in `Node.channel` (a `DataChannel`). Nothing is allocated per packet
 * on the UDP/TUN/TCP paths (zlib compression aside). `now` is in ms.
 *
 * Notes for the engine:
 * - `keyReady(n)` has no `now`: PMTU discovery for n starts at the next `onTick`, and
 *   `nextTimeout()` then returns 0 so the driver ticks at once.
 * - Switch mode: the data plane ages learned MACs itself (every onTick) and calls
 *   `learnMac` once per new MAC and `forgetMac` when it expires.
 * - When a node's received seqno passes MAX_SEQNO we call `rekey()` (tincd: keyexpires = 0).
 *
 * @module
 */
import type { SockAddr } from "./types.ts";
import { FRAME_HEADROOM, MAX_DATAGRAM, MAX_FRAME } from "./types.ts";
import type { Subnet } from "./subnet.ts";
import type { ControlHooks, DataPlane, PacketKey } from "./engine.ts";
import type { Node } from "./node.ts";
import {
  ALGORITHMS,
  DataChannel,
  dropInKey,
  dropOutKey,
  generateInKey,
  installOutKey,
  type KeyParams,
  resolveParams,
} from "./data_channel.ts";
import { dropReasonText, PacketCodec } from "./packet.ts";
import { MTU, PMTU_FIXED, PMTU_NO_RESPONSE, PMTU_RESTART, type ProbeContext } from "./pmtu.ts";
import { Router } from "./route.ts";
import { MAX_SEQNO } from "./replay.ts";
import { DEFAULT_TRANSFORM } from "./config.ts";
import { OPTION_PMTU_DISCOVERY, OPTION_TCPONLY } from "./graph.ts";

/** Milliseconds between REQ_KEYs for one node (tincd: last_req_key + 10 <= now). */
const REQ_KEY_INTERVAL = 10_000;
const BUF = FRAME_HEADROOM + MAX_DATAGRAM + 256;

export class PacketPath implements DataPlane {
  readonly #codec = new PacketCodec();
  /** Decoded frames (UDP), with headroom for re-encryption when relaying. */
  readonly #frame = new Uint8Array(BUF);
  /** TCP PACKET bodies, copied here for headroom. */
  readonly #tcpFrame = new Uint8Array(BUF);
  readonly #probe = new Uint8Array(FRAME_HEADROOM + MAX_FRAME + 16);
  readonly #wire = new Uint8Array(BUF);
  readonly #router: Router<Node>;
  /** tincd's packet->priority of the packet being routed: -1 = came over TCP. */
  #priority = 0;
  #lastHardTry = -1;
  #pendingProbeStart = new Set<Node>();
  readonly #defaultParams: KeyParams;

  constructor(readonly control: ControlHooks) {
    const p = resolveParams(ALGORITHMS, control.config.transform);
    this.#defaultParams = typeof p === "string"
      ? resolveParams(ALGORITHMS, DEFAULT_TRANSFORM) as KeyParams
      : p;
    const cfg = control.config;
    this.#router = new Router<Node>(control.myself, control.subnets, {
      mode: cfg.mode,
      broadcast: cfg.broadcast,
      directOnly: cfg.directOnly,
      macExpire: cfg.macExpire,
    }, {
      sendPacket: (to, buf, off, len) => this.#sendPacket(to, buf, off, len, this.#now),
      broadcast: (from, buf, off, len) => this.#broadcast(from, buf, off, len, this.#now),
      mtuOf: (n) => (n.channel as DataChannel | null)?.pmtu.mtu ?? MTU,
      learnedMac: (s) => this.control.learnMac(s, this.#now),
      expiredMac: (s) => this.control.forgetMac(s),
    });
  }

  #now = 0;

  /** The node's channel, created on first use. */
  channel(n: Node): DataChannel {
    let ch = n.channel as DataChannel | null;
    if (!ch) {
      ch = new DataChannel(this.control.config.replayWindow);
      n.channel = ch;
    }
    return ch;
  }

  /** The router (tests, MAC dumps). */
  get router(): Router<Node> {
    return this.#router;
  }

  #log(level: "error" | "warning" | "info" | "debug", msg: () => string): void {
    const log = this.control.log;
    if (log.enabled(level, "traffic")) log.log(level, "traffic", msg());
  }

  // --- keys --------------------------------------------------------------------------------

  #paramsFor(n: Node): KeyParams {
    const host = this.control.config.hosts.find((h) => h.name === n.name);
    if (!host) return this.#defaultParams;
    const p = resolveParams(ALGORITHMS, host.transform);
    if (typeof p === "string") {
      this.#log("error", () => `${p} for ${n.name}; using the default transform`);
      return this.#defaultParams;
    }
    return p;
  }

  newInKey(n: Node): PacketKey {
    const ch = this.channel(n);
    const f = generateInKey(ch, this.control.crypto, this.#paramsFor(n));
    return {
      key: f.material,
      cipher: f.cipherNid,
      digest: f.digestNid,
      macLength: f.macLength,
      compression: f.compression,
    };
  }

  setOutKey(
    n: Node,
    key: Uint8Array,
    cipher: number,
    digest: number,
    macLength: number,
    compression: number,
  ): string | null {
    return installOutKey(
      this.channel(n),
      this.control.crypto,
      ALGORITHMS,
      key,
      cipher,
      digest,
      macLength,
      compression,
    );
  }

  outKeyInvalid(n: Node): void {
    const ch = n.channel as DataChannel | null;
    if (ch) dropOutKey(ch);
  }

  keyReady(n: Node): void {
    const ch = this.channel(n);
    if (n.options & OPTION_PMTU_DISCOVERY && !ch.pmtu.probes) this.#pendingProbeStart.add(n);
  }

  clearInKeys(): void {
    for (const n of this.control.nodes()) {
      const ch = n.channel as DataChannel | null;
      if (ch) dropInKey(ch);
    }
  }

  minMtu(n: Node): number {
    return (n.channel as DataChannel | null)?.pmtu.minmtu ?? 0;
  }

  connectionUp(n: Node, pmtu: number | null): void {
    const ch = this.channel(n);
    if (pmtu !== null && pmtu < ch.pmtu.mtu) ch.pmtu.mtu = pmtu;
  }

  reachabilityChanged(n: Node): void {
    n.validKey = false;
    n.lastReqKey = 0;
    const ch = n.channel as DataChannel | null;
    if (ch) {
      dropOutKey(ch);
      ch.pmtu.reset();
    }
    this.#pendingProbeStart.delete(n);
  }

  nodeRemoved(n: Node): void {
    const ch = n.channel as DataChannel | null;
    if (ch) {
      dropInKey(ch);
      dropOutKey(ch);
    }
    n.channel = null;
    this.#pendingProbeStart.delete(n);
  }

  macClaimed(s: Subnet): void {
    this.#router.expireMac(s);
  }

  // --- timers ------------------------------------------------------------------------------

  #probeCtx(n: Node, ch: DataChannel): ProbeContext {
    const cfg = this.control.config;
    return {
      usable: n.reachable && n.validKey && ch.outKey !== null,
      pingInterval: cfg.pingInterval,
      pingTimeout: cfg.pingTimeout,
      random: () => this.control.random(),
      sendProbe: (len) => this.#sendProbe(n, len),
    };
  }

  #sendProbe(n: Node, len: number): void {
    const p = this.#probe;
    const off = FRAME_HEADROOM;
    p.fill(0, off, off + 14);
    this.control.crypto.randomBytes(p.subarray(off + 14, off + len));
    this.#log("debug", () => `Sending MTU probe length ${len} to ${n.name}`);
    this.#sendUdpPacket(n, p, off, len, this.#now);
  }

  #runProbe(n: Node, start: boolean, now: number): void {
    const ch = this.channel(n);
    const pm = ch.pmtu;
    if (start) pm.start(now, this.#probeCtx(n, ch));
    else pm.tick(now, this.#probeCtx(n, ch));
    if (pm.event === PMTU_FIXED) {
      this.#log("info", () => `Fixing MTU of ${n.name} to ${pm.mtu} after ${pm.fixedAfter} probes`);
    } else if (pm.event === PMTU_NO_RESPONSE) {
      this.#log("info", () => `No response to MTU probes from ${n.name}`);
    } else if (pm.event === PMTU_RESTART) {
      this.#log("info", () => `${n.name} did not respond to UDP ping, restarting PMTU discovery`);
    }
  }

  onTick(now: number): void {
    this.#now = now;
    if (this.#pendingProbeStart.size) {
      const starts = [...this.#pendingProbeStart];
      this.#pendingProbeStart.clear();
      for (const n of starts) this.#runProbe(n, true, now);
    }
    for (const n of this.control.nodes()) {
      const ch = n.channel as DataChannel | null;
      if (ch && ch.pmtu.due(now)) this.#runProbe(n, false, now);
    }
    if (this.control.config.mode === "switch") this.#router.ageMacs(now);
  }

  nextTimeout(): number {
    if (this.#pendingProbeStart.size) return 0;
    let t = Infinity;
    for (const n of this.control.nodes()) {
      const ch = n.channel as DataChannel | null;
      if (ch && ch.pmtu.timer >= 0 && ch.pmtu.timer < t) t = ch.pmtu.timer;
    }
    return t;
  }

  // --- receiving ---------------------------------------------------------------------------

  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr, now: number): void {
    this.#now = now;
    if (len > MAX_DATAGRAM) len = MAX_DATAGRAM; // recvfrom reads at most MAXSIZE
    let n = this.control.nodeByUdp(from);
    if (!n) {
      n = this.#tryHarder(from, buf, off, len, now);
      if (!n) {
        // tincd logs this only at debug level: a flood of junk must not flood the log.
        this.#log("debug", () => `Received UDP packet from unknown source ${from.key}`);
        return;
      }
      this.control.setNodeUdp(n, from);
    }
    this.#receiveUdp(n, buf, off, len, now);
  }

  /**
   * try_harder: whose incoming key authenticates the datagram? Within the same second as the
   * previous attempt only nodes whose address has the sender's IP are tried. (tincd then drops
   * the datagram after learning the address; we deliver it, it is authenticated.)
   */
  #tryHarder(
    from: SockAddr,
    buf: Uint8Array,
    off: number,
    len: number,
    now: number,
  ): Node | undefined {
    const second = Math.floor(now / 1000);
    const limited = this.#lastHardTry === second;
    this.#lastHardTry = second;
    for (const n of this.control.nodes()) {
      if (n === this.control.myself) continue;
      const ch = n.channel as DataChannel | null;
      if (!ch?.inKey) continue;
      if (limited && (!n.udpAddress || n.udpAddress.ip !== from.ip)) continue;
      if (this.#codec.verifyMac(ch.inKey, buf, off, len)) return n;
    }
    return undefined;
  }

  #receiveUdp(n: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    const ch = this.channel(n);
    const f = this.#frame;
    const r = this.#codec.decode(ch.inKey, buf, off, len, f, FRAME_HEADROOM);
    if (r < 0) {
      this.#log("debug", () => `Dropped UDP packet from ${n.name}: ${dropReasonText(r)}`);
      return;
    }
    if (this.#codec.lost) {
      const lost = this.#codec.lost;
      this.#log("warning", () => `Lost ${lost} packets from ${n.name}`);
    }
    if (ch.inKey!.replay.received > MAX_SEQNO) this.control.rekey(); // tincd: keyexpires = 0
    const o = FRAME_HEADROOM;
    if (r >= 14 && f[o + 12] === 0 && f[o + 13] === 0) {
      this.#mtuProbe(n, f, o, r, this.#codec.origLen, now);
      return;
    }
    this.#priority = 0;
    this.#router.route(n, f, o, r, now);
  }

  /** mtu_probe_h. */
  #mtuProbe(n: Node, f: Uint8Array, off: number, len: number, origLen: number, now: number): void {
    this.#log("debug", () => `Got MTU probe length ${len} from ${n.name}`);
    if (f[off] === 0) {
      f[off] = 1;
      this.#sendUdpPacket(n, f, off, len, now);
    } else {
      this.channel(n).pmtu.onReply(origLen);
    }
  }

  onTun(buf: Uint8Array, off: number, len: number, now: number): void {
    this.#now = now;
    this.#priority = 0;
    this.#router.route(this.control.myself, buf, off, len, now);
  }

  onTcpPacket(from: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    this.#now = now;
    if (len > MAX_DATAGRAM) return; // consumed but ignored
    const f = this.#tcpFrame;
    for (let i = 0; i < len; i++) f[FRAME_HEADROOM + i] = buf[off + i]!; // no view allocated
    this.#priority = from.connection && from.connection.options & OPTION_TCPONLY ? 0 : -1;
    this.#router.route(from, f, FRAME_HEADROOM, len, now);
  }

  // --- sending -----------------------------------------------------------------------------

  /** send_packet. */
  #sendPacket(n: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    const me = this.control.myself;
    if (n === me) {
      this.control.out.writeTun(buf, off, len);
      return;
    }
    if (!n.reachable) {
      this.#log("debug", () => `Node ${n.name} is not reachable`);
      return;
    }
    const via = this.#priority === -1 || n.via === me ? n.nexthop : n.via;
    if (!via) return;
    if (this.#priority === -1 || ((me.options | via.options) & OPTION_TCPONLY)) {
      this.control.sendTcpPacket(via, buf, off, len);
    } else {
      this.#sendUdpPacket(via, buf, off, len, now);
    }
  }

  /** send_udppacket: `buf` must have 4 free bytes before `off`. */
  #sendUdpPacket(n: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    if (!n.reachable) return;
    const ch = this.channel(n);
    if (!n.validKey || !ch.outKey) {
      this.#log("debug", () => `No valid key known yet for ${n.name}, forwarding via TCP`);
      if (n.lastReqKey === 0 || n.lastReqKey + REQ_KEY_INTERVAL <= now) {
        this.control.requestKey(n, now);
      }
      if (n.nexthop) this.control.sendTcpPacket(n.nexthop, buf, off, len);
      return;
    }
    if (
      n.options & OPTION_PMTU_DISCOVERY && len > ch.pmtu.minmtu &&
      (buf[off + 12]! | buf[off + 13]!) !== 0
    ) {
      this.#log(
        "debug",
        () => `Packet for ${n.name} larger than minimum MTU, forwarding via nexthop`,
      );
      if (n.nexthop && n !== n.nexthop) this.#sendPacket(n.nexthop, buf, off, len, now);
      else if (n.nexthop) this.control.sendTcpPacket(n.nexthop, buf, off, len);
      return;
    }
    const to = n.udpAddress;
    if (!to) {
      if (n.nexthop) this.control.sendTcpPacket(n.nexthop, buf, off, len);
      return;
    }
    const m = this.#codec.encode(ch.outKey, buf, off, len, this.#wire, 0);
    if (m < 0) {
      this.#log("error", () => `Packet to ${n.name}: ${dropReasonText(m)}`);
      return;
    }
    if (!this.control.out.sendUdp(to, this.#wire, 0, m) && this.control.config.pmtuDiscovery) {
      ch.pmtu.onEmsgsize(len);
    }
  }

  /** broadcast_packet. */
  #broadcast(from: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    const me = this.control.myself;
    const cfg = this.control.config;
    if (from !== me) this.#sendPacket(me, buf, off, len, now);
    if (cfg.tunnelServer || cfg.broadcast === "no") return;
    if (cfg.broadcast === "mst") {
      const back = from === me ? null : from.nexthop?.connection ?? null;
      for (const c of this.control.connections()) {
        if (c.active && c.mst && c !== back && c.node) this.#sendPacket(c.node, buf, off, len, now);
      }
    } else if (cfg.broadcast === "direct") {
      if (from !== me) return;
      for (const n of this.control.nodes()) {
        if (
          n.reachable && n !== me && ((n.via === me && n.nexthop === n) || n.via === n)
        ) {
          this.#sendPacket(n, buf, off, len, now);
        }
      }
    }
  }
}
