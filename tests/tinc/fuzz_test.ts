// Property tests of the UDP data path: the decoder never throws, never accepts a forged or
// replayed datagram; the router and the whole PacketPath never throw on any frame.
// TINCTURE_FUZZ=1000000 runs a million generated inputs per property (default: a few thousand);
// TINCTURE_FUZZ_SEED=n replays a failing run (the seed is in the test names).
import assert from "node:assert/strict";
import fc from "fast-check";
import { ALGORITHMS, type KeyParams, resolveParams } from "../../lib/tinc/data_channel.ts";
import { keyedPair } from "./_channels.ts";
import { DROP_REPLAY, PacketCodec } from "../../lib/tinc/packet.ts";
import { FRAME_HEADROOM, MAX_DATAGRAM } from "../../lib/tinc/types.ts";
import { createCrypto } from "../../lib/crypto/mod.ts";
import { type RouteNode, Router } from "../../lib/tinc/route.ts";
import { parseSubnet, SubnetTable } from "../../lib/tinc/subnet.ts";
import { lzo1xDecompressSafe } from "../../lib/tinc/lzo.ts";
import { xorshift32 } from "../../lib/tinc/xorshift.ts";

const RUNS = Number(Deno.env.get("TINCTURE_FUZZ") ?? "3000");
const crypto = createCrypto();

/** xorshift32: fast enough for a million inputs; seed printed on failure. */
function prng(seed: number) {
  let s = seed >>> 0 || 1;
  const next = () => s = xorshift32(s);
  return {
    next,
    below: (n: number) => next() % n,
    fill(b: Uint8Array, from: number, to: number) {
      for (let i = from; i < to; i++) b[i] = next() & 0xff;
    },
  };
}

const SEED = Number(Deno.env.get("TINCTURE_FUZZ_SEED") ?? ((Date.now() ^ 0x5bd1e995) >>> 0));

function keyPair(t: { cipher: string; digest: string; macLength: number; compression: number }) {
  const params = resolveParams(ALGORITHMS, t) as KeyParams;
  return { ...keyedPair(crypto, params), params };
}

const AUTHENTICATED = [
  { cipher: "aes-256-cbc", digest: "sha256", macLength: 4, compression: 0 },
  { cipher: "aes-128-cbc", digest: "sha1", macLength: 8, compression: 10 },
  { cipher: "aes-256-ctr", digest: "sha256", macLength: 4, compression: 1 },
  { cipher: "none", digest: "sha256", macLength: 4, compression: 11 },
];

Deno.test(`fuzz: random datagrams never throw and are never accepted (${RUNS} inputs, seed ${SEED})`, () => {
  const r = prng(SEED);
  const codec = new PacketCodec();
  const keys = AUTHENTICATED.map(keyPair);
  const unauthenticated = keyPair({
    cipher: "aes-256-cbc",
    digest: "none",
    macLength: 0,
    compression: 10,
  });
  const input = new Uint8Array(2048);
  const out = new Uint8Array(MAX_DATAGRAM + 64);
  for (let i = 0; i < RUNS; i++) {
    const len = r.below(4) === 0 ? r.below(40) : r.below(1700);
    r.fill(input, 0, len);
    const k = keys[i % keys.length]!;
    const res = codec.decode(k.rx.inKey, input, 0, len, out, 0);
    assert.ok(res < 0, `accepted a random datagram, seed ${SEED} i ${i}`);
    // without a MAC, garbage may decrypt; it still must not throw or overrun
    const u = codec.decode(unauthenticated.rx.inKey, input, 0, len, out, 0);
    assert.ok(u <= MAX_DATAGRAM);
  }
});

Deno.test(`fuzz: mutated datagrams are rejected; replays never pass (${RUNS} inputs, seed ${SEED})`, () => {
  const r = prng(SEED + 1);
  const codec = new PacketCodec();
  const out = new Uint8Array(MAX_DATAGRAM + 64);
  const frame = new Uint8Array(FRAME_HEADROOM + 1518);
  const wire = new Uint8Array(MAX_DATAGRAM + 128);
  const mutated = new Uint8Array(MAX_DATAGRAM + 128);
  for (const t of AUTHENTICATED) {
    const { rx, tx } = keyPair(t);
    const seen = new Set<number>();
    const history: Uint8Array[] = [];
    const perKey = Math.ceil(RUNS / AUTHENTICATED.length);
    for (let i = 0; i < perKey; i++) {
      const len = 14 + r.below(1400);
      r.fill(frame, FRAME_HEADROOM, FRAME_HEADROOM + len);
      const m = codec.encode(tx.outKey!, frame, FRAME_HEADROOM, len, wire, 0);
      assert.ok(m > 0);
      // mutate: flip bits, truncate, extend, or splice two datagrams
      mutated.set(wire.subarray(0, m));
      let ml = m;
      switch (r.below(4)) {
        case 0: {
          const flips = 1 + r.below(3);
          for (let f = 0; f < flips; f++) mutated[r.below(m)]! ^= 1 << r.below(8);
          break;
        }
        case 1:
          ml = r.below(m);
          break;
        case 2:
          ml = Math.min(m + 1 + r.below(32), mutated.length);
          r.fill(mutated, m, ml);
          break;
        case 3: {
          const other = history.length ? history[r.below(history.length)]! : wire.subarray(0, m);
          const cut = r.below(Math.min(m, other.length));
          mutated.set(other.subarray(cut, Math.min(other.length, m)), cut);
          break;
        }
      }
      // a mutation can undo itself (the same bit flipped twice, a splice of equal bytes)
      let same = ml === m;
      for (let j = 0; same && j < m; j++) same = mutated[j] === wire[j];
      if (!same) {
        const bad = codec.decode(rx.inKey, mutated, 0, ml, out, 0);
        assert.ok(bad < 0, `forgery accepted ${t.cipher} i ${i} seed ${SEED}`);
      }
      // the genuine one: accepted once (in order), then only ever as a replay
      const res = codec.decode(rx.inKey, wire, 0, m, out, 0);
      assert.equal(res, len);
      assert.deepEqual(out.subarray(0, len), frame.subarray(FRAME_HEADROOM, FRAME_HEADROOM + len));
      assert.ok(!seen.has(codec.seqno));
      seen.add(codec.seqno);
      if (history.length < 64) history.push(wire.slice(0, m));
      else if (r.below(8) === 0) history[r.below(64)] = wire.slice(0, m);
      if (r.below(4) === 0) {
        const old = history[r.below(history.length)]!;
        assert.equal(codec.decode(rx.inKey, old, 0, old.length, out, 0), DROP_REPLAY);
      }
    }
  }
});

Deno.test(`fuzz: reordered delivery accepts each seqno at most once (seed ${SEED})`, () => {
  fc.assert(
    fc.property(
      fc.array(fc.nat(300), { minLength: 1, maxLength: 400 }),
      (order) => {
        const { rx, tx } = keyPair(AUTHENTICATED[0]!);
        const codec = new PacketCodec();
        const frame = new Uint8Array(FRAME_HEADROOM + 60);
        const out = new Uint8Array(MAX_DATAGRAM + 64);
        const datagrams: Uint8Array[] = [];
        const wire = new Uint8Array(256);
        for (let s = 0; s <= 300; s++) {
          const m = codec.encode(tx.outKey!, frame, FRAME_HEADROOM, 60, wire, 0);
          datagrams.push(wire.slice(0, m));
        }
        const accepted = new Set<number>();
        for (const idx of order) {
          const d = datagrams[idx]!;
          if (codec.decode(rx.inKey, d, 0, d.length, out, 0) >= 0) {
            assert.ok(!accepted.has(codec.seqno), `seqno ${codec.seqno} accepted twice`);
            accepted.add(codec.seqno);
          }
        }
      },
    ),
    { numRuns: Math.max(50, Math.min(RUNS / 20, 5000)) },
  );
});

interface FN extends RouteNode {
  name: string;
  reachable: boolean;
  via: FN | null;
  nexthop: FN | null;
  options: number;
}

Deno.test(`fuzz: route() and LZO never throw on random frames (${RUNS} inputs, seed ${SEED})`, () => {
  const r = prng(SEED + 2);
  const me: FN = { name: "me", reachable: true, via: null, nexthop: null, options: 8 };
  me.via = me;
  me.nexthop = me;
  const a: FN = { name: "a", reachable: true, via: null, nexthop: null, options: 8 };
  a.via = a;
  a.nexthop = a;
  const subnets = new SubnetTable<FN>();
  subnets.add(me, parseSubnet("10.0.0.0/8")!);
  subnets.add(a, parseSubnet("0.0.0.0/0")!);
  subnets.add(a, parseSubnet("::/0")!);
  subnets.add(a, parseSubnet("2:0:0:0:0:1")!);
  const routers = (["router", "switch", "hub"] as const).map((mode) =>
    new Router<FN>(me, subnets, { mode, broadcast: "mst", directOnly: false, macExpire: 600 }, {
      sendPacket: () => {},
      broadcast: () => {},
      mtuOf: () => 600,
      learnedMac: () => {},
      expiredMac: () => {},
    })
  );
  const buf = new Uint8Array(FRAME_HEADROOM + 1518 + 64);
  const out = new Uint8Array(1661);
  for (let i = 0; i < RUNS; i++) {
    const len = r.below(1519);
    r.fill(buf, FRAME_HEADROOM, FRAME_HEADROOM + len);
    // steer toward interesting ethertypes and protocols
    const kind = r.below(5);
    if (kind === 0) buf.set([0x08, 0x00, 0x45], FRAME_HEADROOM + 12);
    if (kind === 1) buf.set([0x86, 0xdd], FRAME_HEADROOM + 12);
    if (kind === 2) buf.set([0x08, 0x06, 0, 1, 8, 0, 6, 4, 0, 1], FRAME_HEADROOM + 12);
    if (kind === 3) buf.set([0x86, 0xdd, 0x60, 0, 0, 0, 0, 32, 58], FRAME_HEADROOM + 12);
    const router = routers[i % 3]!;
    router.route(r.below(2) ? me : a, buf, FRAME_HEADROOM, len, i * 10);
    const n = lzo1xDecompressSafe(buf, FRAME_HEADROOM, len, out, 0, out.length);
    assert.ok(n <= out.length);
  }
});

Deno.test(`fuzz: PacketPath.onUdp/onTcpPacket/onTun never throw (${RUNS} inputs, seed ${SEED})`, async () => {
  const { PacketPath } = await import("../../lib/tinc/packet_path.ts");
  const { Node } = await import("../../lib/tinc/node.ts");
  const { DEFAULT_TRANSFORM, ENGINE_DEFAULTS } = await import("../../lib/tinc/config.ts");
  const { NULL_LOGGER, sockAddr } = await import("../../lib/tinc/types.ts");
  type Hooks = import("../../lib/tinc/engine.ts").ControlHooks;
  const me = new Node("me");
  me.reachable = true;
  me.via = me;
  me.nexthop = me;
  const peer = new Node("peer");
  peer.reachable = true;
  peer.via = peer;
  peer.nexthop = peer;
  peer.options = 0x8; // no PMTU discovery: data goes by UDP at once
  const peerAddr = sockAddr("192.0.2.9", 655);
  peer.udpAddress = peerAddr;
  const subnets = new SubnetTable<InstanceType<typeof Node>>();
  subnets.add(me, parseSubnet("10.0.0.0/24")!);
  subnets.add(peer, parseSubnet("0.0.0.0/0")!);
  let sent = 0;
  const hooks = {
    config: { ...ENGINE_DEFAULTS, name: "me", hosts: [], transform: DEFAULT_TRANSFORM },
    crypto,
    log: NULL_LOGGER,
    myself: me,
    subnets,
    out: {
      sendMeta() {},
      closeMeta() {},
      connect() {},
      event() {},
      sendUdp: () => (sent++, true),
      writeTun: () => {},
    },
    lookupNode: () => undefined,
    nodeByUdp: (a: { key: string }) => (a.key === peerAddr.key ? peer : undefined),
    nodes: () => [me, peer].values(),
    setNodeUdp: () => {},
    requestKey: () => {},
    sendTcpPacket: () => true,
    sendAnsKey: () => {},
    connections: () => [].values(),
    learnMac: () => {},
    forgetMac: () => {},
    rekey: () => {},
    random: () => Math.random(),
  } as unknown as Hooks;
  const path = new PacketPath(hooks);
  const k = path.newInKey(peer);
  assert.equal(path.setOutKey(peer, k.key, k.cipher, k.digest, k.macLength, k.compression), null);
  peer.validKey = true;
  const r = prng(SEED + 3);
  const buf = new Uint8Array(FRAME_HEADROOM + 2048);
  const other = sockAddr("198.51.100.1", 1);
  for (let i = 0; i < RUNS; i++) {
    const len = r.below(1800);
    r.fill(buf, FRAME_HEADROOM, FRAME_HEADROOM + len);
    if (r.below(2)) buf.set([0x08, 0x00, 0x45], FRAME_HEADROOM + 12);
    switch (i % 3) {
      case 0:
        path.onUdp(buf, FRAME_HEADROOM, len, r.below(2) ? peerAddr : other, i);
        break;
      case 1:
        path.onTcpPacket(peer, buf, FRAME_HEADROOM, len, i);
        break;
      case 2:
        path.onTun(buf, FRAME_HEADROOM, Math.min(len, 1518), i);
        break;
    }
    if (i % 1000 === 0) path.onTick(i * 100);
  }
  assert.ok(sent > 0);
});
