import assert from "node:assert/strict";
import {
  inetPton4,
  inetPton6,
  IPSET_ALL,
  ipsetFromSubnet,
  ipsetIsSubset,
  ipsetSubtract,
  ipsetToSubnets,
  ipsetUnion,
  scanDotted,
  text2addr,
} from "../../lib/modules/ipaddr.ts";

Deno.test("scanDotted: sscanf %u quirks", () => {
  assert.deepEqual(scanDotted("10.0.0.1", false), [10, 0, 0, 1]);
  assert.deepEqual(scanDotted(" 10. 1.2.3junk", false), [10, 1, 2, 3]);
  assert.deepEqual(scanDotted("10.0.2", false), [10, 0, 2]);
  assert.deepEqual(scanDotted("-1.0.0.0/8", true), [4294967295, 0, 0, 0, 8]);
  assert.deepEqual(scanDotted("4294967306.0.0.0/8", true), [10, 0, 0, 0, 8]);
  assert.deepEqual(scanDotted("1.2.3.4/", true), [1, 2, 3, 4]);
});

Deno.test("ipsets: union, subtraction, subset, CIDR cover", () => {
  const ten = ipsetFromSubnet({ prefix: 0x0a000000, len: 8 });
  const hole = ipsetFromSubnet({ prefix: 0x0a010000, len: 16 });
  const s = ipsetSubtract(ten, hole);
  assert.deepEqual(ipsetToSubnets(s), [
    "10.0.0.0/16",
    "10.2.0.0/15",
    "10.4.0.0/14",
    "10.8.0.0/13",
    "10.16.0.0/12",
    "10.32.0.0/11",
    "10.64.0.0/10",
    "10.128.0.0/9",
  ]);
  assert.equal(ipsetIsSubset(s, hole), false);
  assert.equal(ipsetIsSubset(ten, hole), true);
  assert.deepEqual(ipsetToSubnets(ipsetUnion(s, hole)), ["10.0.0.0/8"]);
  assert.deepEqual(ipsetToSubnets(IPSET_ALL), ["0.0.0.0/0"]);
  assert.deepEqual(ipsetToSubnets([]), []);
});

Deno.test("inet_pton and adns_text2addr", () => {
  assert.deepEqual(inetPton4("1.2.3.4"), Uint8Array.from([1, 2, 3, 4]));
  for (const bad of ["127.1", "01.2.3.4", "1.2.3.256", " 1.2.3.4", "1.2.3.4 "]) {
    assert.equal(inetPton4(bad), null, bad);
  }
  assert.ok(inetPton6("::1"));
  assert.ok(inetPton6("::ffff:1.2.3.4"));
  assert.ok(inetPton6("1:2:3:4:5:6:7::"));
  for (const bad of ["1::2::3", "1:2:3:4:5:6:7:8:9", "12345::", "[::1]", ":1::", ""]) {
    assert.equal(inetPton6(bad), null, bad);
  }
  assert.deepEqual(text2addr("fe80::1%eth0"), {
    ok: { family: 6, ip: "fe80::1", scope: "eth0" },
  });
  const r = text2addr("::1%lo");
  assert.ok("errno" in r && r.errno === "ENOSYS");
  const l = text2addr("localhost");
  assert.ok("errno" in l && l.note === "adns_text2addr: invalid: inet_pton rejected: `localhost'");
  assert.deepEqual(text2addr("2001:db8:0:0:0:0:0:1"), {
    ok: { family: 6, ip: "2001:db8::1", scope: null },
  });
});
