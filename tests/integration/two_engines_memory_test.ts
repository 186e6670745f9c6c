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
