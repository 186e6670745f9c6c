import assert from "node:assert/strict";
import { activePeer, Harness } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const BETA: NodeSpec = { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"] };

Deno.test("PING is answered with a bare PONG; extra fields are ignored", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2", { auto: true });
  p.lines.length = 0;
  p.send("8");
  p.send("8 1a2b3c");
  assert.deepEqual(p.lines, ["9", "9"]);
});

Deno.test("PING goes out every PingInterval as `8`; no PONG within PingTimeout drops", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  p.lines.length = 0;
  // The peer answers automatically: after 3 intervals still up.
  h.advance(185_000);
  assert.equal(p.got(8).length, 3);
  assert.ok(p.got(8).every((l) => l === "8"));
  assert.equal(p.closed, null);
  // Now the peer goes silent.
  const silent = activePeer(h, "beta", "192.168.77.2", {}); // replaces the old connection
  assert.ok(p.closed);
  Object.assign(silent.opts, { auto: false });
  h.advance(61_000);
  assert.equal(silent.got(8).length, 1);
  h.advance(6_000);
  assert.deepEqual(silent.closed, { tarpit: false });
  assert.ok(h.log.has(/didn't respond to PING/));
});

Deno.test("PACKET: `17 <len>` + raw bytes is routed; a frame for us goes to the device", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  const frame = new Uint8Array(34).fill(0x55);
  frame[12] = 8;
  frame[13] = 0;
  frame.set([10, 77, 0, 1], 30);
  const head = new TextEncoder().encode(`17 ${frame.length}\n`);
  // Split across two writes, with a PING glued after the body.
  const all = new Uint8Array([...head, ...frame, ...new TextEncoder().encode("8\n")]);
  p.sendBytes(all.subarray(0, 10));
  p.sendBytes(all.subarray(10));
  assert.equal(h.tun.length, 1);
  assert.deepEqual(h.tun[0], frame);
  assert.equal(p.lines.at(-1), "9");
});

Deno.test("PACKET longer than MAXSIZE is consumed and ignored; bad length drops", () => {
  const h = new Harness(ALPHA, [BETA]);
  h.start();
  const p = activePeer(h, "beta", "192.168.77.2");
  p.sendBytes(new Uint8Array([...new TextEncoder().encode("17 1700\n"), ...new Uint8Array(1700)]));
  assert.equal(p.closed, null);
  assert.equal(h.tun.length, 0);
  p.send("17 x");
  assert.deepEqual(p.closed, { tarpit: true });
});

Deno.test("PONG resets the reconnect back-off of an outgoing connection", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  const o = h.engine.outgoings[0]!;
  o.timeout = 25;
  const p = h.answerConnect("beta");
  p.send("12 1 beta alpha 192.168.77.1 655 c 5");
  p.send("9");
  assert.equal(o.timeout, 0);
});
