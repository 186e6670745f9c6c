import assert from "node:assert/strict";
import { Harness, startWithBetaGamma } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };

function setup(others: NodeSpec[] = [], extra = {}) {
  return startWithBetaGamma(
    new Harness(ALPHA, [
      { name: "beta", ip: "192.168.77.2" },
      { name: "gamma", ip: "192.168.77.3" },
      ...others,
    ], extra),
  );
}

const subnetsOf = (h: Harness, owner: string) =>
  h.engine.dump().subnets.filter((s) => s.owner === owner).map((s) => s.subnet);

Deno.test("ADD_SUBNET: added, forwarded byte-identically once, subnet-up event", () => {
  const { h, beta, gamma } = setup();
  const line = "10 abc beta 10.77.2.0/24#5";
  beta.send(line);
  beta.send(line);
  assert.deepEqual(gamma.lines, [line]);
  assert.deepEqual(subnetsOf(h, "beta"), ["10.77.2.0/24#5"]);
  assert.ok(h.events.some((e) => e.type === "subnet-up" && e.subnet === "10.77.2.0/24"));
});

Deno.test("ADD_SUBNET: a known subnet with a new nonce is not forwarded again", () => {
  const { beta, gamma } = setup();
  beta.send("10 1 beta 10.77.2.0/24");
  beta.send("10 2 beta 10.77.2.0/24#10");
  assert.equal(gamma.lines.length, 1);
});

Deno.test("ADD_SUBNET for ourselves: DEL_SUBNET goes back", () => {
  const { h, beta, gamma } = setup();
  beta.send("10 1 alpha 10.99.0.0/16");
  assert.match(beta.lines[0]!, /^11 [0-9a-f]+ alpha 10\.99\.0\.0\/16#10$/);
  assert.equal(gamma.lines.length, 0);
  assert.deepEqual(subnetsOf(h, "alpha"), ["10.77.0.1/32#10"]);
});

Deno.test("DEL_SUBNET for ourselves: ADD_SUBNET goes back", () => {
  const { beta, gamma } = setup();
  beta.send("11 1 alpha 10.77.0.1/32#10");
  assert.match(beta.lines[0]!, /^10 [0-9a-f]+ alpha 10\.77\.0\.1\/32#10$/);
  assert.equal(gamma.lines.length, 0);
});

Deno.test("DEL_SUBNET: forwarded and removed; unknown ones ignored", () => {
  const { h, beta, gamma } = setup();
  beta.send("10 1 beta 10.77.2.0/24");
  beta.send("11 2 beta 10.77.2.0/24#10");
  assert.equal(gamma.lines[1], "11 2 beta 10.77.2.0/24#10");
  assert.deepEqual(subnetsOf(h, "beta"), []);
  assert.ok(h.events.some((e) => e.type === "subnet-down" && e.subnet === "10.77.2.0/24"));
  beta.send("11 3 beta 10.55.0.0/16");
  beta.send("11 4 nobody 10.55.0.0/16");
  assert.equal(beta.closed, null);
  assert.equal(gamma.lines.length, 2);
});

Deno.test("ADD_SUBNET: IPv6 and MAC forms", () => {
  const { h, beta } = setup();
  beta.send("10 1 beta fd00::/64");
  beta.send("10 2 beta fe:fd:0:0:0:1#10");
  assert.deepEqual(subnetsOf(h, "beta").sort(), [
    "fd00:0:0:0:0:0:0:0/64#10",
    "fe:fd:0:0:0:1#10",
  ]);
});

for (
  const [what, line] of [
    ["a missing subnet", "10 1 beta"],
    ["a bad owner name", "10 1 be/ta 10.0.0.0/8"],
    ["an IPv4 prefix above 32", "10 1 beta 10.0.0.0/33"],
    ["a MAC with a prefix", "10 1 beta fe:fd:0:0:0:1/48"],
    ["garbage", "10 1 beta hello"],
    ["DEL_SUBNET garbage", "11 1 beta 300.0.0.0/8"],
  ]
) {
  Deno.test(`ADD/DEL_SUBNET: ${what} drops the connection`, () => {
    const { beta, gamma } = setup();
    beta.send(line!);
    assert.deepEqual(beta.closed, { tarpit: true });
    assert.ok(!gamma.lines.includes(line!));
  });
}

Deno.test("ADD_SUBNET outside the host's allowed subnets is refused, not forwarded, no drop", () => {
  const { h, beta, gamma } = setup([], {
    hosts: [
      {
        ...new Harness({ name: "x", ip: "1.1.1.1" }, [{ name: "beta", ip: "192.168.77.2" }]).engine
          .config.hosts[0]!,
        allowedSubnets: ["10.77.2.0/24"],
      },
      ...new Harness({ name: "x", ip: "1.1.1.1" }, [{ name: "gamma", ip: "192.168.77.3" }]).engine
        .config.hosts,
    ],
  });
  beta.send("10 1 beta 10.77.2.128/25");
  beta.send("10 2 beta 10.0.0.0/8");
  assert.deepEqual(subnetsOf(h, "beta"), ["10.77.2.128/25#10"]);
  assert.deepEqual(gamma.lines, ["10 1 beta 10.77.2.128/25"]);
  assert.equal(beta.closed, null);
  assert.ok(h.log.has(/unauthorized ADD_SUBNET/));
});

Deno.test("remoteSubnets bounds what any node (also unknown ones) may claim", () => {
  const { h, beta } = setup([], { remoteSubnets: ["10.77.0.0/16"] });
  beta.send("10 1 delta 10.77.9.0/24");
  beta.send("10 2 delta 192.168.0.0/16");
  assert.deepEqual(subnetsOf(h, "delta"), ["10.77.9.0/24#10"]);
});

Deno.test("ADD_SUBNET flood from one peer is capped per owner", () => {
  const { h, beta } = setup();
  for (let i = 0; i < 2000; i++) {
    beta.send(`10 ${i.toString(16)} beta 10.${i >> 8}.${i & 255}.0/24`);
  }
  const n = subnetsOf(h, "beta").length;
  assert.ok(n <= 512 && n >= 500, `subnets kept: ${n}`);
  assert.equal(beta.closed, null);
});

Deno.test("StrictSubnets: only subnets listed for known hosts; others ignored but forwarded", () => {
  const base = new Harness({ name: "x", ip: "1.1.1.1" }, [
    { name: "beta", ip: "192.168.77.2" },
    { name: "gamma", ip: "192.168.77.3" },
  ]).engine.config.hosts;
  const { h, beta, gamma } = setup([], {
    strictSubnets: true,
    hosts: base.map((x) => x.name === "beta" ? { ...x, allowedSubnets: ["10.77.2.0/24"] } : x),
  });
  beta.send("10 1 beta 10.77.2.0/24");
  beta.send("10 2 beta 10.77.3.0/24");
  beta.send("10 3 delta 10.77.4.0/24"); // no host entry at all
  assert.deepEqual(subnetsOf(h, "beta"), ["10.77.2.0/24#10"]);
  assert.deepEqual(subnetsOf(h, "delta"), []);
  assert.equal(gamma.lines.length, 3);
});

Deno.test("stop: subnet-down for our own subnets", () => {
  const { h } = setup();
  h.engine.stop(h.now);
  assert.ok(h.events.some((e) => e.type === "subnet-down" && e.node === "alpha"));
});
