import assert from "node:assert/strict";
import { Harness, startWithBetaGamma } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const OTHERS: NodeSpec[] = [
  { name: "beta", ip: "192.168.77.2" },
  { name: "gamma", ip: "192.168.77.3" },
];

function twoPeers() {
  return startWithBetaGamma(new Harness(ALPHA, OTHERS));
}

Deno.test("ADD_EDGE: forwarded byte-identically to the other connections only, once", () => {
  const { h, beta, gamma } = twoPeers();
  const line = "12 deadbeef beta delta 10.1.2.3 655 c 7";
  beta.send(line);
  assert.deepEqual(gamma.lines, [line]);
  assert.deepEqual(beta.lines, []);
  // The same line again (a flood loop): neither processed nor forwarded.
  beta.send(line);
  gamma.send(line);
  assert.deepEqual(gamma.lines, [line]);
  assert.deepEqual(beta.lines, []);
  const e = h.engine.dump().edges.find((x) => x.from === "beta" && x.to === "delta")!;
  assert.deepEqual(e, {
    from: "beta",
    to: "delta",
    address: "10.1.2.3",
    port: "655",
    options: 0xc,
    weight: 7,
  });
});

Deno.test("ADD_EDGE: a new nonce for known, identical state is not forwarded", () => {
  const { beta, gamma } = twoPeers();
  beta.send("12 1 beta delta 10.1.2.3 655 c 7");
  gamma.lines.length = 0;
  beta.send("12 2 beta delta 10.1.2.3 655 c 7");
  assert.deepEqual(gamma.lines, []);
});

Deno.test("ADD_EDGE: a changed edge replaces the old one and is forwarded", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("12 1 beta delta 10.1.2.3 655 c 7");
  beta.send("12 2 beta delta 10.1.2.4 655 c 7");
  assert.equal(gamma.lines.length, 2);
  const e = h.engine.dump().edges.filter((x) => x.from === "beta" && x.to === "delta");
  assert.equal(e.length, 1);
  assert.equal(e[0]!.address, "10.1.2.4");
});

Deno.test("ADD_EDGE: a non-numeric address is kept verbatim and re-sent", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("12 1 beta delta some.host.name 655 c 7");
  assert.equal(gamma.lines[0], "12 1 beta delta some.host.name 655 c 7");
  const e = h.engine.dump().edges.find((x) => x.to === "delta")!;
  assert.equal(e.address, "some.host.name");
});

Deno.test("ADD_EDGE for our own non-existing edge: DEL_EDGE goes back, nothing forwarded", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("12 1 alpha delta 10.1.2.3 655 c 7");
  assert.equal(gamma.lines.length, 0);
  assert.match(beta.lines[0]!, /^13 [0-9a-f]+ alpha delta$/);
  assert.ok(!h.engine.dump().edges.some((x) => x.to === "delta"));
});

Deno.test("ADD_EDGE contradicting our own edge: our version goes back", () => {
  const { beta, gamma } = twoPeers();
  beta.send("12 1 alpha beta 1.1.1.1 655 c 999");
  assert.equal(gamma.lines.length, 0);
  assert.match(beta.lines[0]!, /^12 [0-9a-f]+ alpha beta 192\.168\.77\.2 655 c 5$/);
});

Deno.test("DEL_EDGE: forwarded, deleted; unknown ones ignored without drop", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("12 1 beta delta 10.1.2.3 655 c 7");
  gamma.lines.length = 0;
  beta.send("13 5 beta delta");
  assert.deepEqual(gamma.lines, ["13 5 beta delta"]);
  assert.ok(!h.engine.dump().edges.some((x) => x.to === "delta"));
  beta.send("13 6 beta nobody");
  assert.equal(beta.closed, null);
  assert.equal(gamma.lines.length, 1);
});

Deno.test("DEL_EDGE for our own edge: ADD_EDGE correction goes back", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("13 1 alpha gamma");
  assert.equal(gamma.lines.length, 0);
  assert.match(beta.lines[0]!, /^12 [0-9a-f]+ alpha gamma 192\.168\.77\.3 655 c 5$/);
  assert.ok(h.engine.dump().edges.some((x) => x.from === "alpha" && x.to === "gamma"));
});

Deno.test("DEL_EDGE making a node unreachable also removes and announces its edge to us", () => {
  const { h, beta, gamma } = twoPeers();
  // delta hangs off beta with edges in both directions.
  beta.send("12 1 beta delta 10.1.2.3 655 c 7");
  beta.send("12 2 delta beta 10.1.2.2 655 c 7");
  beta.send("12 3 delta alpha 10.1.2.1 655 c 7");
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "delta")!.reachable, true);
  gamma.lines.length = 0;
  beta.send("13 4 beta delta");
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "delta")!.reachable, false);
  assert.equal(gamma.lines[0], "13 4 beta delta");
  assert.match(gamma.lines[1]!, /^13 [0-9a-f]+ delta alpha$/);
  assert.ok(!h.engine.dump().edges.some((x) => x.from === "delta" && x.to === "alpha"));
});

for (
  const [what, line] of [
    ["too few fields", "12 1 beta delta 10.1.2.3 655 c"],
    ["from == to", "12 1 beta beta 10.1.2.3 655 c 7"],
    ["an invalid name", "12 1 beta de.lta 10.1.2.3 655 c 7"],
    ["non-hex options", "12 1 beta delta 10.1.2.3 655 zz 7"],
    ["DEL_EDGE with one name", "13 1 beta"],
    ["DEL_EDGE from == to", "13 1 beta beta"],
    ["DEL_EDGE with an invalid name", "13 1 beta -x"],
  ]
) {
  Deno.test(`ADD/DEL_EDGE: ${what} drops the connection`, () => {
    const { h, beta, gamma } = twoPeers();
    beta.send(line!);
    assert.deepEqual(beta.closed, { tarpit: true });
    assert.equal(gamma.closed, null);
    // The edge alpha→beta is gone and announced.
    assert.ok(!h.engine.dump().edges.some((x) => x.from === "alpha" && x.to === "beta"));
    assert.ok(gamma.lines.some((l) => /^13 [0-9a-f]+ alpha beta$/.test(l)));
  });
}

Deno.test("ADD_EDGE: fields are read with sscanf semantics, as tincd does", () => {
  const { h, beta, gamma } = twoPeers();
  beta.send("12 0 beta delta 10.1.2.3 655 c 7");
  assert.equal(gamma.lines.length, 1);
  // No nonce: %*x eats "be" of "beta", and "ta" becomes the from name.
  beta.send("12 beta delta2 10.1.2.3 655 c 7");
  assert.equal(beta.closed, null);
  assert.ok(h.engine.dump().edges.some((x) => x.from === "ta" && x.to === "delta2"));
  // No nonce and a name that is not hex at all: too few fields, drop.
  beta.send("12 zeta delta3 10.1.2.3 655 c 7");
  assert.deepEqual(beta.closed, { tarpit: true });
});

Deno.test("forwarding skips connections that are still authenticating", () => {
  const { h, beta, gamma } = twoPeers();
  h.now += 1000;
  const pending = h.accept("gamma", "192.168.77.3", { stopAfter: 2 }, 40001);
  // (gamma's second connection is mid-handshake; the first one is still active.)
  const before = pending.lines.length;
  beta.send("12 77 beta delta 10.1.2.3 655 c 7");
  assert.equal(pending.lines.length, before);
  assert.ok(gamma.lines.includes("12 77 beta delta 10.1.2.3 655 c 7"));
});
