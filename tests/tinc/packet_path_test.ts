import assert from "node:assert/strict";
import { PacketPath } from "../../lib/tinc/packet_path.ts";
import { Node } from "../../lib/tinc/node.ts";
import type { ControlHooks } from "../../lib/tinc/engine.ts";
import type { MetaConnection } from "../../lib/tinc/meta_connection.ts";
import { DEFAULT_TRANSFORM, ENGINE_DEFAULTS, type EngineConfig } from "../../lib/tinc/config.ts";
import { FRAME_HEADROOM, NULL_LOGGER, type SockAddr, sockAddr } from "../../lib/tinc/types.ts";
import { parseSubnet, SubnetTable } from "../../lib/tinc/subnet.ts";
import { OPTION_CLAMP_MSS, OPTION_PMTU_DISCOVERY, OPTION_TCPONLY } from "../../lib/tinc/graph.ts";
import { createCrypto } from "../../lib/crypto/mod.ts";
import type { DataChannel } from "../../lib/tinc/data_channel.ts";

const crypto = createCrypto();

/** One side of a fake mesh: its own Node objects, a subnet table, and recorded outputs. */
class Side {
  readonly nodes = new Map<string, Node>();
  readonly subnets = new SubnetTable<Node>();
  readonly udp: { to: SockAddr; data: Uint8Array }[] = [];
  readonly tcp: { to: string; data: Uint8Array }[] = [];
  readonly tun: Uint8Array[] = [];
  readonly reqKeys: string[] = [];
  readonly conns: { active: boolean; mst: boolean; node: Node; options: number }[] = [];
  udpFails = false;
  rekeys = 0;
  readonly path: PacketPath;
  readonly myself: Node;

  constructor(name: string, readonly addr: SockAddr, config: Partial<EngineConfig> = {}) {
    this.myself = this.node(name);
    this.myself.reachable = true;
    this.myself.via = this.myself;
    this.myself.nexthop = this.myself;
    const cfg = { ...ENGINE_DEFAULTS, name, hosts: [], transform: DEFAULT_TRANSFORM, ...config };
    const hooks: ControlHooks = {
      config: cfg as unknown as EngineConfig,
      crypto,
      log: NULL_LOGGER,
      myself: this.myself,
      subnets: this.subnets,
      out: {
        sendMeta() {},
        metaBacklog: () => 0,
        closeMeta() {},
        connect() {},
        sendUdp: (to, buf, off, len) => {
          if (this.udpFails) return false;
          this.udp.push({ to, data: buf.slice(off, off + len) });
          return true;
        },
        writeTun: (buf, off, len) => {
          this.tun.push(buf.slice(off, off + len));
        },
        event() {},
      },
      lookupNode: (n) => this.nodes.get(n),
      nodeByUdp: (a) => [...this.nodes.values()].find((n) => n.udpAddress?.key === a.key),
      nodes: () => this.nodes.values(),
      setNodeUdp: (n, a) => {
        n.udpAddress = a;
      },
      requestKey: (n, now) => {
        n.lastReqKey = now;
        this.reqKeys.push(n.name);
      },
      sendTcpPacket: (n, buf, off, len) => {
        this.tcp.push({ to: n.name, data: buf.slice(off, off + len) });
        return true;
      },
      sendAnsKey: () => {},
      connections: () => this.conns.values() as unknown as Iterable<MetaConnection>,
      learnMac: () => {},
      forgetMac: () => {},
      rekey: () => {
        this.rekeys++;
      },
      random: () => Math.random(),
    };
    this.path = new PacketPath(hooks);
  }

  node(name: string): Node {
    let n = this.nodes.get(name);
    if (!n) {
      n = new Node(name);
      this.nodes.set(name, n);
    }
    return n;
  }

  /** A direct, reachable neighbour with a meta connection. */
  neighbour(name: string, addr: SockAddr, options = OPTION_CLAMP_MSS): Node {
    const n = this.node(name);
    n.reachable = true;
    n.via = n;
    n.nexthop = n;
    n.options = options;
    n.udpAddress = addr;
    const conn = { active: true, mst: true, node: n, options };
    n.connection = conn as unknown as MetaConnection;
    this.conns.push(conn);
    return n;
  }

  sendFrame(dst: number[], len = 100, now = 0): void {
    const buf = new Uint8Array(FRAME_HEADROOM + len);
    const f = buf.subarray(FRAME_HEADROOM);
    f[12] = 0x08;
    f[14] = 0x45;
    f[16] = (len - 14) >> 8;
    f[17] = (len - 14) & 255;
    f[22] = 64;
    f[23] = 17;
    f.set([10, 0, 0, 1], 26);
    f.set(dst, 30);
    for (let i = 34; i < len; i++) f[i] = i & 0xff;
    this.path.onTun(buf, FRAME_HEADROOM, len, now);
  }
}

const A = sockAddr("192.0.2.1", 655);
const B = sockAddr("192.0.2.2", 655);

/** alpha (10.0.0.0/24) ↔ beta (10.0.1.0/24), direct neighbours. */
function pair(options = OPTION_CLAMP_MSS, cfgA: Partial<EngineConfig> = {}) {
  const a = new Side("alpha", A, cfgA);
  const b = new Side("beta", B);
  const aB = a.neighbour("beta", B, options);
  const bA = b.neighbour("alpha", A, options);
  a.subnets.add(a.myself, parseSubnet("10.0.0.0/24")!);
  a.subnets.add(aB, parseSubnet("10.0.1.0/24")!);
  b.subnets.add(b.myself, parseSubnet("10.0.1.0/24")!);
  b.subnets.add(bA, parseSubnet("10.0.0.0/24")!);
  return { a, b, aB, bA };
}

/** The ANS_KEY exchange in both directions, as the engine would run it. */
function exchangeKeys(a: Side, aB: Node, b: Side, bA: Node): void {
  const kb = b.path.newInKey(bA); // beta's key for traffic from alpha
  assert.equal(
    a.path.setOutKey(aB, kb.key, kb.cipher, kb.digest, kb.macLength, kb.compression),
    null,
  );
  aB.validKey = true;
  a.path.keyReady(aB);
  const ka = a.path.newInKey(aB);
  assert.equal(
    b.path.setOutKey(bA, ka.key, ka.cipher, ka.digest, ka.macLength, ka.compression),
    null,
  );
  bA.validKey = true;
  b.path.keyReady(bA);
}

function deliver(from: Side, to: Side, now = 0): number {
  const msgs = from.udp.splice(0);
  for (const m of msgs) {
    assert.equal(m.to.key, to.addr.key);
    const buf = new Uint8Array(m.data.length + 8);
    buf.set(m.data, 8);
    to.path.onUdp(buf, 8, m.data.length, from.addr, now);
  }
  return msgs.length;
}

Deno.test("packet path: keyless packets go by TCP with REQ_KEY at most every 10 s", () => {
  const { a } = pair();
  a.sendFrame([10, 0, 1, 5], 100, 20_000);
  a.sendFrame([10, 0, 1, 5], 100, 25_000);
  assert.deepEqual(a.reqKeys, ["beta"]);
  assert.equal(a.tcp.length, 2);
  assert.equal(a.tcp[0]!.to, "beta");
  assert.equal(a.tcp[0]!.data.length, 100);
  a.sendFrame([10, 0, 1, 5], 100, 29_999);
  assert.deepEqual(a.reqKeys, ["beta"]);
  a.sendFrame([10, 0, 1, 5], 100, 30_000);
  assert.deepEqual(a.reqKeys, ["beta", "beta"]);
  assert.equal(a.udp.length, 0);
});

Deno.test("packet path: UDP both ways after ANS_KEY; replays and forgeries dropped", () => {
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  a.sendFrame([10, 0, 1, 5], 200);
  assert.equal(a.udp.length, 1);
  const datagram = a.udp[0]!.data;
  assert.equal(deliver(a, b), 1);
  assert.equal(b.tun.length, 1);
  assert.equal(b.tun[0]!.length, 200);
  assert.deepEqual([...b.tun[0]!.subarray(30, 34)], [10, 0, 1, 5]);
  // the same datagram again: replay
  b.path.onUdp(datagram, 0, datagram.length, A, 0);
  assert.equal(b.tun.length, 1);
  // a flipped bit: MAC failure
  const forged = datagram.slice();
  forged[20]! ^= 4;
  b.path.onUdp(forged, 0, forged.length, A, 0);
  assert.equal(b.tun.length, 1);
  // and back
  b.sendFrame([10, 0, 0, 9], 80);
  assert.equal(deliver(b, a), 1);
  assert.equal(a.tun.length, 1);
  // seqnos start at 1 under a new key
  assert.equal((aB.channel as DataChannel).outKey!.sentSeqno, 1);
});

Deno.test("packet path: unknown source address → try_harder finds the node by its key", () => {
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  a.sendFrame([10, 0, 1, 5]);
  const m = a.udp.pop()!;
  const nat = sockAddr("198.51.100.7", 40000);
  b.path.onUdp(m.data, 0, m.data.length, nat, 0);
  assert.equal(b.tun.length, 1);
  assert.equal(bA.udpAddress, nat);
  // within the same second, only nodes whose address has the sender's IP are tried
  a.sendFrame([10, 0, 1, 5]);
  const m2 = a.udp.pop()!;
  const nat2 = sockAddr("198.51.100.8", 40000);
  b.path.onUdp(m2.data, 0, m2.data.length, nat2, 500);
  assert.equal(b.tun.length, 1);
  assert.equal(bA.udpAddress, nat);
  b.path.onUdp(m2.data, 0, m2.data.length, nat2, 1000);
  assert.equal(b.tun.length, 2);
  assert.equal(bA.udpAddress, nat2);
  // garbage from an unknown address is dropped and changes nothing
  b.path.onUdp(new Uint8Array(50), 0, 50, sockAddr("203.0.113.1", 1), 5_000);
  assert.equal(b.tun.length, 2);
  assert.equal(bA.udpAddress, nat2);
});

Deno.test("packet path: PMTU discovery with probes; frames above minmtu by TCP until confirmed", () => {
  const opts = OPTION_CLAMP_MSS | OPTION_PMTU_DISCOVERY;
  const { a, b, aB, bA } = pair(opts);
  exchangeKeys(a, aB, b, bA);
  assert.equal(a.path.nextTimeout(), 0);
  // before any probe reply, minmtu = 0: data goes over TCP
  a.sendFrame([10, 0, 1, 5], 300);
  assert.equal(a.tcp.length, 1);
  // a path that drops datagrams above 1000 bytes of UDP payload
  const run = (from: number, until: number) => {
    for (let t = from; t <= until; t += 1000) {
      a.path.onTick(t);
      if (t === 0) assert.equal(a.udp.length, 3); // one burst of 3 probes
      a.udp.splice(0).filter((m) => m.data.length <= 1000).forEach((m) => {
        b.path.onUdp(m.data, 0, m.data.length, A, t);
      });
      assert.equal(b.tun.length, 0); // probes never reach the device
      deliver(b, a, t); // beta answers each probe with byte 0 = 1, same length
    }
  };
  const ch = aB.channel as DataChannel;
  run(0, 31_000);
  assert.equal(ch.pmtu.probes, 31);
  assert.ok(ch.pmtu.mtu > 900 && ch.pmtu.mtu < 1000, `mtu ${ch.pmtu.mtu}`);
  a.tcp.length = 0;
  a.sendFrame([10, 0, 1, 5], 800);
  assert.equal(a.udp.length, 1);
  // larger than the fixed MTU (no DF): the router fragments it, the pieces go by UDP
  a.sendFrame([10, 0, 1, 5], ch.pmtu.minmtu + 1);
  assert.equal(a.udp.length, 3);
  assert.equal(a.tcp.length, 0);
});

Deno.test("packet path: EMSGSIZE lowers the MTU toward that node", () => {
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  a.udpFails = true;
  a.sendFrame([10, 0, 1, 5], 1400);
  const ch = aB.channel as DataChannel;
  assert.equal(ch.pmtu.maxmtu, 1399);
  assert.equal(ch.pmtu.mtu, 1399);
});

Deno.test("packet path: TCPOnly and packets that came by TCP stay on TCP", () => {
  const t = pair(OPTION_TCPONLY);
  exchangeKeys(t.a, t.aB, t.b, t.bA);
  t.a.sendFrame([10, 0, 1, 5]);
  assert.equal(t.a.udp.length, 0);
  assert.equal(t.a.tcp.length, 1);
  // alpha relays for gamma (10.0.2.0/24, behind beta): a PACKET from delta stays on TCP
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  const gamma = a.node("gamma");
  gamma.reachable = true;
  gamma.via = aB;
  gamma.nexthop = aB;
  a.subnets.add(gamma, parseSubnet("10.0.2.0/24")!);
  const delta = a.neighbour("delta", sockAddr("192.0.2.4", 655));
  const frame = new Uint8Array(60);
  frame[12] = 0x08;
  frame.set([10, 0, 2, 7], 30);
  a.path.onTcpPacket(delta, frame, 0, 60, 0);
  assert.equal(a.tcp.length, 1);
  assert.equal(a.tcp[0]!.to, "beta");
  assert.equal(a.udp.length, 0);
  // the same frame from the device goes by UDP to beta (via)
  const buf = new Uint8Array(FRAME_HEADROOM + 60);
  buf.set(frame, FRAME_HEADROOM);
  a.path.onTun(buf, FRAME_HEADROOM, 60, 0);
  assert.equal(a.udp.length, 1);
  // beta decrypts it and has no route to gamma: ICMP unknown goes back to alpha by UDP
  deliver(a, b);
  assert.equal(b.udp.length, 1);
});

Deno.test("packet path: broadcasts reach the device and MST neighbours except the sender's", () => {
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  const c = a.neighbour("gamma", sockAddr("192.0.2.3", 655));
  a.sendFrame([255, 255, 255, 255], 80);
  assert.deepEqual(a.reqKeys, ["gamma"]); // no key for gamma yet: TCP + REQ_KEY
  assert.equal(a.udp.length, 1);
  assert.equal(a.tcp.length, 1);
  assert.equal(a.tun.length, 0);
  deliver(a, b);
  assert.equal(b.tun.length, 1); // beta's device gets a copy; nothing goes back to alpha
  assert.equal(b.udp.length, 0);
  void c;
});

Deno.test("packet path: KeyExpire drops incoming keys; reachability resets keys and PMTU", () => {
  const { a, b, aB, bA } = pair(OPTION_PMTU_DISCOVERY);
  exchangeKeys(a, aB, b, bA);
  a.path.onTick(0);
  b.path.clearInKeys();
  deliver(a, b);
  assert.equal(b.udp.length, 0); // probes dropped: "hasn't got our key yet"
  const ch = aB.channel as DataChannel;
  ch.pmtu.minmtu = 500;
  aB.lastReqKey = 7;
  a.path.reachabilityChanged(aB);
  assert.equal(aB.validKey, false);
  assert.equal(aB.lastReqKey, 0);
  assert.equal(ch.outKey, null);
  assert.equal(ch.pmtu.minmtu, 0);
  assert.equal(ch.pmtu.timer, -1);
  a.path.connectionUp(aB, 1400);
  assert.equal(ch.pmtu.mtu, 1400);
  a.path.nodeRemoved(aB);
  assert.equal(aB.channel, null);
});

Deno.test("packet path: a seqno past MAX_SEQNO asks the engine for a rekey", () => {
  const { a, b, aB, bA } = pair();
  exchangeKeys(a, aB, b, bA);
  (aB.channel as DataChannel).outKey!.sentSeqno = 1073741824;
  a.sendFrame([10, 0, 1, 5]);
  deliver(a, b);
  assert.equal(b.tun.length, 0); // far future: dropped (1 of 4)
  assert.equal(b.rekeys, 0);
  for (let i = 0; i < 4; i++) a.sendFrame([10, 0, 1, 5]);
  deliver(a, b);
  assert.equal(b.tun.length, 1);
  assert.equal(b.rekeys, 1);
});
