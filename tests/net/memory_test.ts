import assert from "node:assert/strict";
import { type MemoryEngine, MemoryNetwork } from "../../lib/net/memory.ts";
import type { ConnId, EngineOutput, SockAddr } from "../../lib/tinc/types.ts";

/** A recording engine: logs calls, and can act on its output when told. */
class Probe implements MemoryEngine {
  readonly calls: string[] = [];
  timeout = Infinity;
  constructor(readonly out: EngineOutput, readonly name: string) {}
  start() {}
  onAccept(c: ConnId, from: SockAddr) {
    this.calls.push(`accept ${c} ${from.ip}`);
  }
  onConnected(c: ConnId) {
    this.calls.push(`connected ${c}`);
  }
  onConnectFailed(c: ConnId) {
    this.calls.push(`failed ${c}`);
  }
  onMetaData(c: ConnId, b: Uint8Array, now: number) {
    this.calls.push(`data ${c} ${new TextDecoder().decode(b)} @${now}`);
  }
  onMetaClosed(c: ConnId) {
    this.calls.push(`closed ${c}`);
  }
  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr) {
    this.calls.push(`udp ${from.key} ${buf[off]} ${len}`);
  }
  onTun(buf: Uint8Array, off: number, len: number) {
    this.calls.push(`tun ${buf[off]} ${len} headroom ${off}`);
  }
  onTick(now: number) {
    this.calls.push(`tick @${now}`);
    this.timeout = Infinity;
  }
  nextTimeout() {
    return this.timeout;
  }
  stop() {}
}

function pair(opts = {}) {
  const net = new MemoryNetwork(opts);
  let a!: Probe, b!: Probe;
  const ha = net.addHost("10.0.0.1", 655, (out) => (a = new Probe(out, "a")));
  const hb = net.addHost("10.0.0.2", 655, (out) => (b = new Probe(out, "b")));
  return { net, ha, hb, a: () => a, b: () => b };
}

Deno.test("memory: connect, accept, stream data in order, close notifies the peer", () => {
  const { net, a, b } = pair({ latency: 2 });
  a().out.connect(1, net.intern("10.0.0.2", 655));
  net.advance(2);
  assert.deepEqual(b().calls, ["accept 1000000 10.0.0.1"]);
  assert.deepEqual(a().calls, ["connected 1"]);
  a().out.sendMeta(1, new TextEncoder().encode("x"));
  a().out.sendMeta(1, new TextEncoder().encode("y"));
  net.advance(5);
  assert.deepEqual(
    b().calls.slice(1),
    ["data 1000000 x @2", "data 1000000 y @2"].map((s) => s.replace("@2", "@4")),
  );
  a().out.closeMeta(1, false);
  net.advance(5);
  assert.equal(b().calls.at(-1), "closed 1000000");
});

Deno.test("memory: metaBacklog is 0 unless a test plays congestion, and only for open links", () => {
  const { net, ha, a } = pair({ latency: 5 });
  a().out.connect(1, net.intern("10.0.0.2", 655));
  net.advance(5);
  // In flight is on the wire, not queued: the memory wire never holds output back.
  a().out.sendMeta(1, new Uint8Array(100_000));
  assert.equal(a().out.metaBacklog(1), 0);
  ha.metaBacklog = (conn) => conn * 1000;
  assert.equal(a().out.metaBacklog(1), 1000);
  assert.equal(a().out.metaBacklog(2), 0, "no such link");
  a().out.closeMeta(1, false);
  assert.equal(a().out.metaBacklog(1), 0, "closed");
});

Deno.test("memory: a tarpitted close tells the peer nothing", () => {
  const { net, a, b } = pair();
  a().out.connect(1, net.intern("10.0.0.2", 655));
  net.drain();
  b().out.closeMeta(1_000_000, true);
  net.advance(1000);
  assert.ok(!a().calls.includes("closed 1"));
});

Deno.test("memory: connecting to nobody fails; UDP to nobody is dropped", () => {
  const { net, a, ha } = pair();
  a().out.connect(7, net.intern("10.9.9.9", 655));
  a().out.sendUdp(net.intern("10.9.9.9", 655), new Uint8Array(3), 0, 3);
  net.drain();
  assert.deepEqual(a().calls, ["failed 7"]);
  assert.equal(ha.stats.udpDropped, 1);
});

Deno.test("memory: UDP carries the sender's port; loss and partitions drop", () => {
  const { net, a, b, ha, hb } = pair({ udpLoss: 0.5, seed: 3 });
  for (let i = 0; i < 200; i++) a().out.sendUdp(hb.address, new Uint8Array([i]), 0, 1);
  net.drain();
  const got = b().calls.filter((c) => c.startsWith("udp 10.0.0.1:655")).length;
  assert.ok(got > 60 && got < 140, `${got}`);
  net.partition(ha, hb);
  b().calls.length = 0;
  a().out.sendUdp(hb.address, new Uint8Array([1]), 0, 1);
  net.drain();
  assert.equal(b().calls.length, 0);
});

Deno.test("memory: TUN frames arrive with headroom; writeTun frames are kept", () => {
  const { net, a, ha } = pair();
  ha.tun.inject(new Uint8Array([9, 8, 7]));
  net.drain();
  assert.deepEqual(a().calls, ["tun 9 3 headroom 64"]);
  a().out.writeTun(new Uint8Array([0, 1, 2, 3]), 1, 2);
  assert.deepEqual(ha.tun.take().map((f) => Array.from(f)), [[1, 2]]);
});

Deno.test("memory: advance fires timers at their time", () => {
  const { net, a } = pair();
  a().timeout = 1500;
  net.advance(1000);
  assert.deepEqual(a().calls, []);
  net.advance(1000);
  assert.deepEqual(a().calls, ["tick @1500"]);
  assert.equal(net.clock.now, 2000);
});

Deno.test("memory: a crashed host neither sends nor receives; restart makes a new engine", () => {
  const { net, a, b, ha, hb } = pair();
  a().out.connect(1, hb.address);
  net.drain();
  hb.crash();
  a().out.sendMeta(1, new Uint8Array([65]));
  a().out.sendUdp(hb.address, new Uint8Array([1]), 0, 1);
  net.drain();
  assert.deepEqual(b().calls, ["accept 1000000 10.0.0.1"]);
  const old = b();
  hb.restart();
  assert.notEqual(b(), old);
  a().out.connect(2, hb.address);
  net.drain();
  assert.deepEqual(b().calls, ["accept 1000001 10.0.0.1"]);
  void ha;
});
