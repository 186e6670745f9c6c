import assert from "node:assert/strict";
import { DataPlane } from "../../lib/runtime/data_plane.ts";
import { openUdp, openUdpAndListener, SockAddrTable } from "../../ffi/socket.ts";
import { addressOf, libc } from "../../ffi/libc.ts";
import { sockAddr } from "../../lib/tinc/types.ts";
import { fdNames, socketsStillOpen } from "../support/descriptors.ts";

const FAKE = new URL("../support/fake_engine.ts", import.meta.url).href;

function waitReadable(fd: number, ms: number): boolean {
  const pfd = new Uint8Array(8);
  const dv = new DataView(pfd.buffer);
  dv.setInt32(0, fd, true);
  dv.setInt16(4, 1, true);
  return libc().poll(addressOf(pfd), 1n, ms) > 0;
}

async function until(cond: () => boolean, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 20));
  }
  return cond();
}

Deno.test("data plane Worker: echo, dump, log reopen, reload, clean stop", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-dp-" });
  const logfile = `${dir}/log`;
  const table = new SockAddrTable();
  const { udp, listener } = openUdpAndListener({}, table);
  const mine = fdNames([udp.fd, listener]);
  const dumps: string[] = [];
  const plane = new DataPlane({
    engineModule: FAKE,
    engineConfig: { name: "alpha" },
    resources: {
      tun: null,
      udp: [{ fd: udp.fd, family: udp.family }],
      listeners: [listener],
    },
    logs: [{ kind: "logfile", filename: logfile, classes: ["verbose"] }],
    onDump: (t) => dumps.push(t),
  });
  const peer = openUdp({ port: 0, address: "127.0.0.1" }, new SockAddrTable());
  try {
    assert.equal(await plane.started, udp.port);
    assert.match(Deno.readTextFileSync(logfile), /fake engine alpha started/);

    // The Worker's loop echoes a datagram through the fake engine.
    const msg = new Uint8Array([1, 2, 3, 4, 5]);
    peer.send(sockAddr("127.0.0.1", udp.port), msg, 0, 5);
    assert.ok(waitReadable(peer.fd, 2000), "echo arrives");
    const buf = new Uint8Array(64);
    assert.equal(peer.receive(buf, 0, 64), 5);
    assert.deepEqual(buf.subarray(0, 5), msg);

    plane.dump();
    assert.ok(await until(() => dumps.length === 1, 2000), "dump reply");
    assert.match(dumps[0]!, /"udp":1/);
    assert.match(dumps[0]!, /udpDatagrams 1/);

    // logrotate: rename, reopen, the next message lands in a new file
    Deno.renameSync(logfile, `${logfile}.1`);
    plane.reopenLogs();
    plane.dump();
    assert.ok(await until(() => dumps.length === 2, 2000));
    assert.match(Deno.readTextFileSync(logfile), /Data plane:/);

    // reload goes by postMessage while the Worker sits in poll()
    plane.reload({ name: "beta" });
    plane.dump();
    assert.ok(await until(() => dumps.length === 3, 2000));
    assert.match(dumps[2]!, /"name":"beta"/);
    assert.match(dumps[2]!, /"reloads":1/);

    const stats = await plane.stop();
    assert.equal(stats.udpDatagrams, 1);
    assert.match(Deno.readTextFileSync(logfile), /fake engine beta stopped/);
    // The Worker closed the sockets it was given. Checked by socket inode, not by binding the
    // port again: a test running alongside may take a freed ephemeral port at once.
    assert.deepEqual(socketsStillOpen(mine), []);
  } finally {
    peer.close();
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("data plane Worker: an engine that fails to start rejects `started`", async () => {
  const table = new SockAddrTable();
  const udp = openUdp({ port: 0 }, table);
  const plane = new DataPlane({
    engineModule: FAKE,
    engineConfig: { name: "broken", fail: true },
    resources: { tun: null, udp: [{ fd: udp.fd, family: udp.family }], listeners: [] },
    logs: [],
  });
  try {
    await assert.rejects(plane.started, /fake engine refuses to start/);
    await assert.rejects(plane.stopped);
  } finally {
    udp.close();
  }
});
