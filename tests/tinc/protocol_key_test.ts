import assert from "node:assert/strict";
import { activePeer, Harness } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";
import type { DataPlane } from "../../lib/tinc/engine.ts";
import { PacketPath } from "../../lib/tinc/packet_path.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const OTHERS: NodeSpec[] = [
  { name: "beta", ip: "192.168.77.2" },
  { name: "gamma", ip: "192.168.77.3" },
];

function setup(minMtu = 0) {
  const h = new Harness(ALPHA, OTHERS, {}, {
    // A data plane whose PMTU to everyone is confirmed (or not).
    dataPlane: (hooks): DataPlane =>
      new class extends PacketPath {
        override minMtu() {
          return minMtu;
        }
      }(hooks),
  });
  h.start();
  const beta = activePeer(h, "beta", "192.168.77.2");
  const gamma = activePeer(h, "gamma", "192.168.77.3");
  // delta sits behind gamma.
  gamma.send("12 a1 gamma delta 10.3.3.3 655 c 5");
  gamma.send("12 a2 delta gamma 10.3.3.4 700 c 5");
  beta.lines.length = 0;
  gamma.lines.length = 0;
  return { h, beta, gamma };
}

Deno.test("REQ_KEY for us: ANS_KEY with a fresh key goes back toward the requester", () => {
  const { beta } = setup();
  beta.send("15 beta alpha");
  beta.send("15 beta alpha");
  const ans = beta.got(16);
  assert.equal(ans.length, 2); // not deduplicated
  assert.match(ans[0]!, /^16 alpha beta [0-9A-F]{96} 427 672 4 0$/);
  assert.notEqual(ans[0], ans[1]);
});

Deno.test("REQ_KEY for another node: the same line goes to its nexthop", () => {
  const { beta, gamma } = setup();
  beta.send("15 beta delta");
  assert.deepEqual(gamma.lines, ["15 beta delta"]);
  assert.deepEqual(beta.lines, []);
});

Deno.test("REQ_KEY for unknown or unreachable nodes: ignored, connection kept", () => {
  const { h, beta, gamma } = setup();
  beta.send("15 beta nobody");
  beta.send("15 nobody alpha");
  gamma.send("12 b1 gamma epsilon 10.3.3.5 655 c 5"); // no reverse edge: unreachable
  beta.send("15 beta epsilon");
  assert.equal(beta.closed, null);
  assert.ok(!gamma.lines.includes("15 beta epsilon"));
  assert.ok(h.log.has(/not reachable/));
});

Deno.test("REQ_KEY/ANS_KEY with invalid names or too few fields drop", () => {
  for (
    const line of [
      "15 beta",
      "15 beta al-pha",
      "16 beta alpha 00 427 672",
      "16 be.ta alpha 00 427 672 4 0",
    ]
  ) {
    const { beta } = setup();
    beta.send(line);
    assert.deepEqual(beta.closed, { tarpit: true }, line);
  }
});

Deno.test("ANS_KEY relayed unchanged without a confirmed PMTU to the requester", () => {
  const { gamma, beta } = setup(0);
  const line = `16 delta beta ${"AB".repeat(48)} 427 672 4 0`;
  gamma.send(line);
  assert.deepEqual(beta.lines, [line]);
});

Deno.test("ANS_KEY relayed with the reflexive UDP address appended (PMTU confirmed)", () => {
  const { gamma, beta } = setup(1400);
  const line = `16 delta beta ${"AB".repeat(48)} 427 672 4 0`;
  gamma.send(line);
  // delta's UDP address came from the edge gamma→delta.
  assert.deepEqual(beta.lines, [`${line} 10.3.3.3 655`]);
  // A line that already carries an address is passed on as is.
  beta.lines.length = 0;
  gamma.send(`${line} 1.2.3.4 999`);
  assert.deepEqual(beta.lines, [`${line} 1.2.3.4 999`]);
});

Deno.test("ANS_KEY for us: key installed; a reflexive address updates the node's UDP address", () => {
  const { h, gamma } = setup();
  gamma.send(`16 delta alpha ${"CD".repeat(48)} 427 672 4 0 10.9.9.9 1234`);
  const d = h.engine.dump().nodes.find((n) => n.name === "delta")!;
  assert.equal(d.validKey, true);
  assert.equal(d.address, "10.9.9.9:1234");
});

Deno.test("ANS_KEY with bad key material or parameters: key stays invalid, no drop", () => {
  const bad = [
    `16 beta alpha ${"CD".repeat(47)} 427 672 4 0`, // wrong length
    `16 beta alpha ${"ZZ".repeat(48)} 427 672 4 0`, // bad hex
    `16 beta alpha ${"CD".repeat(48)} 9999 672 4 0`, // unknown cipher
    `16 beta alpha ${"CD".repeat(48)} 427 9999 4 0`, // unknown digest
    `16 beta alpha ${"CD".repeat(48)} 427 672 33 0`, // MAC too long
    `16 beta alpha ${"CD".repeat(48)} 427 672 4 12`, // compression out of range
  ];
  for (const line of bad) {
    const { h, beta } = setup();
    beta.send(`16 beta alpha ${"CD".repeat(48)} 427 672 4 0`);
    assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.validKey, true);
    beta.send(line);
    assert.equal(beta.closed, null, line);
    assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.validKey, false, line);
  }
});

Deno.test("ANS_KEY twice (the connect race): the latest key is used", () => {
  const h = new Harness(ALPHA, OTHERS);
  h.start();
  // No PMTU discovery toward beta (ACK options 8): data goes straight to UDP.
  const beta = activePeer(h, "beta", "192.168.77.2", { ackOptions: 0x8 });
  beta.send(`16 beta alpha ${"11".repeat(48)} 427 672 4 0`);
  beta.send(`16 beta alpha ${"22".repeat(48)} 427 672 4 0`);
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.validKey, true);
  // Data goes out under the second key: the receiver can check with the same crypto.
  const frame = new Uint8Array(14 + 20);
  frame[12] = 8;
  frame[14] = 0x45;
  beta.send("10 1 beta 10.77.0.2/32");
  frame.set([10, 77, 0, 2], 30);
  const buf = new Uint8Array(64 + frame.length);
  buf.set(frame, 64);
  h.engine.onTun(buf, 64, frame.length, h.now);
  assert.equal(h.udp.length, 1);
  const key = new Uint8Array(48).fill(0x22);
  const mac = new Uint8Array(32);
  h.crypto.hmac({ name: "sha256", nid: 672, size: 32 }, key).compute(
    h.udp[0]!.data,
    0,
    h.udp[0]!.data.length - 4,
    mac,
    0,
  );
  assert.deepEqual(h.udp[0]!.data.slice(-4), mac.slice(0, 4));
});

Deno.test("KEY_CHANGED: deduped, invalidates the key, forwarded byte-identically", () => {
  const { h, beta, gamma } = setup();
  beta.send(`16 beta alpha ${"CD".repeat(48)} 427 672 4 0`);
  beta.send("14 77 beta");
  beta.send("14 77 beta");
  assert.equal(h.engine.dump().nodes.find((n) => n.name === "beta")!.validKey, false);
  assert.deepEqual(gamma.lines, ["14 77 beta"]);
  beta.send("14 78 nobody");
  assert.equal(beta.closed, null);
  beta.send("14 79 bad!name");
  assert.deepEqual(beta.closed, { tarpit: true });
});

Deno.test("KeyExpire: KEY_CHANGED to everyone, then a fresh ANS_KEY to each neighbour", () => {
  const h = new Harness(ALPHA, OTHERS, { keyExpire: 30 });
  h.start();
  const beta = activePeer(h, "beta", "192.168.77.2");
  const gamma = activePeer(h, "gamma", "192.168.77.3");
  beta.lines.length = 0;
  gamma.lines.length = 0;
  h.advance(31_000);
  for (const p of [beta, gamma]) {
    const kc = p.lines.findIndex((l) => /^14 [0-9a-f]+ alpha$/.test(l));
    assert.ok(kc >= 0, p.lines.join("\n"));
    const ans = p.lines.findIndex((l) => l.startsWith(`16 alpha ${p.name} `));
    assert.ok(ans > kc);
  }
  // The same KEY_CHANGED line (same nonce) to both.
  assert.equal(beta.got(14)[0], gamma.got(14)[0]);
});
