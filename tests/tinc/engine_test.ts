import assert from "node:assert/strict";
import { activePeer, Harness, startWithBetaGamma } from "./_peer.ts";
import { hostConfig, type NodeSpec } from "./_mesh.ts";
import { LIMITS } from "../../lib/tinc/engine.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const BETA: NodeSpec = { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"] };
const GAMMA: NodeSpec = { name: "gamma", ip: "192.168.77.3" };

Deno.test("engine: authentication must finish within PingTimeout, else tarpit", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 1 });
  h.advance(4_000);
  assert.equal(p.closed, null);
  h.advance(7_000);
  assert.deepEqual(p.closed, { tarpit: true });
  assert.ok(h.log.has(/Timeout from beta .* during authentication/));
  assert.equal(h.engine.connections.size, 0);
});

Deno.test("engine: a connect() that never completes is abandoned and retried", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  assert.equal(h.connects.length, 1);
  h.advance(11_000);
  // The hanging attempt was closed, the back-off started (5 s), then a new attempt.
  assert.ok(h.closes.some((c) => c.conn === h.connects[0]!.conn && !c.tarpit));
  assert.ok(h.connects.length >= 2);
});

Deno.test("engine: reconnect back-off grows 5 s per failed round up to MaxTimeout", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA], { maxTimeout: 12 });
  h.start();
  const times: number[] = [];
  for (let round = 0; round < 5; round++) {
    const c = h.connects.shift()!;
    times.push(h.now);
    h.engine.onConnectFailed(c.conn, h.now);
    while (h.connects.length === 0) h.advance(100);
  }
  const gaps = times.slice(1).map((t, i) => Math.round((t - times[i]!) / 1000));
  assert.deepEqual(gaps, [5, 10, 12, 12]);
});

Deno.test("engine: every Address is tried in order before backing off", () => {
  const beta = {
    ...BETA,
    host: { addresses: [{ host: "10.0.0.1", port: 1 }, { host: "10.0.0.2", port: 2 }] },
  };
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [beta]);
  h.start();
  assert.equal(h.connects[0]!.to.key, "10.0.0.1:1");
  h.engine.onConnectFailed(h.connects[0]!.conn, h.now);
  assert.equal(h.connects[1]!.to.key, "10.0.0.2:2");
  h.engine.onConnectFailed(h.connects[1]!.conn, h.now);
  assert.equal(h.connects.length, 2);
  assert.ok(h.log.has(/re-establish outgoing connection in 5 seconds/));
});

Deno.test("engine: a dropped outgoing connection reconnects; a peer that comes back is reachable again", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  const p = h.answerConnect("beta");
  p.send("12 1 beta alpha 192.168.77.1 655 c 5");
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.reachable, true);
  h.engine.onMetaClosed(p.conn, h.now);
  // Unreachable, and purged since no connection is left.
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")?.reachable ?? false, false);
  assert.ok(h.events.some((e) => e.type === "host-down" && e.node === "beta"));
  // The Address list is exhausted: the next round comes after the back-off.
  assert.equal(h.connects.length, 0);
  while (h.connects.length === 0) h.advance(500);
  const p2 = h.answerConnect("beta");
  p2.send("12 2 beta alpha 192.168.77.1 655 c 5");
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.reachable, true);
});

Deno.test("engine: unknown requests, STATUS/ERROR/TERMREQ, empty and non-numeric lines drop", () => {
  for (
    const line of ["5 0 status", "6 0", "7", "18 x", "-1", "", "hello", " ", "99999999999999999999"]
  ) {
    const h = new Harness(ALPHA, [BETA]);
    h.start();
    const p = activePeer(h, "beta", "192.168.77.2");
    p.send(line);
    assert.deepEqual(p.closed, { tarpit: true }, JSON.stringify(line));
  }
});

Deno.test("engine: a request number with leading blanks and sign is read like %d", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  p.lines.length = 0;
  p.send("  +8");
  assert.deepEqual(p.lines, ["9"]);
});

Deno.test("engine: a second connection with the same node replaces the first", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p1 = activePeer(h, "beta", "192.168.77.2");
  const p2 = activePeer(h, "beta", "192.168.77.2");
  assert.deepEqual(p1.closed, { tarpit: false });
  assert.equal(p2.closed, null);
  assert.equal(h.engine.dump().connections.length, 1);
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.reachable, true);
});

Deno.test("engine: closing the last connection purges unreachable nodes (DEL_* announced)", () => {
  const h = new Harness(ALPHA, [BETA, GAMMA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  p.send("10 1 beta 10.77.0.2/32");
  p.send("12 2 beta delta 10.1.1.1 655 c 5");
  p.send("12 3 delta beta 10.1.1.2 655 c 5");
  assert.equal(h.engine.dump().nodes.length, 3);
  h.engine.onMetaClosed(p.conn, h.now);
  const d = h.engine.dump();
  assert.deepEqual(d.nodes.map((n) => n.name), ["alpha"]);
  assert.deepEqual(d.edges, []);
  assert.deepEqual(d.subnets.map((s) => s.owner), ["alpha"]);
  assert.ok(h.log.has(/Purged unreachable nodes/));
});

Deno.test("engine: past requests age out after PingInterval (then a repeat is processed again)", () => {
  const h = new Harness(ALPHA, [BETA, GAMMA]);
  h.start();
  const b = activePeer(h, "beta", "192.168.77.2");
  const g = activePeer(h, "gamma", "192.168.77.3");
  g.lines.length = 0;
  b.send("10 5 beta 10.5.0.0/16");
  b.send("11 6 beta 10.5.0.0/16");
  b.send("10 5 beta 10.5.0.0/16"); // still remembered: ignored
  assert.equal(g.got(10).length, 1);
  h.advance(70_000);
  b.send("10 5 beta 10.5.0.0/16");
  assert.equal(g.got(10).length, 2);
});

Deno.test("engine: ADD_EDGE flood from one peer stays within the caps", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  for (let i = 0; i < LIMITS.edgesPerNode + 300; i++) {
    p.send(`12 ${i.toString(16)} beta n${i} 10.0.0.1 655 c 1`);
  }
  const d = h.engine.dump();
  assert.ok(d.edges.filter((e) => e.from === "beta").length <= LIMITS.edgesPerNode);
  assert.ok(d.nodes.length <= LIMITS.nodes);
  assert.equal(p.closed, null);
  assert.ok(h.log.has(/limits reached/));
});

Deno.test("engine: more than 10 accepts in one second are tarpitted", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  for (let i = 0; i < 12; i++) {
    h.engine.onAccept(
      2_000_000 + i,
      h.engine.connections.get(0)?.address ??
        { family: 4, ip: "1.1.1.1", port: i, key: `1.1.1.1:${i}` },
      h.now,
    );
  }
  assert.deepEqual(h.closes.map((c) => c.tarpit), [true, true]);
  assert.equal(h.engine.connections.size, 10);
});

Deno.test("engine: nextTimeout is the next PingTimeout check or retry", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  assert.ok(h.engine.nextTimeout() <= h.now + 5_000);
  h.engine.onConnectFailed(h.connects[0]!.conn, h.now);
  assert.ok(h.engine.nextTimeout() <= h.now + 5_000);
});

Deno.test("engine: stop closes every connection and stops reconnecting", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  const p = h.answerConnect("beta");
  h.engine.stop(h.now);
  assert.deepEqual(p.closed, { tarpit: false });
  const n = h.connects.length;
  h.advance(60_000);
  assert.equal(h.connects.length, n);
});

Deno.test("engine: dump lists nodes, edges, subnets and connections", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  activePeer(h, "beta", "192.168.77.2");
  const d = h.engine.dump();
  assert.equal(d.name, "alpha");
  assert.deepEqual(d.nodes.map((n) => [n.name, n.reachable, n.nexthop]), [
    ["alpha", true, "alpha"],
    ["beta", true, "beta"],
  ]);
  assert.equal(d.connections[0]!.name, "beta");
  assert.equal(d.connections[0]!.address, "192.168.77.2:40000");
});

Deno.test("engine: after a PONG a dropped outgoing connection waits for the back-off", () => {
  const beta = {
    ...BETA,
    host: { addresses: [{ host: "10.0.0.1", port: 1 }, { host: "10.0.0.2", port: 2 }] },
  };
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [beta]);
  h.start();
  const p = h.answerConnect("beta");
  p.send("12 1 beta alpha 192.168.77.1 655 c 5");
  p.send("9"); // PONG
  h.engine.onMetaClosed(p.conn, h.now);
  // Not the second address at once: tincd forgot the list on PONG.
  assert.equal(h.connects.length, 0);
  h.advance(5_100);
  assert.equal(h.connects[0]!.to.key, "10.0.0.1:1");
});

Deno.test("engine: reload keeps unchanged peers, drops changed ones, re-announces subnets, dials new ConnectTo", () => {
  const DELTA: NodeSpec = { name: "delta", ip: "192.168.77.4" };
  const { h, beta, gamma } = startWithBetaGamma(new Harness(ALPHA, [BETA, GAMMA]));
  const old = h.engine.config;
  const hosts = old.hosts.map((x) =>
    x.name === "gamma"
      ? { ...x, transform: { ...x.transform, macLength: 8 } }
      : x.name === "beta"
      ? { ...x, addresses: [{ host: "192.168.77.22", port: 655 }] } // only where to dial
      : x
  );
  h.engine.reload({
    ...old,
    subnets: ["10.77.0.9/32"],
    hosts: [...hosts, hostConfig(DELTA, true)],
  }, h.now);
  h.flush();
  assert.equal(beta.closed, null, "beta's entry changed only its address: its connection stays");
  assert.deepEqual(gamma.closed, { tarpit: false }, "gamma's entry changed: reconnect");
  assert.ok(
    beta.lines.some((l) => /^11 [0-9a-f]+ alpha 10\.77\.0\.1\/32#10$/.test(l)),
    beta.lines.join("\n"),
  );
  assert.ok(beta.lines.some((l) => /^10 [0-9a-f]+ alpha 10\.77\.0\.9\/32#10$/.test(l)));
  assert.ok(h.connects.some((c) => c.to.ip === "192.168.77.4"), "new ConnectTo is dialled");
  assert.deepEqual(
    h.engine.dump().subnets.filter((s) => s.owner === "alpha").map((s) => s.subnet),
    ["10.77.0.9/32#10"],
  );
});

Deno.test("engine: reload redials a ConnectTo host whose entry changed; a new address is used", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  const p = h.answerConnect("beta");
  p.send("12 1 beta alpha 192.168.77.1 655 c 5");
  const old = h.engine.config;
  // A re-resolved name: the link stays up.
  const moved = old.hosts.map((x) => ({ ...x, addresses: [{ host: "192.168.77.20", port: 655 }] }));
  h.engine.reload({ ...old, hosts: moved }, h.now);
  h.flush();
  assert.equal(p.closed, null, "an address change alone keeps the connection");
  assert.equal(h.connects.length, 0);
  // A changed transform: closed, and dialled again at once at the new address.
  const changed = moved.map((x) => ({ ...x, transform: { ...x.transform, macLength: 8 } }));
  h.engine.reload({ ...h.engine.config, hosts: changed }, h.now);
  h.flush();
  assert.deepEqual(p.closed, { tarpit: false });
  assert.equal(h.connects.length, 1, "redialled without waiting for a back-off");
  assert.equal(h.connects[0]!.to.key, "192.168.77.20:655");
});

Deno.test("engine: reload leaves name, port and timers alone until a restart", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  h.engine.reload({ ...h.engine.config, port: 656, pingInterval: 5 }, h.now);
  assert.equal(h.engine.config.port, 655);
  assert.equal(h.engine.config.pingInterval, 60);
  assert.ok(h.log.has(/port, pingInterval changed; they take effect after a restart/));
});

Deno.test("engine: random() is uniform in (0, 1) and differs per engine seed", () => {
  const a = new Harness(ALPHA, [BETA]);
  const b = new Harness(BETA, [ALPHA]);
  const n = 20_000;
  const buckets = new Array<number>(10).fill(0);
  let same = 0;
  for (let i = 0; i < n; i++) {
    const x = a.engine.random();
    assert.ok(x > 0 && x < 1, `${x}`);
    buckets[Math.floor(x * 10)]!++;
    if (b.engine.random() === x) same++;
  }
  // 2000 expected per tenth, sd about 42.
  for (const c of buckets) assert.ok(Math.abs(c - n / 10) < 250, `${buckets}`);
  assert.ok(same < 10);
});
