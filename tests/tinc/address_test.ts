import assert from "node:assert/strict";
import { edgeAddress, formatIPv6, isIPv4, parseIPv6, parsePort } from "../../lib/tinc/address.ts";

Deno.test("edge addresses: numeric ones become SockAddrs, others stay verbatim", () => {
  assert.equal(edgeAddress("192.168.77.2", "655").sock?.key, "192.168.77.2:655");
  assert.equal(edgeAddress("fe80::1%eth0", "655").sock?.key, "[fe80::1]:655");
  assert.equal(edgeAddress("2001:db8:0:0:0:0:0:1", "1").host, "2001:db8::1");
  const u = edgeAddress("host.example", "655");
  assert.equal(u.sock, null);
  assert.equal(u.host, "host.example");
  assert.equal(edgeAddress("1.2.3.4", "http").sock, null);
  assert.equal(edgeAddress("1.2.3.4", "70000").sock, null);
});

Deno.test("IPv4/IPv6 parsing and getnameinfo-style printing", () => {
  assert.ok(isIPv4("0.0.0.0"));
  assert.ok(!isIPv4("256.1.1.1"));
  assert.ok(!isIPv4("1.2.3"));
  assert.deepEqual(parseIPv6("::ffff:1.2.3.4"), [0, 0, 0, 0, 0, 0xffff, 0x102, 0x304]);
  assert.equal(parseIPv6("1::2::3"), null);
  assert.equal(formatIPv6([0, 0, 0, 0, 0, 0, 0, 1]), "::1");
  assert.equal(formatIPv6([1, 0, 2, 0, 0, 0, 0, 3]), "1:0:2::3");
  assert.equal(formatIPv6([1, 2, 3, 4, 5, 6, 7, 8]), "1:2:3:4:5:6:7:8");
  assert.equal(parsePort("655"), 655);
  assert.equal(parsePort("-1"), null);
});
