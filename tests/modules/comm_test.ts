import assert from "node:assert/strict";
import { fnmatch } from "../../lib/modules/comm.ts";
import type { PolypathSpec, UdpSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("udp: spec with defaults, addresses, proxy; buffer from a parent", () => {
  const { root } = evalConf(
    'buffer sysbuffer(2048); c = udp { port 655; address "192.0.2.1", "::1"; proxy "127.0.0.1", 3128; }; d = udp { };',
  );
  const c = specAt<UdpSpec>(root, "c");
  assert.equal(c.port, 655);
  assert.equal(c.buffer.size, 2048);
  assert.deepEqual(c.addresses, [
    { family: 4, ip: "192.0.2.1", scope: null },
    { family: 6, ip: "::1", scope: null },
  ]);
  assert.deepEqual(c.proxy, { ip: "127.0.0.1", port: 3128 });
  const d = specAt<UdpSpec>(root, "d");
  assert.equal(d.port, 0);
  assert.equal(d.addresses, null);
});

Deno.test("udp: errors", () => {
  assertError(
    rejects("c = udp { port 4000; };"),
    "udp",
    'required parameter "buffer" not found',
    1,
  );
  assertError(
    rejects("c = udp { buffer logfile { }; };"),
    "udp",
    '"buffer" is the wrong type of closure (expected BUFFER, got LOG)',
  );
  assertError(
    rejects('c = udp { buffer sysbuffer(); port "1"; };'),
    "udp",
    '"port" must be a number',
  );
  const many = rejects('c = udp { buffer sysbuffer(); address "::1","::2","::3","::4"; };');
  assertError(many, "udp", "`address' must be 1..3 addresses");
  assert.equal(many.silent, true);
  assertError(
    rejects('c = udp { buffer sysbuffer();\naddress "localhost"; };'),
    "udp",
    "invalid IP (v4 or v6) address: Invalid argument",
    2,
  );
  assertError(
    rejects('c = udp { buffer sysbuffer(); address "::1%lo"; };'),
    "udp",
    "invalid IP (v4 or v6) address: Function not implemented",
  );
  assertError(
    rejects('c = udp { buffer sysbuffer(); proxy "1.2.3.4"; };'),
    "udp",
    "proxy must supply addr,port",
  );
  assertError(
    rejects('c = udp { buffer sysbuffer(); proxy "1.2.3", 1; };'),
    "proxy",
    '"1.2.3" is not a valid IP address',
  );
  assertError(rejects("c = udp(4000);"), "udp", "first argument must be a dictionary");
});

Deno.test("polypath: patterns checked up to the first that matches ' '", () => {
  const { root } = evalConf(
    'c = polypath { buffer sysbuffer(); interfaces "!tun*", "+eth*", "*", "?never-checked"; };',
  );
  const c = specAt<PolypathSpec>(root, "c");
  assert.equal(c.maxInterfaces, 3);
  assert.deepEqual(c.monitorCommand, ["/usr/share/secnet/polypath-interface-monitor-linux"]);
  const bad = rejects('c = polypath { buffer sysbuffer(); interfaces "!lo", "?x"; };');
  assertError(bad, "polypath", "invalid interface name pattern `?x'");
  assert.equal(bad.silent, true);
  assertError(
    rejects("c = polypath { buffer sysbuffer(); permit-loopback 1; };"),
    "polypath",
    '"permit-loopback" must be a boolean',
  );
  assertError(
    rejects('c = polypath { buffer sysbuffer(); port "x"; };'),
    "udp",
    '"port" must be a number',
  );
});

Deno.test("fnmatch", () => {
  assert.equal(fnmatch("*", " "), "match");
  assert.equal(fnmatch("[ ]", " "), "match");
  assert.equal(fnmatch("[!a]", " "), "match");
  assert.equal(fnmatch("eth?", "eth0"), "match");
  assert.equal(fnmatch("eth*", " "), "nomatch");
  assert.equal(fnmatch("\\*", "*"), "match");
  assert.equal(fnmatch("", " "), "nomatch");
});
