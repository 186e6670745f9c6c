import assert from "node:assert/strict";
import { buildMesh, ipv4Frame, sameBytes } from "../tinc/_mesh.ts";

function twoNodes() {
  return buildMesh([
    { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"], connectTo: ["beta"] },
    { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"] },
  ], { latency: 1 });
}

Deno.test("two engines: handshake, edges, subnets, keys", () => {
  const m = twoNodes();
  m.net.start();
  m.net.advance(1000);
  for (const [me, peer] of [["alpha", "beta"], ["beta", "alpha"]] as const) {
    const d = m.engines[me]!.dump();
    const n = d.nodes.find((x) => x.name === peer)!;
    assert.equal(n.reachable, true, `${me} sees ${peer}`);
    assert.equal(n.validKey, true, `${me} has ${peer}'s key`);
    assert.equal(d.edges.length, 2);
    assert.deepEqual(d.subnets.map((s) => s.subnet).sort(), ["10.77.0.1/32#10", "10.77.0.2/32#10"]);
    assert.equal(d.connections.length, 1);
    assert.equal(d.connections[0]!.active, true);
  }
  // beta's edge to alpha carries alpha's TCP address and ACK port.
  const e = m.engines.beta!.dump().edges.find((x) => x.from === "beta")!;
  assert.equal(e.address, "192.168.77.1");
  assert.equal(e.port, "655");
  assert.equal(e.options, 0xc);
  assert.ok(m.hosts.alpha!.events.some((x) => x.type === "host-up" && x.node === "beta"));
  assert.ok(
    m.hosts.beta!.events.some((x) => x.type === "subnet-up" && x.subnet === "10.77.0.1/32"),
  );
});

Deno.test("two engines: frames cross over UDP in both directions", () => {
  const m = twoNodes();
  m.net.start();
  // PMTU discovery runs first (frames above minmtu go over TCP until then).
  m.net.advance(15_000);
  const udpBefore = m.hosts.alpha!.stats.udpSent;
  const f1 = ipv4Frame("10.77.0.1", "10.77.0.2", 64);
  m.hosts.alpha!.tun.inject(f1);
  m.net.advance(10);
  const got = m.hosts.beta!.tun.take();
  assert.equal(got.length, 1);
  assert.ok(sameBytes(got[0]!, f1));
  assert.equal(m.hosts.alpha!.stats.udpSent, udpBefore + 1);
  const f2 = ipv4Frame("10.77.0.2", "10.77.0.1", 1000, 0x11);
  m.hosts.beta!.tun.inject(f2);
  m.net.advance(10);
  const back = m.hosts.alpha!.tun.take();
  assert.equal(back.length, 1);
  assert.ok(sameBytes(back[0]!, f2));
});

Deno.test("two engines: PING every PingInterval, connection survives", () => {
  const m = twoNodes();
  m.net.start();
  m.net.advance(1000);
  m.net.advance(10 * 60_000);
  const d = m.engines.alpha!.dump();
  assert.equal(d.connections.length, 1);
  assert.equal(d.connections[0]!.active, true);
  assert.ok(!m.logs.alpha!.has(/didn't respond to PING/));
});

Deno.test("two engines: our own announcements carry fresh nonces per line", () => {
  const m = buildMesh([
    { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"], connectTo: ["beta", "gamma"] },
    { name: "beta", ip: "192.168.77.2" },
    { name: "gamma", ip: "192.168.77.3" },
  ]);
  m.net.start();
  m.net.advance(1000);
  const lines = m.logs.alpha!.lines.filter((l) => /Sending ADD_SUBNET .*alpha 10\.77\.0\.1/.test(l))
    .map((l) => l.slice(l.lastIndexOf(": ") + 2));
  assert.ok(lines.length >= 2);
  assert.equal(new Set(lines).size, lines.length, lines.join("\n"));
});

Deno.test("two engines in switch mode: MACs are learned, announced and frames bridged", () => {
  const m = buildMesh([
    { name: "alpha", ip: "192.168.77.1", connectTo: ["beta"], config: { mode: "switch" } },
    { name: "beta", ip: "192.168.77.2", config: { mode: "switch" } },
  ], { latency: 1 });
  m.net.start();
  m.net.advance(15_000);
  const eth = (dst: number[], src: number[], fill: number) => {
    const f = new Uint8Array(60).fill(fill);
    f.set(dst, 0);
    f.set(src, 6);
    f[12] = 0x08;
    f[13] = 0x00;
    return f;
  };
  const macA = [2, 0, 0, 0, 0, 0xa], macB = [2, 0, 0, 0, 0, 0xb];
  // A broadcast from alpha's LAN reaches beta's; beta learns nothing, alpha learns macA.
  m.hosts.alpha!.tun.inject(eth([0xff, 0xff, 0xff, 0xff, 0xff, 0xff], macA, 1));
  m.net.advance(100);
  assert.equal(m.hosts.beta!.tun.take().length, 1);
  assert.ok(
    m.engines.beta!.dump().subnets.some((s) =>
      s.owner === "alpha" && s.subnet === "2:0:0:0:0:a#10"
    ),
  );
  // beta answers unicast to macA: it goes to alpha only.
  const reply = eth(macA, macB, 2);
  m.hosts.beta!.tun.inject(reply);
  m.net.advance(100);
  const got = m.hosts.alpha!.tun.take();
  assert.equal(got.length, 1);
  assert.ok(sameBytes(got[0]!, reply));
  // Learned MACs expire after MACExpire (600 s) with DEL_SUBNET.
  m.net.advance(700_000);
  assert.ok(!m.engines.beta!.dump().subnets.some((s) => s.subnet === "2:0:0:0:0:a#10"));
});

Deno.test("two engines that dial each other at the same instant settle on one connection", () => {
  const m = buildMesh([
    { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"], connectTo: ["beta"] },
    { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"], connectTo: ["alpha"] },
  ], { latency: 1 });
  m.net.start();
  m.net.advance(2000);
  for (const [me, peer] of [["alpha", "beta"], ["beta", "alpha"]] as const) {
    const d = m.engines[me]!.dump();
    assert.equal(d.nodes.find((x) => x.name === peer)!.reachable, true, `${me} sees ${peer}`);
    assert.equal(d.connections.length, 1, `${me} has one connection`);
  }
  // Both kept the connection alpha dialled (names sort alpha < beta), and it stays up.
  const kept = m.engines.alpha!.dump().connections[0]!;
  assert.equal(kept.outgoing, true);
  m.net.advance(30_000);
  assert.equal(m.engines.alpha!.dump().connections.length, 1);
  assert.equal(m.engines.beta!.dump().connections.length, 1);
  assert.ok(m.hosts.alpha!.events.filter((e) => e.type === "connection-down").length === 0);
});

Deno.test("two engines, TCPOnly: a congested meta connection drops frames early, then recovers", () => {
  const m = buildMesh([
    {
      name: "alpha",
      ip: "192.168.77.1",
      subnets: ["10.77.0.1/32"],
      connectTo: ["beta"],
      config: { tcpOnly: true },
    },
    { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"], config: { tcpOnly: true } },
  ], { latency: 1 });
  m.net.start();
  m.net.advance(1000);
  const cap = m.engines.alpha!.config.maxOutputBufferSize;
  const f = ipv4Frame("10.77.0.1", "10.77.0.2", 200);
  const cross = (count: number) => {
    for (let i = 0; i < count; i++) m.hosts.alpha!.tun.inject(f);
    m.net.advance(10);
    return m.hosts.beta!.tun.take().length;
  };
  assert.equal(cross(20), 20);
  // alpha's socket holds a full MaxOutputBufferSize: every frame is dropped, none by UDP.
  m.hosts.alpha!.metaBacklog = () => cap;
  const udp = m.hosts.alpha!.stats.udpSent;
  assert.equal(cross(20), 0);
  assert.equal(m.hosts.alpha!.stats.udpSent, udp);
  // Half full: nothing is dropped yet.
  m.hosts.alpha!.metaBacklog = () => cap / 2;
  assert.equal(cross(20), 20);
  m.hosts.alpha!.metaBacklog = null;
  assert.equal(cross(20), 20);
  assert.equal(m.engines.alpha!.dump().connections.length, 1);
});
