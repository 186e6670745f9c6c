import assert from "node:assert/strict";
import { activePeer, Harness, type Peer } from "./_peer.ts";
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

// Random Early Drop in send_tcppacket: alpha is TCPOnly, so frames to beta go as `17 <len>`.
const CAP = 10_000;

function tcpOnlyAlpha() {
  const GAMMA: NodeSpec = { name: "gamma", ip: "192.168.77.3", subnets: ["10.77.0.3/32"] };
  const h = new Harness(ALPHA, [BETA, GAMMA], { tcpOnly: true, maxOutputBufferSize: CAP });
  h.start();
  const beta = activePeer(h, "beta", "192.168.77.2");
  const gamma = activePeer(h, "gamma", "192.168.77.3");
  beta.send("10 1 beta 10.77.0.2/32");
  gamma.send("10 2 gamma 10.77.0.3/32");
  h.flush();
  return { h, beta, gamma };
}

/** Sends `count` IPv4 frames from the device toward `dst`; returns how many reached the peer. */
function sendFrames(h: Harness, peer: Peer, dst: number, count: number): number {
  const before = peer.packets.length;
  const buf = new Uint8Array(64 + 14 + 100);
  for (let i = 0; i < count; i++) {
    buf.fill(0, 64);
    buf[64 + 12] = 8;
    buf[64 + 14] = 0x45;
    buf.set([10, 77, 0, 1], 64 + 26);
    buf.set([10, 77, 0, dst], 64 + 30);
    buf[64 + 40] = i & 0xff;
    h.engine.onTun(buf, 64, 114, h.now);
    h.flush();
  }
  return peer.packets.length - before;
}

Deno.test("PACKET out: up to half of MaxOutputBufferSize queued, no frame is dropped", () => {
  const { h, beta } = tcpOnlyAlpha();
  assert.equal(sendFrames(h, beta, 2, 50), 50);
  h.backlog.set(beta.conn, CAP / 2);
  assert.equal(sendFrames(h, beta, 2, 500), 500);
  assert.equal(beta.packets.at(-1)!.length, 114);
  assert.ok(!h.log.has(/Dropping packet/));
});

Deno.test("PACKET out: at or above MaxOutputBufferSize every frame is dropped, as if sent", () => {
  const { h, beta, gamma } = tcpOnlyAlpha();
  for (const backlog of [CAP, CAP + 1, 4 * CAP]) {
    h.backlog.set(beta.conn, backlog);
    const lines = beta.lines.length;
    assert.equal(sendFrames(h, beta, 2, 200), 0, `backlog ${backlog}`);
    // Counted as sent: no other way is tried, nothing else goes out.
    assert.equal(beta.lines.length, lines);
    assert.equal(h.udp.length, 0);
    assert.equal(beta.closed, null);
  }
  assert.ok(h.log.has(/debug: Dropping packet of 114 bytes to beta .*: 10000 bytes queued/));
  // The backlog is per connection: gamma's frames still go.
  assert.equal(sendFrames(h, gamma, 3, 100), 100);
  // And once the queue drains, beta's go again.
  h.backlog.delete(beta.conn);
  assert.equal(sendFrames(h, beta, 2, 100), 100);
});

Deno.test("PACKET out: in between, frames are dropped with probability 2 * backlog / max - 1", () => {
  const { h, beta } = tcpOnlyAlpha();
  const n = 2000;
  for (const fill of [0.6, 0.75, 0.9]) {
    h.backlog.set(beta.conn, fill * CAP);
    const dropped = n - sendFrames(h, beta, 2, n);
    const expect = 2 * fill - 1;
    // Binomial sd is at most 0.011 at n = 2000: 0.05 is more than 4 sd.
    assert.ok(Math.abs(dropped / n - expect) < 0.05, `fill ${fill}: ${dropped}/${n} dropped`);
  }
});
