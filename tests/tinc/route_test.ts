import assert from "node:assert/strict";
import {
  OPTION_CLAMP_MSS,
  ROUTE_ARP_REPLY,
  ROUTE_BROADCAST,
  ROUTE_DROP_LOCAL,
  ROUTE_DROP_LOOP,
  ROUTE_DROP_RATELIMIT,
  ROUTE_DROP_SHORT,
  ROUTE_DROP_TYPE,
  ROUTE_FRAGMENTED,
  ROUTE_ICMP,
  ROUTE_NDP_REPLY,
  ROUTE_UNICAST,
  type RouteNode,
  Router,
  type RouterConfig,
} from "../../lib/tinc/route.ts";
import { parseSubnet, type Subnet, SubnetTable } from "../../lib/tinc/subnet.ts";
import { inetChecksum } from "../../lib/tinc/frame.ts";
import type { BroadcastMode, RoutingMode } from "../../lib/tinc/config.ts";

class N implements RouteNode {
  reachable = true;
  via: N | null = null;
  nexthop: N | null = null;
  options = OPTION_CLAMP_MSS;
  mtu = 1518;
  constructor(readonly name: string) {}
}

interface Sent {
  to: string;
  frame: Uint8Array;
}

function setup(mode: RoutingMode = "router", broadcast: BroadcastMode = "mst", directOnly = false) {
  const me = new N("me");
  me.via = me;
  me.nexthop = me;
  const a = new N("a"); // direct neighbour
  a.via = a;
  a.nexthop = a;
  const b = new N("b"); // unreachable
  b.reachable = false;
  const c = new N("c"); // behind a (indirect)
  c.via = a;
  c.nexthop = a;
  const subnets = new SubnetTable<N>();
  subnets.add(me, parseSubnet("10.0.0.0/24")!);
  subnets.add(a, parseSubnet("10.1.0.0/16")!);
  subnets.add(b, parseSubnet("10.2.0.0/16")!);
  subnets.add(c, parseSubnet("10.3.0.0/16")!);
  subnets.add(a, parseSubnet("fd00:1::/32")!);
  subnets.add(me, parseSubnet("fd00:0::/32")!);
  const sent: Sent[] = [];
  const bcast: Sent[] = [];
  const learned: string[] = [];
  const expired: string[] = [];
  const cfg: RouterConfig = { mode, broadcast, directOnly, macExpire: 600 };
  const r = new Router<N>(me, subnets, cfg, {
    sendPacket: (to, buf, off, len) => sent.push({ to: to.name, frame: buf.slice(off, off + len) }),
    broadcast: (from, buf, off, len) =>
      bcast.push({ to: from.name, frame: buf.slice(off, off + len) }),
    mtuOf: (n) => n.mtu,
    learnedMac: (s: Subnet) => learned.push([...s.address].join(",")),
    expiredMac: (s: Subnet) => expired.push([...s.address].join(",")),
  });
  return { me, a, b, c, subnets, sent, bcast, learned, expired, r };
}

function ipv4(dst: number[], len = 60, df = true, proto = 17): Uint8Array {
  const f = new Uint8Array(len);
  f[12] = 0x08;
  f[14] = 0x45;
  f[16] = (len - 14) >> 8;
  f[17] = (len - 14) & 255;
  f[20] = df ? 0x40 : 0;
  f[22] = 64;
  f[23] = proto;
  f.set([10, 0, 0, 1], 26);
  f.set(dst, 30);
  for (let i = 34; i < len; i++) f[i] = i & 255;
  return f;
}

function ipv6(dst: number[], len = 100): Uint8Array {
  const f = new Uint8Array(len);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[18] = (len - 54) >> 8;
  f[19] = (len - 54) & 255;
  f[20] = 17;
  f.set([0xfd, 0, 0, 0], 22);
  f[37] = 1;
  f.set(dst, 38);
  return f;
}

const FD01 = [0xfd, 0, 0, 1, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 5];

Deno.test("router: unicast, unknown, unreachable, loops", () => {
  const { me, a, c, sent, r } = setup();
  assert.equal(r.route(me, ipv4([10, 1, 2, 3]), 0, 60, 0), ROUTE_UNICAST);
  assert.equal(sent.pop()!.to, "a");
  assert.equal(r.route(a, ipv4([10, 0, 0, 7]), 0, 60, 0), ROUTE_UNICAST);
  assert.equal(sent.pop()!.to, "me");
  assert.equal(r.route(me, ipv4([10, 3, 0, 1]), 0, 60, 0), ROUTE_UNICAST);
  assert.equal(sent.pop()!.to, "c");
  // owner == source, and via == source
  assert.equal(r.route(a, ipv4([10, 1, 0, 1]), 0, 60, 0), ROUTE_DROP_LOOP);
  assert.equal(r.route(a, ipv4([10, 3, 0, 1]), 0, 60, 0), ROUTE_DROP_LOOP);
  assert.equal(r.route(me, ipv4([10, 0, 0, 9]), 0, 60, 0), ROUTE_DROP_LOOP);
  assert.equal(sent.length, 0);
  // unknown → ICMP net unknown (3/6) back to the source; unreachable owner → 3/0
  assert.equal(r.route(me, ipv4([192, 168, 0, 1]), 0, 60, 1000), ROUTE_ICMP);
  let icmp = sent.pop()!;
  assert.equal(icmp.to, "me");
  assert.deepEqual([icmp.frame[34], icmp.frame[35]], [3, 6]);
  assert.deepEqual([...icmp.frame.subarray(26, 30)], [192, 168, 0, 1]);
  assert.equal(inetChecksum(icmp.frame, 14, 20), 0);
  assert.equal(r.route(c, ipv4([10, 2, 0, 1]), 0, 60, 1000), ROUTE_ICMP);
  icmp = sent.pop()!;
  assert.equal(icmp.to, "c");
  assert.deepEqual([icmp.frame[34], icmp.frame[35]], [3, 0]);
  // short and unknown types
  assert.equal(r.route(me, ipv4([10, 1, 0, 1]), 0, 30, 0), ROUTE_DROP_SHORT);
  const odd = ipv4([10, 1, 0, 1]);
  odd[12] = 0x88;
  assert.equal(r.route(me, odd, 0, 60, 0), ROUTE_DROP_TYPE);
});

Deno.test("router: ICMP errors are rate-limited to 3 per second", () => {
  const { me, r } = setup();
  const got = [0, 1, 2, 3].map(() => r.route(me, ipv4([192, 168, 0, 1]), 0, 60, 5000));
  assert.deepEqual(got, [ROUTE_ICMP, ROUTE_ICMP, ROUTE_ICMP, ROUTE_DROP_RATELIMIT]);
  assert.equal(r.route(me, ipv4([192, 168, 0, 1]), 0, 60, 6000), ROUTE_ICMP);
});

Deno.test("router: broadcast and multicast, unless Broadcast = no", () => {
  const { me, bcast, sent, r } = setup();
  assert.equal(r.route(me, ipv4([255, 255, 255, 255]), 0, 60, 0), ROUTE_BROADCAST);
  assert.equal(r.route(me, ipv4([224, 0, 0, 251]), 0, 60, 0), ROUTE_BROADCAST);
  assert.equal(
    r.route(me, ipv6([0xff, 2, ...new Array(13).fill(0), 1]), 0, 100, 0),
    ROUTE_BROADCAST,
  );
  assert.equal(bcast.length, 3);
  const off = setup("router", "no");
  assert.equal(off.r.route(off.me, ipv4([255, 255, 255, 255]), 0, 60, 0), ROUTE_ICMP);
  assert.equal(off.bcast.length, 0);
  assert.equal(sent.length, 0);
});

Deno.test("router: oversize IPv4 with DF → frag needed; without DF → fragments", () => {
  const { me, a, sent, r } = setup();
  a.mtu = 1000;
  assert.equal(r.route(me, ipv4([10, 1, 0, 1], 1200, true), 0, 1200, 0), ROUTE_ICMP);
  const icmp = sent.pop()!;
  assert.deepEqual([icmp.frame[34], icmp.frame[35]], [3, 4]);
  assert.equal((icmp.frame[40]! << 8) | icmp.frame[41]!, 1000 - 14);
  // small MTUs still allow 590
  a.mtu = 500;
  assert.equal(r.route(me, ipv4([10, 1, 0, 1], 590, true), 0, 590, 0), ROUTE_UNICAST);
  sent.length = 0;
  a.mtu = 1000;
  const big = ipv4([10, 1, 0, 1], 2514 - 14, false);
  assert.equal(r.route(me, big, 0, big.length, 0), ROUTE_FRAGMENTED);
  assert.ok(sent.length >= 3);
  const payload: number[] = [];
  let expectOff = 0;
  sent.forEach((s, i) => {
    assert.equal(s.to, "a");
    assert.ok(s.frame.length <= 1000);
    const fl = (s.frame[20]! << 8) | s.frame[21]!;
    assert.equal((fl & 0x1fff) * 8, expectOff);
    assert.equal(!!(fl & 0x2000), i < sent.length - 1);
    assert.equal(inetChecksum(s.frame, 14, 20), 0);
    assert.equal((s.frame[16]! << 8) | s.frame[17]!, s.frame.length - 14);
    payload.push(...s.frame.subarray(34));
    expectOff += s.frame.length - 34;
  });
  assert.deepEqual(payload, [...big.subarray(34)]);
});

Deno.test("router: DirectOnly refuses relayed destinations", () => {
  const { me, sent, r } = setup("router", "mst", true);
  assert.equal(r.route(me, ipv4([10, 3, 0, 1]), 0, 60, 0), ROUTE_ICMP);
  assert.deepEqual([sent[0]!.frame[34], sent[0]!.frame[35]], [3, 9]);
});

Deno.test("router: IPv6 unicast, unknown, packet too big", () => {
  const { me, a, sent, r } = setup();
  assert.equal(r.route(me, ipv6(FD01), 0, 100, 0), ROUTE_UNICAST);
  assert.equal(sent.pop()!.to, "a");
  const unknown = [0x20, 1, 0xd, 0xb8, ...new Array(12).fill(0)];
  assert.equal(r.route(me, ipv6(unknown), 0, 100, 0), ROUTE_ICMP);
  const e = sent.pop()!.frame;
  assert.deepEqual([e[54], e[55]], [1, 3]);
  a.mtu = 1300;
  assert.equal(r.route(me, ipv6(FD01, 1400), 0, 1400, 0), ROUTE_ICMP);
  const tb = sent.pop()!.frame;
  assert.equal(tb[54], 2);
  assert.equal((tb[60]! << 8) | tb[61]!, 1300 - 14);
});

Deno.test("router: ARP and neighbour solicitations answered only for the device", () => {
  const { me, a, sent, r } = setup();
  const arp = new Uint8Array(42);
  arp.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 5, 0x08, 0x06]);
  arp.set(
    [0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 5, 10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 10, 1, 0, 9],
    14,
  );
  assert.equal(r.route(a, arp.slice(), 0, 42, 0), ROUTE_DROP_LOCAL);
  assert.equal(r.route(me, arp.slice(), 0, 42, 0), ROUTE_ARP_REPLY);
  assert.equal(sent.pop()!.frame[21], 2);
  const own = arp.slice();
  own.set([10, 0, 0, 9], 38);
  assert.equal(r.route(me, own, 0, 42, 0), ROUTE_DROP_LOCAL);
  // NS for fd00:1::5 (owned by a), no option
  const f = ipv6(FD01, 14 + 40 + 24);
  f[20] = 58;
  f.set([0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1], 22);
  f.set([0xff, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 0xff, 0, 0, 5], 38);
  f[54] = 135;
  f.set(FD01, 62);
  const pseudo = new Uint8Array(40 + 24);
  pseudo.set(f.subarray(22, 54));
  pseudo[35] = 24;
  pseudo[39] = 58;
  pseudo.set(f.subarray(54, 78), 40);
  const sum = inetChecksum(pseudo, 0, pseudo.length);
  f[56] = sum >> 8;
  f[57] = sum & 255;
  assert.equal(r.route(me, f, 0, f.length, 0), ROUTE_NDP_REPLY);
  assert.equal(sent.pop()!.frame[54], 136);
});

Deno.test("router: MSS is clamped to min(source, via) MTU when via has ClampMSS", () => {
  const { me, a, sent, r } = setup();
  a.mtu = 1451;
  const f = ipv4([10, 1, 0, 1], 14 + 20 + 24, true, 6);
  f.set([0x50 + 0x10, 2], 46);
  f.set([2, 4, 0x05, 0xb4], 54);
  r.route(me, f, 0, f.length, 0);
  const out = sent.pop()!.frame;
  assert.equal((out[56]! << 8) | out[57]!, 1451 - 34 - 20);
  a.options = 0;
  const g = ipv4([10, 1, 0, 1], 14 + 20 + 24, true, 6);
  g.set([0x60, 2], 46);
  g.set([2, 4, 0x05, 0xb4], 54);
  r.route(me, g, 0, g.length, 0);
  assert.deepEqual([...sent.pop()!.frame.subarray(56, 58)], [0x05, 0xb4]);
});

function eth(dst: number[], src: number[], len = 60): Uint8Array {
  const f = new Uint8Array(len);
  f.set(dst, 0);
  f.set(src, 6);
  f[12] = 0x08;
  return f;
}

Deno.test("switch: learns local MACs once, ages them, floods unknown, unicasts known", () => {
  const { me, a, subnets, sent, bcast, learned, expired, r } = setup("switch");
  const macA = [2, 0, 0, 0, 0, 0xa];
  const macMe = [2, 0, 0, 0, 0, 1];
  subnets.add(a, { type: "mac", address: Uint8Array.from(macA), prefix: 48, weight: 10 });
  assert.equal(
    r.route(me, eth([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], macMe), 0, 60, 1000),
    ROUTE_BROADCAST,
  );
  assert.equal(r.route(me, eth(macA, macMe), 0, 60, 2000), ROUTE_UNICAST);
  assert.equal(sent.pop()!.to, "a");
  assert.deepEqual(learned, ["2,0,0,0,0,1"]);
  assert.equal(bcast.length, 1);
  // frames from a are not learned here; a frame back to itself is a loop
  assert.equal(r.route(a, eth(macA, [2, 0, 0, 0, 0, 0x77]), 0, 60, 2000), ROUTE_DROP_LOOP);
  assert.equal(learned.length, 1);
  r.ageMacs(2000 + 599_000);
  assert.equal(expired.length, 0); // refreshed at 2000
  r.ageMacs(2000 + 600_001);
  assert.deepEqual(expired, ["2,0,0,0,0,1"]);
  // learned again after expiry, then fast handoff
  r.route(me, eth(macA, macMe), 0, 60, 700_000);
  assert.equal(learned.length, 2);
  r.expireMac({ type: "mac", address: Uint8Array.from(macMe), prefix: 48, weight: 10 });
  r.ageMacs(700_001);
  assert.equal(expired.length, 2);
});

Deno.test("switch: oversize 802.1Q frames get ICMP or ICMPv6 errors by their inner type", () => {
  const { me, a, subnets, sent, r } = setup("switch");
  const macA = [2, 0, 0, 0, 0, 0xa];
  subnets.add(a, { type: "mac", address: Uint8Array.from(macA), prefix: 48, weight: 10 });
  a.mtu = 1300;
  const tagged = (inner: number[]) => {
    const f = eth(macA, [2, 0, 0, 0, 0, 1], 1400);
    f.set([0x81, 0x00, 0, 5, ...inner], 12);
    return f;
  };
  const v6 = tagged([0x86, 0xdd, 0x60]);
  v6[24] = 17;
  assert.equal(r.route(me, v6, 0, 1400, 0), ROUTE_ICMP);
  const tb = sent.pop()!.frame;
  assert.deepEqual([tb[16], tb[17], tb[18]! >> 4, tb[58]], [0x86, 0xdd, 6, 2]); // packet too big
  const v4 = tagged([0x08, 0x00, 0x45]);
  v4[24] = 0x40; // DF
  assert.equal(r.route(me, v4, 0, 1400, 0), ROUTE_ICMP);
  const fn = sent.pop()!.frame;
  assert.deepEqual([fn[18], fn[38], fn[39]], [0x45, 3, 4]); // frag needed
});

Deno.test("hub: everything is broadcast", () => {
  const { me, a, bcast, r } = setup("hub");
  assert.equal(
    r.route(me, eth([2, 0, 0, 0, 0, 0xa], [2, 0, 0, 0, 0, 1]), 0, 60, 0),
    ROUTE_BROADCAST,
  );
  assert.equal(r.route(a, ipv4([10, 1, 0, 1]), 0, 60, 0), ROUTE_BROADCAST);
  assert.deepEqual(bcast.map((b) => b.to), ["me", "a"]);
});
