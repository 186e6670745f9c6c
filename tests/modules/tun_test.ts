import assert from "node:assert/strict";
import type { NetlinkDeviceSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

const T = 'n = tun { local-address "10.0.0.1"; secnet-address "10.0.0.2"; buffer sysbuffer();';

Deno.test("tun: linux defaults", () => {
  const { root } = evalConf(`${T} interface "tinc0"; };`);
  const d = specAt<NetlinkDeviceSpec>(root, "n");
  assert.equal(d.type, "tun");
  assert.equal(d.name, "netlink-tun");
  assert.deepEqual(d.tun && { ...d.tun, buffer: undefined }, {
    flavour: "linux",
    device: "/dev/net/tun",
    interface: "tinc0",
    interfaceSearch: true,
    ifconfigType: "ioctl",
    routeType: "ioctl",
    ifconfigPath: "ifconfig",
    routePath: "route",
    ipPath: "/dev/ip",
    buffer: undefined,
  });
});

Deno.test("tun: flavour and config-type constraints", () => {
  assertError(rejects(`${T} flavour "solaris"; };`), "tun-flavour", 'option "solaris" not known');
  assertError(rejects(`${T} flavour "streams"; };`), "tun", /STREAMS unsupported/);
  assertError(
    rejects(`${T} flavour "streams"; interface "x"; };`),
    "tun",
    /cannot be specified with STREAMS/,
  );
  assertError(rejects(`${T} route-type "netlink"; };`), "route-type", 'option "netlink" not known');
  assertError(
    rejects(`${T} ifconfig-type "ioctl"; ifconfig-path "/x"; };`),
    "tun",
    /incompatible with ifconfig-path/,
  );
  assertError(
    rejects(`${T} ifconfig-type "linux"; route-path "/x"; route-type "ioctl"; };`),
    "tun",
    /incompatible with route-path/,
  );
  assertError(
    rejects(`${T} flavour "bsd"; device "/dev/tun0"; };`),
    "tun",
    /you must specify an interface name/,
  );
  assertError(rejects(`${T} flavour "bsd"; interface "tun3"; };`), "tun", /interface-search mode/);
  assertError(
    rejects(`${T} interface-search 1; };`),
    "tun-netlink",
    '"interface-search" must be a boolean',
  );
  assertError(
    rejects('n = tun { local-address "10.0.0.1"; secnet-address "10.0.0.2"; };'),
    "tun-netlink",
    'required parameter "buffer" not found',
  );
  // linux: an explicit bsd ifconfig type with paths is fine
  const { root } = evalConf(
    `${T} ifconfig-type "linux"; route-type "linux"; ifconfig-path "/sbin/ifconfig"; route-path "/sbin/route"; };`,
  );
  assert.equal(specAt<NetlinkDeviceSpec>(root, "n").tun?.routePath, "/sbin/route");
});

Deno.test("tun: point-to-point client keys are read before tun's own", () => {
  assertError(
    rejects('n = tun { local-address "10.0.0.1"; ptp-address "10.0.0.2"; flavour "x"; };'),
    "netlink-tun",
    'required parameter "name" not found',
  );
});

Deno.test("tun-old: warns, bsd flavour", () => {
  const { root, diagnostics } = evalConf(
    'n = tun-old { local-address "10.0.0.1"; secnet-address "10.0.0.2"; buffer sysbuffer(); };',
  );
  assert.equal(specAt<NetlinkDeviceSpec>(root, "n").tun?.flavour, "bsd");
  assert.equal(specAt<NetlinkDeviceSpec>(root, "n").tun?.device, "/dev/tun");
  assert.ok(
    diagnostics.some((d) => d.level === "warning" && /obsolete use of tun-old/.test(d.message)),
  );
  assertError(
    rejects(
      'n = tun-old { local-address "10.0.0.1"; secnet-address "10.0.0.2"; buffer sysbuffer(); interface "tun3"; };',
    ),
    "tun",
    /interface-search mode/,
  );
});
