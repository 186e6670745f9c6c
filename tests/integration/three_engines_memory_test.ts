import assert from "node:assert/strict";
import { buildMesh, ipv4Frame, type NodeSpec, sameBytes } from "../tinc/_mesh.ts";
import type { MemoryHost } from "../../lib/net/memory.ts";

const A: NodeSpec = {
  name: "alpha",
  ip: "192.168.77.1",
  subnets: ["10.77.0.1/32"],
  connectTo: ["beta"],
};
const B: NodeSpec = { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"] };
const C: NodeSpec = {
  name: "gamma",
  ip: "192.168.77.3",
  subnets: ["10.77.0.3/32"],
  connectTo: ["beta"],
};

function ping(from: MemoryHost, src: string, dst: string, size = 64, fill = 0x42) {
  const f = ipv4Frame(src, dst, size, fill);
  from.tun.inject(f);
  return f;
}

Deno.test("three engines: alpha reaches gamma through beta with no direct link", () => {
  const m = buildMesh([A, B, C], { latency: 1 });
  // No UDP (or TCP) between alpha and gamma at all.
  m.net.partition(m.hosts.alpha!, m.hosts.gamma!);
  m.net.start();
  m.net.advance(2_000);
  const da = m.engines.alpha!.dump();
  const g = da.nodes.find((n) => n.name === "gamma")!;
  assert.equal(g.reachable, true);
  assert.equal(g.nexthop, "beta");
  assert.deepEqual(da.connections.map((c) => c.name), ["beta"]);
  // Frames flow both ways right away (over the relay while keys and PMTU settle) ...
  const sent: Uint8Array[] = [];
  for (let i = 0; i < 5; i++) {
    sent.push(ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 100, i));
    m.net.advance(200);
  }
  const got = m.hosts.gamma!.tun.take();
  assert.equal(got.length, 5);
  got.forEach((f, i) => assert.ok(sameBytes(f, sent[i]!)));
  // ... and keep flowing after PMTU discovery gave up on the direct path (relayed by beta).
  m.net.advance(30_000);
  for (let i = 0; i < 5; i++) {
    ping(m.hosts.gamma!, "10.77.0.3", "10.77.0.1", 1200, i);
    m.net.advance(100);
  }
  assert.equal(m.hosts.alpha!.tun.take().length, 5);
  // The key exchange went through beta: REQ_KEY/ANS_KEY relayed, and gamma holds alpha's key.
  assert.equal(m.engines.gamma!.dump().nodes.find((n) => n.name === "alpha")!.validKey, true);
});

Deno.test("three engines: with UDP between the ends, traffic goes direct after PMTU discovery", () => {
  const m = buildMesh([A, B, C], { latency: 1 });
  m.net.start();
  m.net.advance(2_000);
  // Keys are requested on demand: the first frame (relayed) starts REQ_KEY and then PMTU probes.
  ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 64);
  m.net.advance(20_000);
  assert.equal(m.hosts.gamma!.tun.take().length, 1);
  const viaBeta = m.hosts.beta!.stats.udpSent;
  for (let i = 0; i < 10; i++) {
    ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 500, i);
    m.net.advance(50);
  }
  assert.equal(m.hosts.gamma!.tun.take().length, 10);
  // beta relayed none of them.
  assert.ok(
    m.hosts.beta!.stats.udpSent - viaBeta < 3,
    `beta sent ${m.hosts.beta!.stats.udpSent - viaBeta}`,
  );
});

Deno.test("three engines: KeyExpire with traffic flowing loses (almost) nothing", () => {
  const specs = [A, B, C].map((s) => ({ ...s, config: { keyExpire: 30 } }));
  const m = buildMesh(specs, { latency: 1 });
  m.net.start();
  m.net.advance(15_000);
  let sent = 0;
  for (let t = 0; t < 120; t++) {
    ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 64, t & 0xff);
    ping(m.hosts.gamma!, "10.77.0.3", "10.77.0.1", 64, t & 0xff);
    sent++;
    m.net.advance(1_000);
  }
  const toGamma = m.hosts.gamma!.tun.take().length;
  const toAlpha = m.hosts.alpha!.tun.take().length;
  assert.ok(toGamma >= sent - 4 && toAlpha >= sent - 4, `${toGamma}/${toAlpha} of ${sent}`);
  // Keys did change: every node announced KEY_CHANGED every 30 s.
  for (const n of ["alpha", "beta", "gamma"]) {
    const kc = m.logs[n]!.lines.filter((l) => /Sending KEY_CHANGED .*: 14 [0-9a-f]+ /.test(l));
    assert.ok(kc.length >= 4, `${n}: ${kc.length} KEY_CHANGED`);
  }
});

Deno.test("three engines: replayed and forged datagrams are dropped", () => {
  const m = buildMesh([A, B], { latency: 1 });
  m.net.start();
  m.net.advance(20_000);
  const captured: Uint8Array[] = [];
  m.net.tap = (from, to, data) => {
    if (from === m.hosts.alpha && to === m.hosts.beta) captured.push(data);
  };
  ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.2", 64);
  m.net.advance(10);
  m.net.tap = null;
  assert.equal(m.hosts.beta!.tun.take().length, 1);
  assert.equal(captured.length, 1);
  // Replay.
  m.net.injectUdp(m.hosts.alpha!, m.hosts.beta!, captured[0]!);
  m.net.advance(10);
  assert.equal(m.hosts.beta!.tun.take().length, 0);
  // Forgeries: every single-byte flip.
  for (let i = 0; i < captured[0]!.length; i += 7) {
    const f = captured[0]!.slice();
    f[i]! ^= 0x01;
    m.net.injectUdp(m.hosts.alpha!, m.hosts.beta!, f);
  }
  // Truncated, and from a stranger's address.
  m.net.injectUdp(m.hosts.alpha!, m.hosts.beta!, captured[0]!.subarray(0, 10));
  m.net.advance(10);
  assert.equal(m.hosts.beta!.tun.take().length, 0);
  // The link still works.
  ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.2", 64);
  m.net.advance(10);
  assert.equal(m.hosts.beta!.tun.take().length, 1);
});

Deno.test("three engines: a peer that vanishes is detected by PING timeout and comes back", () => {
  const m = buildMesh([A, B, C], { latency: 1 });
  m.net.start();
  m.net.advance(5_000);
  m.hosts.gamma!.crash();
  // PingInterval 60 s + PingTimeout 5 s (checked every 5 s).
  m.net.advance(75_000);
  const g = m.engines.beta!.dump().nodes.find((n) => n.name === "gamma");
  assert.equal(g?.reachable ?? false, false);
  assert.ok(m.hosts.beta!.events.some((e) => e.type === "host-down" && e.node === "gamma"));
  assert.equal(
    m.engines.alpha!.dump().nodes.find((n) => n.name === "gamma")?.reachable ?? false,
    false,
  );
  // Back again: gamma reconnects to beta, everyone sees it, traffic flows.
  m.hosts.gamma!.restart();
  m.net.advance(20_000);
  assert.equal(m.engines.alpha!.dump().nodes.find((n) => n.name === "gamma")!.reachable, true);
  ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 64);
  m.net.advance(500);
  assert.equal(m.hosts.gamma!.tun.take().length, 1);
});

Deno.test("three engines: with UDP loss and reordering, the control plane still converges", () => {
  const m = buildMesh([A, B, C], { latency: 3, udpLoss: 0.2, udpReorder: 0.2, seed: 7 });
  m.net.start();
  m.net.advance(30_000);
  for (const n of ["alpha", "beta", "gamma"]) {
    const d = m.engines[n]!.dump();
    assert.ok(d.nodes.every((x) => x.reachable), n);
    assert.equal(d.edges.length, 4);
    assert.equal(d.subnets.length, 3);
  }
  let got = 0;
  for (let i = 0; i < 50; i++) {
    ping(m.hosts.alpha!, "10.77.0.1", "10.77.0.3", 64, i);
    m.net.advance(100);
    got += m.hosts.gamma!.tun.take().length;
  }
  assert.ok(got >= 25 && got <= 50, `delivered ${got}/50`);
});
