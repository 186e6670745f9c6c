import assert from "node:assert/strict";
import { EventLoop, FIRST_ACCEPTED_CONN, type LoopEngine } from "../../lib/runtime/event_loop.ts";
import {
  localAddress,
  openUdp,
  openUdpAndListener,
  SockAddrTable,
  streamRecv,
  streamSend,
  tcpConnect,
  tcpListen,
  type UdpSocket,
} from "../../ffi/socket.ts";
import { addressOf, check, closeFd, libc } from "../../ffi/libc.ts";
import { TunDevice } from "../../ffi/tun_linux.ts";
import {
  AF_UNIX,
  EAGAIN,
  EFD_CLOEXEC,
  EFD_NONBLOCK,
  POLLIN,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../../ffi/linux_constants.ts";
import { type ConnId, NULL_LOGGER, type SockAddr, sockAddr } from "../../lib/tinc/types.ts";

type Call = [string, ...unknown[]];

/** Records calls; behaviour is set per test through the hooks. */
class FakeEngine implements LoopEngine {
  calls: Call[] = [];
  timer = Infinity;
  loop!: EventLoop;
  onMeta: (conn: ConnId, bytes: Uint8Array) => void = () => {};
  onAcceptHook: (conn: ConnId) => void = () => {};
  onAccept(conn: ConnId, from: SockAddr): void {
    this.calls.push(["accept", conn, from.key]);
    this.onAcceptHook(conn);
  }
  onConnected(conn: ConnId): void {
    this.calls.push(["connected", conn]);
  }
  onConnectFailed(conn: ConnId): void {
    this.calls.push(["connectFailed", conn]);
  }
  onMetaData(conn: ConnId, bytes: Uint8Array): void {
    this.calls.push(["meta", conn, new TextDecoder().decode(bytes)]);
    this.onMeta(conn, bytes);
  }
  onMetaClosed(conn: ConnId): void {
    this.calls.push(["closed", conn]);
  }
  lastUdpFrom: SockAddr | null = null;
  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr): void {
    this.calls.push(["udp", from.key, len]);
    this.lastUdpFrom = from;
    // Echo it back, through the output interface.
    this.loop.sendUdp(from, buf, off, len);
  }
  onTun(_buf: Uint8Array, _off: number, len: number): void {
    this.calls.push(["tun", len]);
  }
  onTick(now: number): void {
    this.calls.push(["tick"]);
    this.timer = now + 1e9;
  }
  nextTimeout(): number {
    return this.timer;
  }
  count(kind: string): number {
    return this.calls.filter((c) => c[0] === kind).length;
  }
}

interface Harness {
  loop: EventLoop;
  engine: FakeEngine;
  udp: UdpSocket;
  port: number;
  listenFd: number;
  wakeFd: number;
  spin(ms: number, until?: () => boolean): void;
  close(): void;
}

function harness(limits = {}, clock = () => performance.now()): Harness {
  const addresses = new SockAddrTable();
  const { udp, listener: listenFd } = openUdpAndListener({}, addresses);
  const wakeFd = check(libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
  const loop = new EventLoop(
    { tun: null, udp: [udp], listeners: [listenFd], wakeFd, addresses },
    NULL_LOGGER,
    clock,
    limits,
  );
  const engine = new FakeEngine();
  engine.loop = loop;
  loop.engine = engine;
  return {
    loop,
    engine,
    udp,
    port: udp.port,
    listenFd,
    wakeFd,
    spin(ms, until) {
      const end = performance.now() + ms;
      while (performance.now() < end) {
        loop.runOnce(10);
        if (until?.()) return;
      }
    },
    close() {
      loop.closeAll();
      udp.close();
      closeFd(listenFd);
      closeFd(wakeFd);
    },
  };
}

Deno.test("event loop: the wake-up time is the clock before sleeping plus what ppoll slept", () => {
  let t = 5000;
  const h = harness({}, () => t);
  try {
    h.loop.runOnce(40); // nothing ready: the whole 40 ms
    assert.equal(h.loop.now, 5040);
    t = 9000.5;
    const one = new Uint8Array(new BigUint64Array([1n]).buffer);
    assert.equal(libc().write(h.wakeFd, one, 8n), 8);
    assert.equal(h.loop.runOnce(1500), true, "woken by the wake fd");
    assert.ok(h.loop.now >= 9000.5 && h.loop.now < 9010, `at once: ${h.loop.now}`);
    h.loop.runOnce(0);
    assert.equal(h.loop.now, 9000.5, "no wait, no time");
  } finally {
    h.close();
  }
});

Deno.test("event loop: UDP datagram reaches onUdp with an interned peer, echo goes out", () => {
  const h = harness();
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    const msg = new Uint8Array([9, 8, 7, 6]);
    peer.send(sockAddr("127.0.0.1", h.port), msg, 0, 4);
    peer.send(sockAddr("127.0.0.1", h.port), msg, 0, 4);
    h.spin(1000, () => h.engine.count("udp") >= 2);
    assert.equal(h.engine.count("udp"), 2);
    assert.deepEqual(h.engine.calls[0], ["udp", `127.0.0.1:${peer.port}`, 4]);
    const buf = new Uint8Array(100);
    let got = -1;
    for (let i = 0; i < 100 && got < 0; i++) {
      got = peer.receive(buf, 0, 100);
      if (got < 0) libc().poll(0n, 0n, 10);
    }
    assert.equal(got, 4);
    assert.deepEqual(buf.subarray(0, 4), msg);
    assert.equal(h.loop.stats.udpSent, 2);
  } finally {
    peer.close();
    h.close();
  }
});

Deno.test("event loop: after a quiet spell a wake-up reads one datagram; a backlog drains in full", () => {
  const h = harness();
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    const msg = new Uint8Array([1, 2, 3]);
    for (let i = 0; i < 5; i++) peer.send(sockAddr("127.0.0.1", h.port), msg, 0, 3);
    // Let them all arrive, and let the loop's last traffic be long past.
    libc().poll(0n, 0n, 20);
    h.loop.runOnce(100);
    assert.equal(h.engine.count("udp"), 1, "light traffic: one read, no EAGAIN read");
    h.loop.runOnce(100);
    assert.equal(h.engine.count("udp"), 5, "the rest in one wake-up");
  } finally {
    peer.close();
    h.close();
  }
});

Deno.test("event loop: at light traffic a reply leaves at once, not in a GSO train at the end", () => {
  const h = harness();
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  const immediate: boolean[] = [];
  h.engine.onUdp = (buf, off, len, from) => {
    h.engine.calls.push(["udp", from.key, len]);
    h.loop.sendUdp(from, buf, off, len);
    // Already on its way before the engine call returns?
    const pfd = new Uint8Array(8);
    new DataView(pfd.buffer).setInt32(0, peer.fd, true);
    new DataView(pfd.buffer).setInt16(4, POLLIN, true);
    immediate.push(libc().poll(addressOf(pfd), 1n, 0) === 1);
  };
  try {
    const rx = new Uint8Array(64);
    for (let i = 0; i < 3; i++) {
      peer.send(sockAddr("127.0.0.1", h.port), new Uint8Array([1, 2, 3]), 0, 3);
      h.spin(1000, () => h.engine.count("udp") > i);
      while (peer.receive(rx, 0, 64) >= 0) { /* drain the echo */ }
      libc().poll(0n, 0n, 5); // a quiet spell: light traffic again
    }
    assert.deepEqual(immediate, [true, true, true]);
    assert.equal(h.loop.stats.gsoTrains, 0);
  } finally {
    peer.close();
    h.close();
  }
});

Deno.test("event loop: traffic on one source leaves another light (a ping reply reads once)", () => {
  const addresses = new SockAddrTable();
  const a = openUdp({ port: 0, address: "127.0.0.1" }, addresses);
  const b = openUdp({ port: 0, address: "127.0.0.1" }, addresses);
  const wakeFd = check(libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
  const loop = new EventLoop(
    { tun: null, udp: [a, b], listeners: [], wakeFd, addresses },
    NULL_LOGGER,
    () => performance.now(),
  );
  const engine = new FakeEngine();
  engine.loop = loop;
  engine.onUdp = (_buf, _off, len, from) => engine.calls.push(["udp", from.key, len]);
  loop.engine = engine;
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    const msg = new Uint8Array([1, 2, 3]);
    const recvCalls = () => engine.count("udp");
    // Socket a busy just now; three datagrams wait on b, quiet for 20 ms.
    for (let i = 0; i < 3; i++) peer.send(sockAddr("127.0.0.1", b.port), msg, 0, 3);
    libc().poll(0n, 0n, 20);
    peer.send(sockAddr("127.0.0.1", a.port), msg, 0, 3);
    libc().poll(0n, 0n, 5);
    loop.runOnce(100); // a: light, one read; b: light, one read
    assert.equal(recvCalls(), 2, "each source read once after its own quiet spell");
    loop.runOnce(100); // b again within a millisecond: drains the rest
    assert.equal(recvCalls(), 4);
  } finally {
    peer.close();
    loop.closeAll();
    a.close();
    b.close();
    closeFd(wakeFd);
  }
});

Deno.test("event loop: accept, meta data in, sendMeta out, peer close → onMetaClosed", () => {
  const h = harness();
  h.engine.onMeta = (conn, bytes) => h.loop.sendMeta(conn, bytes.slice().reverse());
  const { fd } = tcpConnect(sockAddr("127.0.0.1", h.port));
  try {
    h.spin(1000, () => h.engine.count("accept") > 0);
    const [, id] = h.engine.calls[0]!;
    assert.equal(id, FIRST_ACCEPTED_CONN);
    const hello = new TextEncoder().encode("abc");
    assert.equal(streamSend(fd, hello, 3), 3);
    h.spin(1000, () => h.engine.count("meta") > 0);
    assert.deepEqual(h.engine.calls[1], ["meta", FIRST_ACCEPTED_CONN, "abc"]);
    const buf = new Uint8Array(10);
    let n = -EAGAIN;
    for (let i = 0; i < 100 && n === -EAGAIN; i++) {
      n = streamRecv(fd, buf, 10);
      if (n === -EAGAIN) h.loop.runOnce(10);
    }
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "cba");
    closeFd(fd);
    h.spin(1000, () => h.engine.count("closed") > 0);
    assert.deepEqual(h.engine.calls.at(-1), ["closed", FIRST_ACCEPTED_CONN]);
    assert.equal(h.loop.connectionCount, 0);
  } finally {
    h.close();
  }
});

Deno.test("event loop: outgoing connect succeeds or fails, never re-entering the engine", () => {
  const h = harness();
  try {
    // Connect to ourselves: both an outgoing and an accepted connection appear.
    h.loop.connect(1, sockAddr("127.0.0.1", h.port));
    h.spin(1000, () => h.engine.count("connected") > 0 && h.engine.count("accept") > 0);
    assert.ok(h.engine.calls.some((c) => c[0] === "connected" && c[1] === 1));
    h.loop.sendMeta(1, new TextEncoder().encode("ping\n"));
    h.spin(1000, () => h.engine.count("meta") > 0);
    assert.ok(h.engine.calls.some((c) => c[0] === "meta" && c[2] === "ping\n"));
    // A closed port: onConnectFailed comes from the loop, not from inside connect().
    const lfd = tcpListen("127.0.0.1", 0);
    const dead = localAddress(lfd)!.port;
    closeFd(lfd);
    const before = h.engine.calls.length;
    h.loop.connect(2, sockAddr("127.0.0.1", dead));
    assert.equal(h.engine.calls.length, before, "no callback inside connect()");
    h.spin(1000, () => h.engine.count("connectFailed") > 0);
    assert.ok(h.engine.calls.some((c) => c[0] === "connectFailed" && c[1] === 2));
  } finally {
    h.close();
  }
});

Deno.test("event loop: timers fire at nextTimeout, wake fd interrupts a long sleep", () => {
  const h = harness();
  try {
    h.engine.timer = performance.now() + 30;
    const t0 = performance.now();
    h.spin(1000, () => h.engine.count("tick") > 0);
    const dt = performance.now() - t0;
    assert.equal(h.engine.count("tick"), 1);
    assert.ok(dt >= 25 && dt < 500, `tick after ${dt} ms`);
    const one = new Uint8Array(new BigUint64Array([1n]).buffer);
    libc().write(h.wakeFd, one, 8n);
    const t1 = performance.now();
    assert.equal(h.loop.runOnce(5000), true, "woken");
    assert.ok(performance.now() - t1 < 1000);
  } finally {
    h.close();
  }
});

Deno.test("event loop: a connection flood from one host is tarpitted; honest peers keep working", () => {
  const h = harness();
  h.engine.onMeta = (conn, bytes) => h.loop.sendMeta(conn, bytes);
  const clients: number[] = [];
  try {
    // One honest connection first, from another source address (127.0.0.2).
    const honest = tcpConnectFrom("127.0.0.2", h.port);
    clients.push(honest);
    h.spin(500, () => h.engine.count("accept") >= 1);
    assert.equal(h.engine.count("accept"), 1);
    for (let i = 0; i < 40; i++) {
      clients.push(tcpConnect(sockAddr("127.0.0.1", h.port)).fd);
      h.loop.runOnce(0);
    }
    h.spin(300);
    const fromFlood = h.engine.calls.filter((c) =>
      c[0] === "accept" && String(c[2]).startsWith("127.0.0.1:")
    );
    assert.ok(fromFlood.length <= 10, `${fromFlood.length} flood connections reached the engine`);
    assert.ok(h.loop.stats.tarpitted >= 30, `tarpitted ${h.loop.stats.tarpitted}`);
    assert.ok(h.loop.tarpitCount <= 10, "tarpit ring is bounded");
    // The honest peer still gets answers.
    assert.equal(streamSend(honest, new TextEncoder().encode("hi"), 2), 2);
    const buf = new Uint8Array(10);
    let n = -EAGAIN;
    for (let i = 0; i < 200 && n === -EAGAIN; i++) {
      h.loop.runOnce(5);
      n = streamRecv(honest, buf, 10);
    }
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "hi");
  } finally {
    for (const fd of clients) closeFd(fd);
    h.close();
  }
});

Deno.test("event loop: unauthenticated connections are capped", () => {
  const h = harness({ maxUnauthenticated: 3, acceptBurst: 100 });
  const clients: number[] = [];
  try {
    for (let i = 0; i < 6; i++) clients.push(tcpConnect(sockAddr("127.0.0.1", h.port)).fd);
    h.spin(300);
    assert.equal(h.engine.count("accept"), 3);
    assert.equal(h.loop.connectionCount, 3);
  } finally {
    for (const fd of clients) closeFd(fd);
    h.close();
  }
});

Deno.test("event loop: garbage peer tarpitted by the engine is no longer read", () => {
  const h = harness();
  h.engine.onMeta = (conn) => h.loop.closeMeta(conn, true);
  const { fd } = tcpConnect(sockAddr("127.0.0.1", h.port));
  try {
    h.spin(500, () => h.engine.count("accept") > 0);
    streamSend(fd, new TextEncoder().encode("GET / HTTP/1.0\r\n\r\n"), 18);
    h.spin(500, () => h.engine.count("meta") > 0);
    assert.equal(h.loop.connectionCount, 0);
    assert.equal(h.loop.tarpitCount, 1);
    streamSend(fd, new TextEncoder().encode("more garbage"), 12);
    h.spin(100);
    assert.equal(h.engine.count("meta"), 1, "nothing read after the tarpit");
    assert.equal(h.engine.count("closed"), 0, "closeMeta does not call back");
  } finally {
    closeFd(fd);
    h.close();
  }
});

Deno.test("event loop: meta output is queued under backpressure and flushed later", () => {
  const h = harness();
  const { fd } = tcpConnect(sockAddr("127.0.0.1", h.port));
  try {
    h.spin(500, () => h.engine.count("accept") > 0);
    const id = h.engine.calls[0]![1] as number;
    const chunk = new Uint8Array(256 * 1024).fill(0x41);
    let total = 0;
    for (let i = 0; i < 16; i++) {
      h.loop.sendMeta(id, chunk);
      total += chunk.length;
    }
    // metaBacklog is what the socket has not taken yet.
    const queued = h.loop.metaBacklog(id);
    assert.ok(queued > 0 && queued < total, `backlog ${queued}`);
    assert.equal(queued, total - h.loop.stats.metaBytesOut);
    assert.equal(h.loop.metaBacklog(id + 1), 0, "unknown connection");
    // Read it all while the loop flushes.
    const buf = new Uint8Array(65536);
    let got = 0;
    let least = queued;
    const end = performance.now() + 5000;
    while (got < total && performance.now() < end) {
      h.loop.runOnce(1);
      assert.equal(h.loop.metaBacklog(id), total - h.loop.stats.metaBytesOut);
      least = Math.min(least, h.loop.metaBacklog(id));
      for (;;) {
        const n = streamRecv(fd, buf, buf.length);
        if (n <= 0) break;
        for (let i = 0; i < n; i++) assert.equal(buf[i], 0x41);
        got += n;
      }
    }
    assert.equal(got, total);
    assert.equal(h.loop.metaBacklog(id), 0);
    assert.equal(least, 0);
    // A queue left behind at close no longer counts.
    h.loop.sendMeta(id, chunk);
    h.loop.sendMeta(id, chunk);
    h.loop.closeMeta(id, true);
    assert.equal(h.loop.metaBacklog(id), 0);
  } finally {
    closeFd(fd);
    h.close();
  }
});

/** A TCP connection from a chosen loopback source address. */
function tcpConnectFrom(src: string, port: number): number {
  const c = libc();
  const fd = c.socket(2, 1 | 0o4000, 0);
  const sa = new Uint8Array(16);
  const dv = new DataView(sa.buffer);
  dv.setUint16(0, 2, true);
  src.split(".").forEach((o, i) => (sa[4 + i] = Number(o)));
  assert.equal(c.bind(fd, sa, 16), 0);
  dv.setUint16(2, port, false);
  sa.set([127, 0, 0, 1], 4);
  c.connect(fd, sa, 16);
  return fd;
}

/**
 * A loop whose TUN is a datagram socketpair (its far end, `kernel`, plays the kernel), with a
 * UDP socket and a peer socket to send to it.
 */
function tunHarness(kind: "tun" | "tap", limits = {}) {
  const addresses = new SockAddrTable();
  const udp = openUdp({ port: 0, address: "127.0.0.1" }, addresses);
  const wakeFd = check(libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
  const sv = new Int32Array(2);
  check(
    libc().socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, new Uint8Array(sv.buffer)),
    "socketpair",
  );
  const tun = new TunDevice(sv[0]!, "test0", kind);
  const resources = { tun, udp: [udp], listeners: [], wakeFd, addresses };
  const loop = new EventLoop(resources, NULL_LOGGER, () => performance.now(), limits);
  const engine = new FakeEngine();
  engine.loop = loop;
  loop.engine = engine;
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  return {
    loop,
    engine,
    udp,
    peer,
    kernel: sv[1]!,
    resources,
    close() {
      peer.close();
      loop.closeAll();
      udp.close();
      closeFd(wakeFd);
      closeFd(sv[0]!);
      closeFd(sv[1]!);
    },
  };
}

Deno.test("event loop: the answer to a frame written to the TUN is read in the same wake-up", () => {
  const { loop, engine, udp, peer, kernel, close } = tunHarness("tap");
  let answer = true;
  engine.onUdp = (buf, off, len, from) => {
    engine.calls.push(["udp", from.key, len]);
    loop.writeTun(buf, off, len);
    const got = new Uint8Array(64);
    assert.equal(libc().read(kernel, got, 64n), len, "the frame reached the TUN");
    // The kernel answers within the write (an echo reply), after this wake-up's poll.
    if (answer) libc().write(kernel, new Uint8Array(60).fill(7), 60n);
  };
  try {
    peer.send(sockAddr("127.0.0.1", udp.port), new Uint8Array(60), 0, 60);
    loop.runOnce(100);
    assert.deepEqual(engine.calls.map((c) => c[0]), ["udp", "tun"], "one wake-up: in, out, answer");
    assert.equal(loop.stats.wakeups, 1);
    // No answer: the extra read finds nothing and the next round sleeps as usual.
    answer = false;
    peer.send(sockAddr("127.0.0.1", udp.port), new Uint8Array(60), 0, 60);
    loop.runOnce(100);
    assert.deepEqual(engine.calls.map((c) => c[0]), ["udp", "tun", "udp"]);
    const t0 = performance.now();
    loop.runOnce(30);
    assert.ok(performance.now() - t0 >= 25, "nothing pending: the loop slept");
    assert.equal(engine.count("tun"), 1);
    // After that miss the next 8 writes are not read back at once: their answers wait for
    // the next poll round (two wake-ups each); then the guess is tried again (one).
    answer = true;
    const wakeUpsFor = () => {
      const before = loop.stats.wakeups, tuns = engine.count("tun");
      peer.send(sockAddr("127.0.0.1", udp.port), new Uint8Array(60), 0, 60);
      while (engine.count("tun") === tuns) loop.runOnce(100);
      return loop.stats.wakeups - before;
    };
    for (let i = 0; i < 8; i++) assert.equal(wakeUpsFor(), 2, `skipped chance ${i + 1}`);
    assert.equal(wakeUpsFor(), 1, "guessing again after the back-off");
    assert.equal(wakeUpsFor(), 1, "and on after a hit");
  } finally {
    close();
  }
});

Deno.test("event loop: after a frame leaves the TUN at light traffic, it polls awake for the answer", () => {
  const busyPoll = 40;
  const { loop, engine, udp, peer, kernel, resources, close } = tunHarness("tun", { busyPoll });
  engine.onUdp = (_buf, _off, len, from) => engine.calls.push(["udp", from.key, len]);
  const frame = new Uint8Array(60).fill(0x45);
  /** Runs one round; returns how long it took (ms). */
  const round = (maxWait: number) => {
    const t0 = performance.now();
    loop.runOnce(maxWait);
    return performance.now() - t0;
  };
  /** A request from the TUN after a quiet spell; true when the loop then stayed awake. */
  const request = () => {
    round(3); // quiet (light traffic is more than 1 ms without TUN frames)
    libc().write(kernel, frame, 60n);
    const tuns = engine.count("tun");
    round(100);
    assert.equal(engine.count("tun"), tuns + 1, "the frame was read");
    return round(30) < 10;
  };
  try {
    // The request wakes the loop; until the answer comes, rounds do not sleep.
    assert.equal(request(), true, "awake after the request");
    for (let i = 0; i < 5; i++) assert.ok(round(30) < 10, "still awake");
    const rounds = loop.stats.wakeups;
    peer.send(sockAddr("127.0.0.1", udp.port), new Uint8Array(60), 0, 60);
    while (engine.count("udp") === 0) round(30);
    assert.ok(loop.stats.wakeups - rounds <= 1000, "the answer ends it at once");
    assert.deepEqual([loop.stats.busyPollHits, loop.stats.busyPollMisses], [1, 0]);
    assert.ok(round(30) >= 25, "asleep again once the answer came");

    // No answer: awake until the deadline, then asleep; the next 8 requests do not wait
    // awake, the 9th does again.
    assert.equal(request(), true);
    const t0 = performance.now();
    let last = 0;
    const awakeFrom = loop.stats.wakeups;
    while (loop.stats.busyPollMisses === 0) {
      last = round(30);
      assert.ok(performance.now() - t0 < busyPoll + 50, "the deadline ends it");
    }
    assert.ok(last >= 25, "the round past the deadline sleeps");
    assert.ok(loop.stats.wakeups - awakeFrom > 10, "rounds without sleep until the deadline");
    assert.ok(performance.now() - t0 >= busyPoll + 10, `awake about ${busyPoll} ms, then asleep`);
    assert.equal(loop.stats.busyPollHits, 1);
    for (let i = 0; i < 8; i++) assert.equal(request(), false, `skipped chance ${i + 1}`);
    assert.equal(request(), true, "awake again after the back-off");

    // Off (busy-poll 0): never awake.
    const off = new EventLoop(
      resources,
      NULL_LOGGER,
      () => performance.now(),
      { busyPoll: 0 },
    );
    off.engine = engine;
    round(60); // the first loop's spin ends (a miss) and it goes back to sleep
    libc().write(kernel, frame, 60n);
    const tuns = engine.count("tun");
    off.runOnce(100);
    assert.equal(engine.count("tun"), tuns + 1);
    const t1 = performance.now();
    off.runOnce(30);
    assert.ok(performance.now() - t1 >= 25, "busy-poll 0 sleeps");
    assert.deepEqual([off.stats.busyPollHits, off.stats.busyPollMisses], [0, 0]);
  } finally {
    close();
  }
});
