/**
 * TincEngine: the tinc 1.0.36 protocol 17 engine, synchronous and pure. The driver feeds it
 * bytes and `now` (ms); it answers through EngineOutput. It owns all state (no globals), so
 * many engines can run in one process.
 *
 * Control flow mirrors tincd: meta lines go through receive_request (number, allow_request
 * gate, handler); a failing handler drops the connection (tarpitted); timers run in the
 * PingTimeout loop (dead connections, past-request ageing, KeyExpire) and per outgoing
 * connection (reconnect back-off).
 *
 * @module
 */
import type { ConnId, EngineOutput, Logger, SockAddr } from "./types.ts";
import type { EngineConfig, HostConfig } from "./config.ts";
import type { CryptoBackend } from "../crypto/types.ts";
import { MetaConnection, type MetaSink } from "./meta_connection.ts";
import {
  Graph,
  OPTION_CLAMP_MSS,
  OPTION_INDIRECT,
  OPTION_PMTU_DISCOVERY,
  OPTION_TCPONLY,
} from "./graph.ts";
import { Node } from "./node.ts";
import { PastRequests } from "./past_requests.ts";
import { ALL, hasHandler, LAST_REQUEST, Request, requestName } from "./request.ts";
import { scanRequestNumber } from "./scan.ts";
import { edgeAddress } from "./address.ts";
import {
  formatSubnet,
  parseSubnet,
  type Subnet,
  subnetContains,
  subnetEquals,
  SubnetTable,
} from "./subnet.ts";
import {
  ackHandler,
  challengeHandler,
  chalReplyHandler,
  idHandler,
  metakeyHandler,
  sendId,
} from "./protocol_auth.ts";
import { addEdgeHandler, delEdgeHandler, sendDelEdge } from "./protocol_edge.ts";
import {
  addSubnetHandler,
  delSubnetHandler,
  sendAddSubnet,
  sendDelSubnet,
} from "./protocol_subnet.ts";
import {
  ansKeyHandler,
  keyChangedHandler,
  reqKeyHandler,
  sendAnsKey,
  sendKeyChanged,
  sendReqKey,
} from "./protocol_key.ts";
import {
  pingHandler,
  pongHandler,
  sendPing,
  sendTcpPacket,
  tcpPacketHandler,
} from "./protocol_misc.ts";
import { PacketPath } from "./packet_path.ts";
import { xorshift32 } from "./xorshift.ts";

export interface EngineDeps {
  readonly crypto: CryptoBackend;
  readonly out: EngineOutput;
  readonly log: Logger;
  /** The time the engine is created (ms, monotonic). */
  readonly now: number;
  /** Replaces the data plane (default: lib/tinc/packet_path.ts PacketPath). */
  readonly dataPlane?: (control: ControlHooks) => DataPlane;
}

/** A packet key as ANS_KEY carries it. */
export interface PacketKey {
  /** Cipher key ‖ IV (1 byte for cipher none). */
  readonly key: Uint8Array;
  readonly cipher: number;
  readonly digest: number;
  readonly macLength: number;
  readonly compression: number;
}

/**
 * What the engine asks of the data plane (UDP/TUN/TCP-PACKET handling, packet keys, PMTU).
 * All methods are synchronous.
 */
export interface DataPlane {
  /** send_ans_key: a fresh key for traffic from `n` (resets its replay state). */
  newInKey(n: Node): PacketKey;
  /** ans_key_h: install n's key for our traffic to n; returns a problem or null. */
  setOutKey(
    n: Node,
    key: Uint8Array,
    cipher: number,
    digest: number,
    macLength: number,
    compression: number,
  ): string | null;
  /** Our outgoing key for n is no longer valid (KEY_CHANGED, new ANS_KEY pending). */
  outKeyInvalid(n: Node): void;
  /** A valid key arrived: start PMTU discovery if n.options says so. */
  keyReady(n: Node): void;
  /** KeyExpire: forget every incoming key. */
  clearInKeys(): void;
  /** n's discovered path MTU floor (0 = not confirmed). */
  minMtu(n: Node): number;
  /** A direct connection to n was activated; `pmtu` is its configured PMTU cap. */
  connectionUp(n: Node, pmtu: number | null): void;
  /** n became reachable or unreachable: reset keys and PMTU state. */
  reachabilityChanged(n: Node): void;
  /** n is being deleted. */
  nodeRemoved(n: Node): void;
  /** Another node claims a MAC subnet (switch mode fast handoff). */
  macClaimed(s: Subnet): void;
  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr, now: number): void;
  onTun(buf: Uint8Array, off: number, len: number, now: number): void;
  /** A PACKET body from a meta connection to `from`. */
  onTcpPacket(from: Node, buf: Uint8Array, off: number, len: number, now: number): void;
  onTick(now: number): void;
  nextTimeout(): number;
}

/** What the data plane may ask of the engine. */
export interface ControlHooks {
  readonly config: EngineConfig;
  readonly crypto: CryptoBackend;
  readonly out: EngineOutput;
  readonly log: Logger;
  readonly myself: Node;
  readonly subnets: SubnetTable<Node>;
  lookupNode(name: string): Node | undefined;
  /** Node owning this UDP address (lookup_node_udp), or undefined. */
  nodeByUdp(addr: SockAddr): Node | undefined;
  /** Every node (for try_harder). */
  nodes(): Iterable<Node>;
  /** update_node_udp. */
  setNodeUdp(n: Node, addr: SockAddr | null): void;
  /** REQ_KEY toward n (rate limit is the caller's: lastReqKey). */
  requestKey(n: Node, now: number): void;
  /**
   * Send a frame as `17 <len>` on n's meta connection (n must be a neighbour). False when
   * there is no active connection; a frame lost to Random Early Drop counts as sent.
   */
  sendTcpPacket(n: Node, buf: Uint8Array, off: number, len: number): boolean;
  /** send_ans_key toward n. */
  sendAnsKey(n: Node): void;
  /** Connections in the broadcast tree (mst), for broadcast forwarding. */
  connections(): Iterable<MetaConnection>;
  /** Switch mode: a MAC we learned locally (announce) or that expired (withdraw). */
  learnMac(s: Subnet, now: number): void;
  forgetMac(s: Subnet): void;
  /** Forces a KeyExpire at the next tick (a node's seqno passed MAX_SEQNO). */
  rekey(): void;
  /** A uniform number in (0, 1) for random decisions (PMTU probe sizes). */
  random(): number;
}

/** Bounds against a flood from one peer. */
export const LIMITS = {
  nodes: 4096,
  edges: 32768,
  edgesPerNode: 512,
  subnets: 32768,
  subnetsPerNode: 512,
  pastRequests: 65536,
};

/** A ConnectTo entry: where to reconnect, with the back-off. */
export interface Outgoing {
  readonly name: string;
  host: HostConfig;
  /** Back-off in seconds, +5 per failed round. */
  timeout: number;
  /** Index of the next Address to try. */
  nextAddress: number;
  /** When to start the next round (ms), or null when a connection is up or being tried. */
  retryAt: number | null;
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

type Handler = (e: TincEngine, c: MetaConnection, line: string) => boolean;

const HANDLERS: (Handler | null)[] = [
  idHandler,
  metakeyHandler,
  challengeHandler,
  chalReplyHandler,
  ackHandler,
  null,
  null,
  null,
  pingHandler,
  pongHandler,
  addSubnetHandler,
  delSubnetHandler,
  addEdgeHandler,
  delEdgeHandler,
  keyChangedHandler,
  reqKeyHandler,
  ansKeyHandler,
  tcpPacketHandler,
];

export class TincEngine {
  readonly crypto: CryptoBackend;
  readonly out: EngineOutput;
  readonly log: Logger;
  readonly graph: Graph;
  readonly subnets = new SubnetTable<Node>();
  readonly past = new PastRequests(LIMITS.pastRequests);
  readonly connections = new Map<ConnId, MetaConnection>();
  readonly outgoings: Outgoing[] = [];
  readonly dataPlane: DataPlane;
  /** OPTION_* bits of myself (tincd myself->options). */
  readonly myOptions: number;
  /** Current time (ms) while handling an input. */
  now: number;
  contradictingAddEdge = 0;
  contradictingDelEdge = 0;

  /** StrictSubnets, or TunnelServer which implies it. */
  readonly strictSubnets: boolean;
  readonly pingInterval: number;
  readonly pingTimeout: number;
  #nextConnId = 1;
  #lastPingCheck: number;
  #keyExpires: number;
  #started = false;
  #stopped = false;
  #hosts = new Map<string, HostConfig>();
  #udpIndex = new Map<string, Node>();
  #rand: number;
  #acceptSecond = -1;
  #acceptBurst = 0;
  #sink: MetaSink;

  constructor(public config: EngineConfig, deps: EngineDeps) {
    this.crypto = deps.crypto;
    this.out = deps.out;
    this.log = deps.log;
    this.now = deps.now;
    this.strictSubnets = config.strictSubnets || config.tunnelServer;
    this.pingInterval = config.pingInterval < 1 ? 86400 : config.pingInterval;
    this.pingTimeout = Math.min(Math.max(config.pingTimeout, 1), this.pingInterval);
    this.#lastPingCheck = deps.now;
    this.#keyExpires = deps.now + config.keyExpire * 1000;
    for (const h of config.hosts) this.#hosts.set(h.name, h);
    this.graph = new Graph(config.name, (n, a) => this.setNodeUdp(n, a));
    let opts = 0;
    if (config.indirectData) opts |= OPTION_INDIRECT;
    if (config.tcpOnly) opts |= OPTION_TCPONLY | OPTION_INDIRECT;
    if (config.pmtuDiscovery && !config.tcpOnly) opts |= OPTION_PMTU_DISCOVERY;
    if (config.clampMss) opts |= OPTION_CLAMP_MSS;
    this.myOptions = opts;
    this.graph.myself.options = opts;
    const seed = new Uint8Array(4);
    this.crypto.randomBytes(seed);
    this.#rand = ((seed[0]! << 24) | (seed[1]! << 16) | (seed[2]! << 8) | seed[3]!) >>> 0 || 1;
    this.#sink = {
      line: (c, line) => this.#receiveRequest(c, line),
      packet: (c, buf, off, len) => this.#receiveTcpPacket(c, buf, off, len),
    };
    const hooks = this.#controlHooks();
    this.dataPlane = deps.dataPlane ? deps.dataPlane(hooks) : new PacketPath(hooks);
    for (const text of config.subnets) {
      const s = parseSubnet(text);
      if (!s) {
        this.log.log("error", "status", `Invalid own subnet ${text}`);
        continue;
      }
      this.addSubnet(this.graph.myself, s);
    }
  }

  // --- driver API -------------------------------------------------------------------------

  /** Makes the ConnectTo connections and runs the graph (reachable: myself). */
  start(now: number): void {
    if (this.#started) return;
    this.#started = true;
    this.now = now;
    this.#lastPingCheck = now;
    this.#keyExpires = now + this.config.keyExpire * 1000;
    this.runGraph();
    for (const host of this.config.hosts) {
      if (!host.connectTo || host.name === this.config.name) continue;
      const o: Outgoing = { name: host.name, host, timeout: 0, nextAddress: 0, retryAt: null };
      this.outgoings.push(o);
      this.#setupOutgoing(o);
    }
  }

  /** The driver accepted a TCP connection on our port (ConnId >= 1_000_000). */
  onAccept(conn: ConnId, from: SockAddr, now: number): void {
    this.now = now;
    if (this.#stopped) {
      this.out.closeMeta(conn, false);
      return;
    }
    // More than 10 accepts within one second are tarpitted.
    const second = Math.floor(now / 1000);
    if (second === this.#acceptSecond) {
      if (++this.#acceptBurst >= 10) {
        this.out.closeMeta(conn, true);
        return;
      }
    } else {
      this.#acceptSecond = second;
      this.#acceptBurst = 0;
    }
    const c = this.#newConnection(conn, false, from);
    c.connecting = false;
    this.log.log("notice", "connections", `Connection from ${c.hostname}`);
  }

  /** An outgoing connection we asked for with `connect` is established. */
  onConnected(conn: ConnId, now: number): void {
    this.now = now;
    const c = this.connections.get(conn);
    if (!c || c.closed || !c.connecting) return;
    c.connecting = false;
    c.lastPingTime = now;
    this.log.log("notice", "connections", `Connected to ${c.name} (${c.hostname})`);
    sendId(this, c);
  }

  /** An outgoing connection could not be established: try the next address. */
  onConnectFailed(conn: ConnId, now: number): void {
    this.now = now;
    const c = this.connections.get(conn);
    if (!c || c.closed) return;
    this.log.log("error", "connections", `Error while connecting to ${c.name} (${c.hostname})`);
    this.#removeConnection(c);
    const o = c.outgoingRecord;
    c.outgoingRecord = null;
    if (o) this.#doOutgoing(o);
    this.#maybePurge();
  }

  /** Bytes arrived on a meta connection. */
  onMetaData(conn: ConnId, bytes: Uint8Array, now: number): void {
    this.now = now;
    const c = this.connections.get(conn);
    if (!c || c.closed) return;
    let ok: boolean;
    try {
      ok = c.receive(bytes, this.#sink);
    } catch (err) {
      // Malformed input must never escape the engine.
      this.log.log("error", "meta", `Error while processing data from ${c.name}: ${err}`);
      ok = false;
    }
    if (!ok && !c.closed) {
      if (c.bufferOverflow) {
        this.log.log(
          "error",
          "meta",
          `Metadata read buffer overflow for ${c.name} (${c.hostname})`,
        );
      }
      this.terminate(c, c.active, true);
    }
    this.#maybePurge();
  }

  /** The peer closed the meta connection (or the socket failed). */
  onMetaClosed(conn: ConnId, now: number): void {
    this.now = now;
    const c = this.connections.get(conn);
    if (!c || c.closed) return;
    this.log.log("notice", "connections", `Connection closed by ${c.name} (${c.hostname})`);
    this.terminate(c, c.active, false);
    this.#maybePurge();
  }

  /** A UDP datagram arrived on our port: `buf[off, off+len)`. */
  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr, now: number): void {
    this.now = now;
    try {
      this.dataPlane.onUdp(buf, off, len, from, now);
    } catch (err) {
      this.log.log("error", "traffic", `Error handling UDP from ${from.key}: ${err}`);
    }
  }

  /** A frame from the local device, with FRAME_HEADROOM free bytes before `off`. */
  onTun(buf: Uint8Array, off: number, len: number, now: number): void {
    this.now = now;
    try {
      this.dataPlane.onTun(buf, off, len, now);
    } catch (err) {
      this.log.log("error", "traffic", `Error handling a local frame: ${err}`);
    }
  }

  /** Runs due timers. */
  onTick(now: number): void {
    this.now = now;
    if (this.#stopped) return;
    if (this.#lastPingCheck + this.pingTimeout * 1000 <= now) {
      this.#checkDeadConnections(now);
      this.#lastPingCheck = now;
      this.past.age(now, this.pingInterval * 1000);
      if (this.#keyExpires <= now) {
        this.dataPlane.clearInKeys();
        sendKeyChanged(this);
        this.#keyExpires = now + this.config.keyExpire * 1000;
      }
    }
    for (const o of this.outgoings) {
      if (o.retryAt !== null && o.retryAt <= now) {
        o.retryAt = null;
        this.#setupOutgoing(o);
      }
    }
    this.dataPlane.onTick(now);
    this.#maybePurge();
  }

  /** When onTick should next be called (ms, absolute). */
  nextTimeout(): number {
    let t = this.#lastPingCheck + this.pingTimeout * 1000;
    for (const o of this.outgoings) if (o.retryAt !== null && o.retryAt < t) t = o.retryAt;
    const d = this.dataPlane.nextTimeout();
    return d < t ? d : t;
  }

  dump(): EngineState {
    const nodes = this.graph.sortedNodes().map((n) => ({
      name: n.name,
      reachable: n.reachable,
      nexthop: n.nexthop?.name ?? null,
      via: n.via?.name ?? null,
      distance: n.distance,
      options: n.options,
      address: n.udpAddress?.key ?? null,
      validKey: n.validKey,
    }));
    const edges = [];
    for (const n of this.graph.sortedNodes()) {
      for (const e of [...n.edges.values()].sort((a, b) => a.to.name < b.to.name ? -1 : 1)) {
        edges.push({
          from: e.from.name,
          to: e.to.name,
          address: e.address.host,
          port: e.address.port,
          options: e.options,
          weight: e.weight,
        });
      }
    }
    const subnets = [...this.subnets.entries()].map((s) => ({
      owner: s.owner.name,
      subnet: formatSubnet(s.subnet),
    }));
    const connections = [...this.connections.values()].map((c) => ({
      id: c.id,
      name: c.name,
      address: c.address?.key ?? null,
      outgoing: c.outgoing,
      active: c.active,
      options: c.options,
    }));
    return { name: this.config.name, nodes, edges, subnets, connections };
  }

  /** Closes everything: DEL_SUBNET/DEL_EDGE are not sent (tincd just closes). */
  stop(now: number): void {
    this.now = now;
    if (this.#stopped) return;
    this.#stopped = true;
    for (const o of this.outgoings) o.retryAt = null;
    for (const c of [...this.connections.values()]) {
      c.outgoingRecord = null;
      this.terminate(c, false, false);
    }
    // tinc-down time: our own subnets go down too.
    for (const s of this.subnetsOf(this.graph.myself)) {
      this.#subnetEvent(this.graph.myself, s, false);
    }
  }

  // --- used by the protocol handlers --------------------------------------------------------

  /** A request line to one connection. */
  send(c: MetaConnection, line: string): void {
    if (this.log.enabled("debug", "protocol")) {
      this.log.log(
        "debug",
        "protocol",
        `Sending ${
          requestName(scanRequestNumber(line) ?? -1)
        } to ${c.name} (${c.hostname}): ${line}`,
      );
    }
    c.sendLine(line);
  }

  /** The same line to every active connection except `except` (broadcast_meta). */
  broadcast(line: string, except: MetaConnection | null): void {
    for (const c of this.connections.values()) {
      if (c !== except && c.active && !c.closed) this.send(c, line);
    }
  }

  /** To one connection, or to everyone when `c` is null. */
  sendOrBroadcast(c: MetaConnection | null, line: string): void {
    if (c) this.send(c, line);
    else this.broadcast(line, null);
  }

  /** forward_request: the byte-identical line to everyone else. */
  forward(from: MetaConnection, line: string): void {
    this.broadcast(line, from);
  }

  /** A `%x` nonce like tincd's rand(): 0..0x7fffffff (xorshift, seeded from the CSPRNG). */
  nonce(): string {
    const x = this.#rand = xorshift32(this.#rand);
    return (x & 0x7fffffff).toString(16);
  }

  /** A uniform number in (0, 1) for random decisions (same xorshift as `nonce`). */
  random(): number {
    this.#rand = xorshift32(this.#rand);
    return this.#rand / 0x100000000;
  }

  /** Logs a malformed request ("Got bad X from ...") and returns false (drop). */
  bad(c: MetaConnection, what: string, why?: string): false {
    this.log.log(
      "error",
      "protocol",
      `Got bad ${what} from ${c.name} (${c.hostname})${why ? `: ${why}` : ""}`,
    );
    return false;
  }

  hostConfig(name: string): HostConfig | undefined {
    return this.#hosts.get(name);
  }

  /** Finds or creates a node (node_add), honouring the node cap. */
  ensureNode(name: string): Node {
    let n = this.graph.lookupNode(name);
    if (!n) {
      n = new Node(name);
      this.graph.addNode(n);
    }
    return n;
  }

  /** Whether an ADD_EDGE from→to fits the caps (nodes it creates, edges per node, total). */
  admitEdge(fromName: string, toName: string): boolean {
    const g = this.graph;
    const from = g.lookupNode(fromName);
    const newNodes = (from ? 0 : 1) + (g.lookupNode(toName) ? 0 : 1);
    const ok = g.nodes.size + newNodes <= LIMITS.nodes && g.edgeCount < LIMITS.edges &&
      (!from || from.edges.size < LIMITS.edgesPerNode);
    if (!ok) {
      this.log.log(
        "warning",
        "protocol",
        `Dropping ADD_EDGE ${fromName}→${toName}: limits reached`,
      );
    }
    return ok;
  }

  admitSubnet(owner: string): boolean {
    const n = this.graph.lookupNode(owner);
    const ok = this.subnets.size < LIMITS.subnets &&
      (n ? n.subnets.size < LIMITS.subnetsPerNode : this.graph.nodes.size < LIMITS.nodes);
    if (!ok) {
      this.log.log("warning", "protocol", `Dropping ADD_SUBNET for ${owner}: limits reached`);
    }
    return ok;
  }

  /** Whether `owner` may claim `s`: its host entry's allowed subnets, else remoteSubnets. */
  subnetAllowed(owner: string, s: Subnet): boolean {
    const host = this.hostConfig(owner);
    // StrictSubnets (implied by TunnelServer): only what our host entries list.
    if (this.strictSubnets && !host?.allowedSubnets) return false;
    const allowed = host?.allowedSubnets ?? this.config.remoteSubnets;
    if (allowed === null) return true;
    for (const text of allowed) {
      const a = parseSubnet(text);
      if (a && subnetContains(a, s)) return true;
    }
    return false;
  }

  findSubnet(owner: Node, s: Subnet): Subnet | undefined {
    for (const [, x] of owner.subnets) if (subnetEquals(x.subnet, s)) return x.subnet;
    return undefined;
  }

  subnetsOf(n: Node): Subnet[] {
    return this.subnets.ofOwner(n);
  }

  addSubnet(owner: Node, s: Subnet): void {
    owner.subnets.set(formatSubnet(s), { subnet: s, expires: 0 });
    this.subnets.add(owner, s);
    if (owner.reachable) this.#subnetEvent(owner, s, true);
  }

  delSubnet(owner: Node, s: Subnet): void {
    if (owner.reachable) this.#subnetEvent(owner, s, false);
    owner.subnets.delete(formatSubnet(s));
    this.subnets.remove(owner, s);
  }

  #subnetEvent(owner: Node, s: Subnet, up: boolean): void {
    const text = formatSubnet(s);
    this.out.event({
      type: up ? "subnet-up" : "subnet-down",
      node: owner.name,
      subnet: text.slice(0, text.lastIndexOf("#")),
      weight: s.weight,
    });
  }

  /** update_node_udp: keeps the UDP address index. */
  setNodeUdp(n: Node, addr: SockAddr | null): void {
    if (n.udpAddress && this.#udpIndex.get(n.udpAddress.key) === n) {
      this.#udpIndex.delete(n.udpAddress.key);
    }
    n.udpAddress = addr;
    if (addr) this.#udpIndex.set(addr.key, n);
  }

  /** graph(): sssp_bfs + mst_kruskal, then the consequences of reachability changes. */
  runGraph(): void {
    this.subnets.flushCache();
    const flipped = this.graph.sssp();
    this.graph.mst(this.connections.values());
    for (const n of flipped) {
      this.log.log(
        "info",
        "traffic",
        `Node ${n.name} became ${n.reachable ? "reachable" : "unreachable"}`,
      );
      this.dataPlane.reachabilityChanged(n);
      this.out.event({
        type: n.reachable ? "host-up" : "host-down",
        node: n.name,
        address: n.udpAddress,
      });
      for (const s of this.subnetsOf(n)) this.#subnetEvent(n, s, n.reachable);
      if (n.reachable && n.connection) sendAnsKey(this, n);
    }
  }

  /**
   * terminate_connection: closes (or tarpits) the socket; for an active connection removes
   * our edge, announces DEL_EDGE when `report`, reruns the graph; an outgoing connection
   * moves on to its next address.
   */
  terminate(c: MetaConnection, report: boolean, tarpit: boolean): void {
    if (c.closed) return;
    const wasActive = c.active;
    this.log.log("notice", "connections", `Closing connection with ${c.name} (${c.hostname})`);
    c.active = false;
    this.#removeConnection(c);
    this.out.closeMeta(c.id, tarpit);
    const n = c.node;
    if (n && n.connection === c) n.connection = null;
    if (c.edge && n) {
      if (report && !this.config.tunnelServer) {
        sendDelEdge(this, null, this.graph.myself.name, n.name);
      }
      this.graph.delEdge(c.edge);
      c.edge = null;
      this.runGraph();
      if (report && !n.reachable) {
        const back = this.graph.lookupEdge(n, this.graph.myself);
        if (back) {
          if (!this.config.tunnelServer) sendDelEdge(this, null, n.name, this.graph.myself.name);
          this.graph.delEdge(back);
        }
      }
    }
    if (wasActive && n) {
      this.out.event({ type: "connection-down", node: n.name, address: c.address });
    }
    const o = c.outgoingRecord;
    c.outgoingRecord = null;
    if (o && !this.#stopped) this.#doOutgoing(o);
  }

  /**
   * SIGHUP (tincd's reload_configuration): takes a new configuration without dropping what
   * did not change. Connections to hosts whose entry changed or vanished are closed (they come
   * back under the new rules), ConnectTo changes start or stop outgoing connections, and our
   * own subnets are announced or withdrawn. Name, key, port, mode and the mesh-wide timers
   * are fixed for the life of the engine: a change to them is logged and needs a restart.
   */
  reload(config: EngineConfig, now: number): void {
    this.now = now;
    const old = this.config;
    const fixed = ([
      "name",
      "privateKey",
      "port",
      "mode",
      "pingInterval",
      "pingTimeout",
      "tcpOnly",
    ] as const).filter((k) =>
      k === "privateKey" ? old.privateKey.n !== config.privateKey.n : old[k] !== config[k]
    );
    if (fixed.length) {
      this.log.log(
        "warning",
        "status",
        `Reload: ${fixed.join(", ")} changed; they take effect after a restart`,
      );
      config = { ...config, ...pick(old, fixed) };
    }
    this.config = config;
    this.#hosts = new Map(config.hosts.map((h) => [h.name, h]));

    // Hosts still configured whose connection is closed here: dialled again below.
    const redial = new Set<string>();
    for (const c of [...this.connections.values()]) {
      const was = c.host;
      if (!was) continue;
      const now = this.#hosts.get(was.name);
      if (now && sameHost(was, now)) {
        c.host = now;
        continue;
      }
      this.log.log(
        "notice",
        "connections",
        `Host ${was.name} ${now ? "changed" : "removed"} in the configuration`,
      );
      c.outgoingRecord = null;
      this.terminate(c, true, false);
      if (now) redial.add(was.name);
    }

    // Outgoing connections: drop those no longer wanted, add the new ones.
    for (let i = this.outgoings.length - 1; i >= 0; i--) {
      const o = this.outgoings[i]!;
      const h = this.#hosts.get(o.name);
      if (h?.connectTo && h.name !== config.name) {
        o.host = h;
        if (redial.has(o.name) && this.#started) this.#setupOutgoing(o);
        continue;
      }
      this.outgoings.splice(i, 1);
      const c = this.graph.lookupNode(o.name)?.connection;
      if (c?.outgoingRecord === o) c.outgoingRecord = null;
    }
    if (this.#started) {
      for (const h of config.hosts) {
        if (!h.connectTo || h.name === config.name) continue;
        if (this.outgoings.some((o) => o.name === h.name)) continue;
        const o: Outgoing = { name: h.name, host: h, timeout: 0, nextAddress: 0, retryAt: null };
        this.outgoings.push(o);
        this.#setupOutgoing(o);
      }
    }

    // Our own subnets.
    const me = this.graph.myself;
    const wanted: Subnet[] = [];
    for (const text of config.subnets) {
      const sn = parseSubnet(text);
      if (sn) wanted.push(sn);
      else this.log.log("error", "status", `Invalid own subnet ${text}`);
    }
    for (const have of this.subnetsOf(me)) {
      if (wanted.some((w) => subnetEquals(w, have))) continue;
      sendDelSubnet(this, null, me, have);
      this.delSubnet(me, have);
    }
    for (const w of wanted) {
      if (this.findSubnet(me, w)) continue;
      this.addSubnet(me, w);
      sendAddSubnet(this, null, me, w);
    }
    this.log.log("notice", "status", "Configuration reloaded");
  }

  // --- internals ----------------------------------------------------------------------------

  #newConnection(id: ConnId, outgoing: boolean, address: SockAddr | null): MetaConnection {
    const c = new MetaConnection(
      id,
      outgoing,
      address,
      this.now,
      (conn, data) => this.out.sendMeta(conn, data),
    );
    this.connections.set(id, c);
    return c;
  }

  #removeConnection(c: MetaConnection): void {
    c.close();
    this.connections.delete(c.id);
  }

  /** receive_request: number, allow_request gate, handler. */
  #receiveRequest(c: MetaConnection, line: string): boolean {
    const reqno = scanRequestNumber(line);
    if (reqno === null) {
      this.log.log("error", "protocol", `Bogus data received from ${c.name} (${c.hostname})`);
      return false;
    }
    if (reqno < 0 || reqno >= LAST_REQUEST || !hasHandler(reqno)) {
      this.log.log("error", "protocol", `Unknown request from ${c.name} (${c.hostname}): ${line}`);
      return false;
    }
    if (this.log.enabled("debug", "protocol")) {
      this.log.log(
        "debug",
        "protocol",
        `Got ${requestName(reqno)} from ${c.name} (${c.hostname}): ${line}`,
      );
    }
    if (c.allowRequest !== ALL && c.allowRequest !== reqno) {
      this.log.log("error", "protocol", `Unauthorized request from ${c.name} (${c.hostname})`);
      return false;
    }
    const ok = HANDLERS[reqno]!(this, c, line);
    if (!ok) {
      this.log.log(
        "error",
        "protocol",
        `Error while processing ${requestName(reqno)} from ${c.name} (${c.hostname})`,
      );
    }
    return ok;
  }

  #receiveTcpPacket(c: MetaConnection, buf: Uint8Array, off: number, len: number): boolean {
    // Longer than MAXSIZE: consumed but ignored.
    if (len > 1661 || !c.node) return true;
    this.dataPlane.onTcpPacket(c.node, buf, off, len, this.now);
    return true;
  }

  #checkDeadConnections(now: number): void {
    const timeout = this.pingTimeout * 1000;
    for (const c of [...this.connections.values()]) {
      if (c.closed || c.lastPingTime + timeout > now) continue;
      if (c.active) {
        if (c.pinged) {
          this.log.log(
            "info",
            "connections",
            `${c.name} (${c.hostname}) didn't respond to PING in ${
              Math.round((now - c.lastPingTime) / 1000)
            } seconds`,
          );
          this.terminate(c, true, false);
        } else if (c.lastPingTime + this.pingInterval * 1000 <= now) {
          sendPing(this, c);
        }
      } else if (c.connecting) {
        // An outgoing connect() still in progress: give up on it, try the next address.
        this.log.log(
          "warning",
          "connections",
          `Timeout while connecting to ${c.name} (${c.hostname})`,
        );
        this.out.closeMeta(c.id, false);
        this.#removeConnection(c);
        const o = c.outgoingRecord;
        c.outgoingRecord = null;
        if (o) this.#doOutgoing(o);
      } else {
        this.log.log(
          "warning",
          "connections",
          `Timeout from ${c.name} (${c.hostname}) during authentication`,
        );
        this.terminate(c, false, true);
      }
    }
  }

  /** setup_outgoing_connection. */
  #setupOutgoing(o: Outgoing): void {
    const n = this.graph.lookupNode(o.name);
    if (n?.connection) {
      n.connection.outgoingRecord = o;
      return;
    }
    o.nextAddress = 0;
    this.#doOutgoing(o);
  }

  /** do_outgoing_connection: the next numeric Address, or back off when none is left. */
  #doOutgoing(o: Outgoing): void {
    const addrs = o.host.addresses;
    while (o.nextAddress < addrs.length) {
      const a = addrs[o.nextAddress++]!;
      const sa = edgeAddress(a.host, String(a.port)).sock;
      if (!sa) {
        this.log.log(
          "error",
          "connections",
          `Address ${a.host} of ${o.name} is not numeric; skipped`,
        );
        continue;
      }
      const c = this.#newConnection(this.#nextConnId++, true, sa);
      c.name = o.name;
      c.host = o.host;
      c.outgoingRecord = o;
      c.connecting = true;
      this.log.log("info", "connections", `Trying to connect to ${o.name} (${c.hostname})`);
      this.out.connect(c.id, sa);
      return;
    }
    // retry_outgoing: +5 s per round, clamped to [0, MaxTimeout].
    o.timeout = Math.min(Math.max(o.timeout + 5, 0), this.config.maxTimeout);
    o.retryAt = this.now + o.timeout * 1000;
    o.nextAddress = 0;
    this.log.log(
      "notice",
      "connections",
      `Trying to re-establish outgoing connection in ${o.timeout} seconds`,
    );
  }

  #maybePurge(): void {
    if (this.connections.size === 0 && this.#started) this.purge();
  }

  /** purge(): forget edges and subnets of unreachable nodes, then nodes nobody points to. */
  purge(): void {
    const g = this.graph;
    let any = false;
    for (const n of g.sortedNodes()) {
      if (n.reachable) continue;
      if (n.subnets.size === 0 && n.edges.size === 0) continue;
      any = true;
      for (const s of this.subnetsOf(n)) {
        sendDelSubnet(this, null, n, s);
        if (!this.strictSubnets) this.delSubnet(n, s);
      }
      for (const e of [...n.edges.values()].sort((a, b) => a.to.name < b.to.name ? -1 : 1)) {
        if (!this.config.tunnelServer) sendDelEdge(this, null, n.name, e.to.name);
        g.delEdge(e);
      }
    }
    for (const n of [...g.sortedNodes()]) {
      if (n.reachable) continue;
      const pointed = g.edgesByWeight.some((e) => e.to === n);
      if (!pointed && (!this.strictSubnets || n.subnets.size === 0)) {
        for (const s of this.subnetsOf(n)) this.delSubnet(n, s);
        this.setNodeUdp(n, null);
        this.dataPlane.nodeRemoved(n);
        g.delNode(n);
        any = true;
      }
    }
    if (any) this.log.log("info", "status", "Purged unreachable nodes");
  }

  #controlHooks(): ControlHooks {
    // deno-lint-ignore no-this-alias
    const e = this;
    return {
      get config() {
        return e.config;
      },
      get crypto() {
        return e.crypto;
      },
      get out() {
        return e.out;
      },
      get log() {
        return e.log;
      },
      get myself() {
        return e.graph.myself;
      },
      get subnets() {
        return e.subnets;
      },
      lookupNode: (name) => e.graph.lookupNode(name),
      nodeByUdp: (addr) => e.#udpIndex.get(addr.key),
      nodes: () => e.graph.nodes.values(),
      setNodeUdp: (n, addr) => e.setNodeUdp(n, addr),
      requestKey: (n, now) => {
        n.lastReqKey = now;
        sendReqKey(e, n);
      },
      sendTcpPacket: (n, buf, off, len) => {
        const c = n.connection;
        if (!c || !c.active) return false;
        return sendTcpPacket(e, c, buf, off, len);
      },
      sendAnsKey: (n) => {
        sendAnsKey(e, n);
      },
      connections: () => e.connections.values(),
      random: () => e.random(),
      learnMac: (s, now) => {
        const me = e.graph.myself;
        const key = formatSubnet(s);
        const have = me.subnets.get(key);
        if (have) {
          have.expires = now + e.config.macExpire * 1000;
          return;
        }
        e.addSubnet(me, s);
        me.subnets.get(key)!.expires = now + e.config.macExpire * 1000;
        sendAddSubnet(e, null, me, s);
      },
      rekey: () => {
        e.#keyExpires = e.now;
        e.#lastPingCheck = Math.min(e.#lastPingCheck, e.now - e.pingTimeout * 1000);
      },
      forgetMac: (s) => {
        const me = e.graph.myself;
        if (!e.findSubnet(me, s)) return;
        sendDelSubnet(e, null, me, s);
        e.delSubnet(me, s);
      },
    };
  }
}

export { Request };

/** Whether a host entry is the same in substance (a reload keeps its connection). */
/**
 * Whether a connection made under host entry `a` may carry on under `b`. Addresses only say
 * where to dial (a re-resolved DNS name must not cut a working link), so they do not count.
 */
function sameHost(a: HostConfig, b: HostConfig): boolean {
  return a.publicKey.n === b.publicKey.n && a.publicKey.e === b.publicKey.e &&
    JSON.stringify({ ...a, publicKey: null, addresses: null }) ===
      JSON.stringify({ ...b, publicKey: null, addresses: null });
}

function pick<T extends object, K extends keyof T>(o: T, keys: readonly K[]): Pick<T, K> {
  const r = {} as Pick<T, K>;
  for (const k of keys) r[k] = o[k];
  return r;
}
