import assert from "node:assert/strict";
import { ackErrno, addressBytes, encodeSetup } from "../../lib/runtime/rtnetlink.ts";

/** What iproute2 6.1 sends (strace -e write=3) for each step on ifindex 2, seq zeroed. */
const IP = {
  addrgenmode: "30 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 " +
    "00 00 00 00 00 00 00 00 10 00 1a 00 0c 00 0a 00 05 00 08 00 01 00 00 00",
  mtu1400: "28 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 " +
    "00 00 00 00 00 00 00 00 08 00 04 00 78 05 00 00",
  addrPeer: "28 00 00 00 14 00 05 05 00 00 00 00 00 00 00 00 02 20 00 00 02 00 00 00 " +
    "08 00 02 00 0a 00 00 01 08 00 01 00 0a 00 00 02",
  addr6: "40 00 00 00 14 00 05 05 00 00 00 00 00 00 00 00 0a 40 00 00 02 00 00 00 " +
    "14 00 02 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01 " +
    "14 00 01 00 fd 00 00 00 00 00 00 00 00 00 00 00 00 00 00 01",
  addr24: "28 00 00 00 14 00 05 05 00 00 00 00 00 00 00 00 02 18 00 00 02 00 00 00 " +
    "08 00 02 00 0a 09 00 01 08 00 01 00 0a 09 00 01",
  up: "20 00 00 00 10 00 05 00 00 00 00 00 00 00 00 00 00 00 00 00 02 00 00 00 " +
    "01 00 00 00 01 00 00 00",
  route4: "34 00 00 00 18 00 05 05 00 00 00 00 00 00 00 00 02 10 00 00 fe 03 fd 01 " +
    "00 00 00 00 08 00 01 00 0a 01 00 00 08 00 06 00 05 00 00 00 08 00 04 00 02 00 00 00",
  route6: "40 00 00 00 18 00 05 05 00 00 00 00 00 00 00 00 0a 30 00 00 fe 03 00 01 " +
    "00 00 00 00 14 00 01 00 fd 00 00 01 00 00 00 00 00 00 00 00 00 00 00 00 " +
    "08 00 06 00 05 00 00 00 08 00 04 00 02 00 00 00",
  routeDefault: "24 00 00 00 18 00 05 05 00 00 00 00 00 00 00 00 02 00 00 00 fe 03 fd 01 " +
    "00 00 00 00 08 00 04 00 02 00 00 00",
};

function hex(m: Uint8Array): string {
  const b = [...m];
  b.fill(0, 8, 12); // sequence number: ip uses the time
  return b.map((x) => x.toString(16).padStart(2, "0")).join(" ");
}

Deno.test("encodeSetup: byte for byte what iproute2 sends, in netif's order", () => {
  const steps = encodeSetup({
    name: "t0",
    mtu: 1400,
    addresses: [
      { local: "10.0.0.1", prefixLength: 32, peer: "10.0.0.2" },
      { local: "fd00::1", prefixLength: 64 },
      { local: "10.9.0.1", prefixLength: 24 },
    ],
    routes: ["10.1.0.0/16", "fd00:1::/48"],
    metric: 5,
    disableIpv6: true,
  }, 2);
  assert.ok(steps);
  assert.deepEqual(steps.map((s) => hex(s.message)), [
    IP.addrgenmode,
    IP.mtu1400,
    IP.addrPeer,
    IP.addr6,
    IP.addr24,
    IP.up,
    IP.route4,
    IP.route6,
  ]);
  assert.deepEqual(steps.map((s) => s.optional), [
    true,
    false,
    false,
    false,
    false,
    false,
    false,
    false,
  ]);
  // Sequence numbers are distinct (each request is acknowledged on its own).
  const seqs = steps.map((s) => new DataView(s.message.buffer).getUint32(8, true));
  assert.equal(new Set(seqs).size, seqs.length);
});

Deno.test("encodeSetup: default route; IPv6 devices keep addrgenmode; non-numeric gives null", () => {
  const steps = encodeSetup({ name: "t0", mtu: 1400, addresses: [], routes: ["default"] }, 2)!;
  assert.deepEqual(steps.map((s) => hex(s.message)), [
    IP.addrgenmode,
    IP.mtu1400,
    IP.up,
    IP.routeDefault,
  ]);
  const v6 = encodeSetup({ name: "t0", mtu: 1400, addresses: [], routes: ["fd00:1::/48"] }, 2)!;
  assert.equal(v6.length, 3, "no addrgenmode step when IPv6 is in use");
  assert.equal(
    encodeSetup({ name: "t0", mtu: 1, addresses: [], routes: ["host.example"] }, 2),
    null,
  );
  assert.equal(
    encodeSetup({
      name: "t0",
      mtu: 1,
      addresses: [{ local: "10.0.0.1", prefixLength: 32, peer: "fd00::1" }],
      routes: [],
    }, 2),
    null,
  );
  assert.equal(
    encodeSetup({ name: "t0", mtu: 1, addresses: [], routes: ["10.0.0.0/33"] }, 2),
    null,
  );
});

Deno.test("addressBytes and ackErrno", () => {
  assert.deepEqual(addressBytes("10.1.2.3"), [10, 1, 2, 3]);
  assert.deepEqual(addressBytes("::1"), [...new Array(15).fill(0), 1]);
  assert.equal(addressBytes("10.1.2"), null);
  assert.equal(addressBytes("10.1.2.256"), null);
  // NLMSG_ERROR for seq 7 carrying -EEXIST (17), after an unrelated message.
  const other = [16, 0, 0, 0, 3, 0, 0, 0, 7, 0, 0, 0, 0, 0, 0, 0];
  const err = [
    36,
    0,
    0,
    0,
    2,
    0,
    0,
    0,
    7,
    0,
    0,
    0,
    0,
    0,
    0,
    0,
    0xef,
    0xff,
    0xff,
    0xff,
    ...new Array(16).fill(0),
  ];
  assert.equal(ackErrno(new Uint8Array([...other, ...err]), 7), -17);
  assert.equal(ackErrno(new Uint8Array(err), 8), null);
  const ok = [...err];
  ok.fill(0, 16, 20);
  assert.equal(ackErrno(new Uint8Array(ok), 7), 0);
});
