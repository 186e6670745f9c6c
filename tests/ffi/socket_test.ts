import assert from "node:assert/strict";
import {
  decodeSockAddr,
  encodeSockAddr,
  ipBytes,
  localAddress,
  openUdp,
  openUdpAndListener,
  SendResult,
  SockAddrTable,
  socketBufferSizes,
  socketError,
  streamRecv,
  streamSend,
  tcpAccept,
  tcpConnect,
  tcpListen,
  UdpSocket,
} from "../../ffi/socket.ts";
import { addressOf, closeFd, libc } from "../../ffi/libc.ts";
import { sockAddr } from "../../lib/tinc/types.ts";
import { EAGAIN, POLLIN, POLLOUT } from "../../ffi/linux_constants.ts";

function pollOne(fd: number, events: number, ms: number): number {
  const pfd = new Uint8Array(8);
  const dv = new DataView(pfd.buffer);
  dv.setInt32(0, fd, true);
  dv.setInt16(4, events, true);
  libc().poll(addressOf(pfd), 1n, ms);
  return dv.getInt16(6, true);
}

Deno.test("sockaddr: encode/decode IPv4, IPv6 and v4-mapped on a dual-stack socket", () => {
  const v4 = encodeSockAddr("192.0.2.7", 655, 4)!;
  assert.equal(v4.length, 16);
  assert.deepEqual(decodeSockAddr(v4), sockAddr("192.0.2.7", 655));
  const mapped = encodeSockAddr("192.0.2.7", 655, 6)!;
  assert.equal(mapped.length, 28);
  // An IPv4 peer seen on a `::` socket comes back as plain IPv4.
  assert.deepEqual(decodeSockAddr(mapped), sockAddr("192.0.2.7", 655));
  const v6 = encodeSockAddr("2001:db8::1", 1000, 6)!;
  assert.deepEqual(decodeSockAddr(v6), sockAddr("2001:db8::1", 1000));
  assert.equal(encodeSockAddr("2001:db8::1", 1, 4), null, "IPv6 on an IPv4 socket");
  assert.equal(ipBytes("::ffff:10.0.0.1")?.family, 4);
  assert.equal(ipBytes("nonsense"), null);
});

Deno.test("openUdp on a v4-mapped address: an IPv6 socket that IPv4 peers reach", () => {
  const table = new SockAddrTable();
  const u = openUdp({ address: "::ffff:127.0.0.1", port: 0 }, table);
  const peer = openUdp({ address: "127.0.0.1", port: 0 }, new SockAddrTable());
  try {
    assert.equal(u.family, 6);
    assert.equal(
      peer.send(sockAddr("127.0.0.1", u.port), new Uint8Array([7]), 0, 1),
      SendResult.Sent,
    );
    const buf = new Uint8Array(16);
    let n = -1;
    for (let i = 0; i < 100 && n < 0; i++) {
      n = u.receive(buf, 0, 16);
      if (n < 0) libc().poll(0n, 0n, 10);
    }
    assert.equal(n, 1);
    assert.equal(u.from?.key, `127.0.0.1:${peer.port}`, "the sender, as plain IPv4");
  } finally {
    u.close();
    peer.close();
  }
});

Deno.test("SockAddrTable interns: same peer, same object; different port, different object", () => {
  const t = new SockAddrTable();
  const a = t.lookup(encodeSockAddr("10.1.2.3", 655, 6)!);
  const b = t.lookup(encodeSockAddr("10.1.2.3", 655, 4)!);
  const c = t.lookup(encodeSockAddr("10.1.2.3", 656, 4)!);
  assert.ok(a !== null && a === b, "v4-mapped and plain v4 intern to one object");
  assert.notEqual(a, c);
  assert.equal(a!.key, "10.1.2.3:655");
  const d = t.lookup(encodeSockAddr("fe80::1", 655, 6)!);
  const e = t.lookup(encodeSockAddr("fe80::1", 655, 6)!);
  const f = t.lookup(encodeSockAddr("fe80::2", 655, 6)!);
  assert.ok(d === e && d !== f);
  assert.equal(d!.key, "[fe80::1]:655");
  assert.equal(t.intern(sockAddr("10.1.2.3", 655)), a);
});

Deno.test("SockAddrTable: the last-sender shortcut agrees with the table, also across a reset", () => {
  const t = new SockAddrTable(2);
  const sa = (ip: string, port: number) => encodeSockAddr(ip, port, 4)!;
  const a = t.lookup(sa("10.0.0.1", 1));
  assert.equal(t.lookup(sa("10.0.0.1", 1)), a, "same sender twice: one object");
  const b = t.lookup(sa("10.0.0.2", 1));
  assert.equal(t.lookup(sa("10.0.0.1", 1)), a, "back to the first: still interned");
  // A third address overflows the limit: the table starts over, so must the shortcut.
  const c = t.lookup(sa("10.0.0.3", 1));
  const a2 = t.lookup(sa("10.0.0.1", 1));
  assert.notEqual(a2, a, "after the reset a fresh object is interned");
  assert.equal(t.intern(sockAddr("10.0.0.1", 1)), a2, "and the table returns that one");
  assert.equal(t.lookup(sa("10.0.0.1", 1)), a2);
  assert.ok(b !== null && c !== null && b.key === "10.0.0.2:1" && c.key === "10.0.0.3:1");
  // A reset caused by IPv6 senders drops the IPv4 shortcut too: nothing from before comes back.
  const t2 = new SockAddrTable(2);
  const v4 = t2.lookup(sa("10.0.0.1", 1));
  t2.lookup(encodeSockAddr("fe80::1", 1, 6)!);
  t2.lookup(encodeSockAddr("fe80::2", 1, 6)!); // over the limit: reset
  assert.notEqual(t2.lookup(sa("10.0.0.1", 1)), v4);
});

Deno.test("UDP on loopback: dual-stack receive with interned sender, buffers, EMSGSIZE", () => {
  const table = new SockAddrTable();
  const rx = openUdp({ port: 0 }, table);
  const tx = openUdp({ port: 0, address: "127.0.0.1" }, table);
  try {
    assert.ok(rx.port > 0);
    assert.equal(rx.family, 6);
    const sizes = socketBufferSizes(rx.fd);
    assert.ok(sizes.receive >= 4 << 20, `rcvbuf ${sizes.receive}`);
    const buf = new Uint8Array(2048);
    assert.equal(rx.receive(buf, 64, 1600), -1, "nothing pending");
    const out = new Uint8Array(100);
    for (let i = 0; i < 100; i++) out[i] = i;
    const to = sockAddr("127.0.0.1", rx.port);
    assert.equal(tx.send(to, out, 10, 50), SendResult.Sent);
    assert.equal(tx.send(to, out, 10, 50), SendResult.Sent);
    assert.ok(pollOne(rx.fd, POLLIN, 1000) & POLLIN);
    assert.equal(rx.receive(buf, 64, 1600), 50);
    assert.deepEqual(buf.subarray(64, 114), out.subarray(10, 60));
    const from1 = rx.from;
    assert.equal(from1?.key, `127.0.0.1:${tx.port}`);
    assert.equal(rx.receive(buf, 64, 1600), 50);
    assert.equal(rx.from, from1, "same peer, same SockAddr object");
    // Larger than any path MTU with DF set: refused, not silently fragmented.
    const huge = new Uint8Array(70000);
    assert.equal(tx.send(to, huge, 0, 70000), SendResult.Refused);
    // IPv6 destination on an IPv4 socket cannot be sent: a loss, not a PMTU signal.
    assert.equal(tx.send(sockAddr("::1", rx.port), out, 0, 10), SendResult.Dropped);
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("UDP over ::1 to a dual-stack socket", () => {
  const table = new SockAddrTable();
  const rx = openUdp({ port: 0 }, table);
  const tx = openUdp({ port: 0, address: "::1" }, table);
  try {
    const out = new Uint8Array([1, 2, 3]);
    assert.equal(tx.send(sockAddr("::1", rx.port), out, 0, 3), SendResult.Sent);
    pollOne(rx.fd, POLLIN, 1000);
    const buf = new Uint8Array(100);
    assert.equal(rx.receive(buf, 0, 100), 3);
    assert.equal(rx.from?.key, `[::1]:${tx.port}`);
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("TCP: listen, non-blocking connect, accept with peer address, send/recv, EOF", () => {
  const table = new SockAddrTable();
  const lfd = tcpListen("::", 0);
  const port = localAddress(lfd)!.port;
  const { fd: cfd, pending } = tcpConnect(sockAddr("127.0.0.1", port));
  let sfd = -1;
  try {
    if (pending) assert.ok(pollOne(cfd, POLLOUT, 1000) & POLLOUT);
    assert.equal(socketError(cfd), 0);
    pollOne(lfd, POLLIN, 1000);
    const acc = tcpAccept(lfd, table);
    assert.ok(acc);
    sfd = acc.fd;
    assert.equal(acc.from?.ip, "127.0.0.1");
    assert.equal(tcpAccept(lfd, table), null, "nothing else pending");
    const msg = new TextEncoder().encode("0 alpha 17\n");
    assert.equal(streamSend(cfd, msg, msg.length), msg.length);
    pollOne(sfd, POLLIN, 1000);
    const buf = new Uint8Array(100);
    const n = streamRecv(sfd, buf, 100);
    assert.equal(new TextDecoder().decode(buf.subarray(0, n)), "0 alpha 17\n");
    assert.equal(streamRecv(sfd, buf, 100), -EAGAIN);
    closeFd(cfd);
    pollOne(sfd, POLLIN, 1000);
    assert.equal(streamRecv(sfd, buf, 100), 0, "EOF");
  } finally {
    closeFd(sfd);
    closeFd(lfd);
  }
});

Deno.test("openUdpAndListener: UDP and a TCP listener on one port; other errors at once", () => {
  const { udp, listener } = openUdpAndListener({ address: "127.0.0.1" }, new SockAddrTable());
  try {
    assert.ok(udp.port > 0);
    assert.equal(localAddress(listener)!.port, udp.port, "one port for both");
    assert.equal(localAddress(listener)!.ip, "127.0.0.1");
  } finally {
    udp.close();
    closeFd(listener);
  }
  // Not a local address: no retrying helps, the bind error comes out as it is.
  assert.throws(
    () => openUdpAndListener({ address: "192.0.2.77" }, new SockAddrTable()),
    /bind.*Cannot assign requested address/,
  );
});

Deno.test("TCP connect to a closed port fails (at once or through SO_ERROR)", () => {
  const lfd = tcpListen("127.0.0.1", 0);
  const port = localAddress(lfd)!.port;
  closeFd(lfd);
  let failed = false;
  try {
    const r = tcpConnect(sockAddr("127.0.0.1", port));
    pollOne(r.fd, POLLOUT, 1000);
    failed = socketError(r.fd) !== 0;
    closeFd(r.fd);
  } catch {
    failed = true;
  }
  assert.ok(failed);
});

Deno.test("UDP GSO: same-size datagrams to one peer go as one train, arrive one by one", () => {
  const table = new SockAddrTable();
  const rx = openUdp({ port: 0 }, table);
  const tx = openUdp({ port: 0 }, table);
  try {
    const to = table.intern(sockAddr("127.0.0.1", rx.port));
    const pkt = new Uint8Array(1200);
    const sizes = [1200, 1200, 1200, 1200, 700, 1200, 900];
    // The first datagram of a size goes alone (its EMSGSIZE must reach the caller).
    for (const [i, len] of sizes.entries()) {
      pkt.fill(i + 1);
      assert.equal(tx.sendBatched(to, pkt, 0, len), SendResult.Sent);
    }
    tx.flush();
    assert.ok(tx.gsoTrains >= 1, `trains ${tx.gsoTrains}`);
    assert.ok(tx.gsoSegments >= 3, `segments ${tx.gsoSegments}`);
    const buf = new Uint8Array(2048);
    const got: [number, number][] = [];
    while (got.length < sizes.length) {
      const n = rx.receive(buf, 0, 2048);
      if (n < 0) {
        if (!pollOne(rx.fd, POLLIN, 1000)) break;
        continue;
      }
      assert.ok(buf.subarray(0, n).every((b) => b === buf[0]), "one datagram, one fill byte");
      got.push([n, buf[0]!]);
    }
    assert.deepEqual(got, sizes.map((len, i) => [len, i + 1]), "order and sizes kept");
    // The receiver asked for GRO: the train came up in one piece and was split by receive().
    assert.ok(rx.groTrains >= 1, `GRO trains ${rx.groTrains}`);
    // A larger size than ever sent goes alone and is refused synchronously.
    assert.equal(tx.sendBatched(to, new Uint8Array(70000), 0, 70000), SendResult.Refused);
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("UDP GRO off: plain datagrams; a socket handed over by fd keeps its GRO mode", () => {
  const table = new SockAddrTable();
  const plain = openUdp({ port: 0, gro: false }, table);
  const gro = openUdp({ port: 0 }, table);
  try {
    const again = new UdpSocket(gro.fd, gro.family, table);
    const tx = openUdp({ port: 0 }, table);
    const to = table.intern(sockAddr("127.0.0.1", plain.port));
    const toGro = table.intern(sockAddr("127.0.0.1", gro.port));
    const pkt = new Uint8Array(1000).fill(7);
    for (let i = 0; i < 4; i++) {
      tx.sendBatched(to, pkt, 0, 1000);
      tx.sendBatched(toGro, pkt, 0, 1000);
    }
    tx.flush();
    const buf = new Uint8Array(2048);
    for (const [sock, name] of [[plain, "plain"], [again, "handed over"]] as const) {
      let n = 0;
      for (;;) {
        const len = sock.receive(buf, 0, 2048);
        if (len < 0) {
          if (!pollOne(sock.fd, POLLIN, 500)) break;
          continue;
        }
        assert.equal(len, 1000, name);
        n++;
      }
      assert.equal(n, 4, name);
    }
    tx.close();
  } finally {
    plain.close();
    gro.close();
  }
});

Deno.test("UDP GRO: a train of small datagrams lands partly in the caller's buffer; any buffer, offset or max", () => {
  const table = new SockAddrTable();
  const rx = openUdp({ port: 0 }, table);
  const tx = openUdp({ port: 0 }, table);
  try {
    const to = table.intern(sockAddr("127.0.0.1", rx.port));
    const count = 60;
    const pkt = new Uint8Array(100);
    const send = () => {
      for (let i = 0; i < count; i++) {
        pkt.fill(i + 1);
        tx.sendBatched(to, pkt, 0, i === count - 1 ? 37 : 100); // a short last one ends a train
      }
      tx.flush();
    };
    const drain = (max: (i: number) => number) => {
      const bufs = [new Uint8Array(4096), new Uint8Array(9000)];
      const got: [number, number][] = [];
      while (got.length < count) {
        const i = got.length;
        const buf = bufs[i % 2]!, off = i % 3 === 0 ? 0 : 64 + i;
        const n = rx.receive(buf, off, max(i));
        if (n < 0) {
          if (!pollOne(rx.fd, POLLIN, 1000)) break;
          continue;
        }
        const d = buf.subarray(off, off + n);
        assert.ok(d.every((b) => b === d[0]), `datagram ${i}: one fill byte`);
        got.push([n, d[0]!]);
      }
      return got;
    };
    const want = (cap: number) =>
      Array.from({ length: count }, (_, i) => [Math.min(i === count - 1 ? 37 : 100, cap), i + 1]);
    send();
    assert.deepEqual(drain(() => 2048), want(2048));
    const trains = rx.groTrains;
    assert.ok(trains >= 1, "the datagrams came up as a train");
    // A max below the datagram size truncates, as recvfrom would; the order is kept.
    send();
    assert.deepEqual(drain(() => 50), want(50));
    // A max that changes between calls (the first iovec follows it).
    send();
    assert.deepEqual(drain((i) => (i % 2 ? 150 : 3000)), want(150));
    assert.equal(rx.receive(new Uint8Array(200), 0, 200), -1, "nothing left");
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("send: alternating buffers, offsets and peers; a range outside the buffer is dropped", () => {
  const table = new SockAddrTable();
  const rx = [openUdp({ port: 0, address: "127.0.0.1" }, table), openUdp({ port: 0 }, table)];
  const tx = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    const bufs = [new Uint8Array(64), new Uint8Array(64)];
    bufs.forEach((b, k) => b.forEach((_, i) => b[i] = (k * 100 + i) & 0xff));
    const got = new Uint8Array(128);
    for (let i = 0; i < 12; i++) {
      const b = bufs[i % 2]!, off = [0, 5, 17][i % 3]!, r = rx[(i >> 1) % 2]!;
      assert.equal(tx.send(sockAddr("127.0.0.1", r.port), b, off, 20), SendResult.Sent);
      assert.ok(pollOne(r.fd, POLLIN, 1000) & POLLIN, `datagram ${i} at its receiver`);
      assert.equal(r.receive(got, 8, 100), 20);
      assert.deepEqual(got.subarray(8, 28), b.subarray(off, off + 20), `datagram ${i}`);
    }
    const to = sockAddr("127.0.0.1", rx[0]!.port);
    assert.equal(tx.send(to, bufs[0]!, 50, 20), SendResult.Dropped, "past the end");
    assert.equal(tx.send(to, bufs[0]!, -1, 10), SendResult.Dropped, "before the start");
    assert.equal(tx.sendBatched(to, bufs[0]!, 60, 20), SendResult.Dropped, "batched, past the end");
    tx.flush();
    assert.equal(pollOne(rx[0]!.fd, POLLIN, 50), 0, "nothing was sent");
  } finally {
    for (const s of [...rx, tx]) s.close();
  }
});

Deno.test("setCork: sends join one pending datagram; one that does not fit is refused", () => {
  const table = new SockAddrTable();
  const rx = openUdp({ port: 0, address: "127.0.0.1" }, table);
  const tx = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    const to = sockAddr("127.0.0.1", rx.port);
    const b = new Uint8Array(65536).map((_, i) => i & 0xff);
    const got = new Uint8Array(70000);
    assert.ok(tx.setCork(true));
    assert.equal(tx.send(to, b, 0, 1000), SendResult.Sent);
    assert.equal(tx.send(to, b, 1000, 2000), SendResult.Sent);
    assert.equal(pollOne(rx.fd, POLLIN, 50), 0, "held back while corked");
    assert.ok(tx.setCork(false));
    assert.ok(pollOne(rx.fd, POLLIN, 1000) & POLLIN);
    assert.equal(rx.receive(got, 0, got.length), 3000, "one datagram");
    assert.deepEqual(got.subarray(0, 3000), b.subarray(0, 3000));
    // Past 64 KiB: EMSGSIZE, as path MTU discovery meets it (the kernel drops what was held).
    assert.ok(tx.setCork(true));
    assert.equal(tx.send(to, b, 0, 64000), SendResult.Sent);
    assert.equal(tx.send(to, b, 0, 2000), SendResult.Refused);
    assert.equal(tx.lastSendErrno, 90, "EMSGSIZE");
    assert.ok(tx.setCork(false));
    assert.equal(pollOne(rx.fd, POLLIN, 50), 0);
  } finally {
    rx.close();
    tx.close();
  }
});

Deno.test("sockaddrFor: the right sockaddr for each peer, alternating (last-peer shortcut)", () => {
  const table = new SockAddrTable();
  const s = openUdp({ port: 0 }, table);
  try {
    const peers = [sockAddr("10.0.0.1", 655), sockAddr("10.0.0.2", 656), sockAddr("fe80::1", 655)];
    for (let round = 0; round < 3; round++) {
      for (const p of [...peers, peers[0]!, peers[0]!]) {
        assert.deepEqual(s.sockaddrFor(p), encodeSockAddr(p.ip, p.port, s.family), p.key);
      }
    }
    assert.equal(s.sockaddrFor(peers[1]!), s.sockaddrFor(peers[1]!), "encoded once per peer");
  } finally {
    s.close();
  }
});
