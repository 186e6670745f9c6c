import assert from "node:assert/strict";
import { SOFT_ROUTES_NEED_ROOT } from "../../lib/modules/netlink.ts";
import type { NetlinkDeviceSpec, NetlinkSpec } from "../../lib/modules/specs.ts";
import { assertError, closureAt, evalConf, rejects, specAt } from "./_helpers.ts";

const DEV = 'n = null-netlink { local-address "10.0.0.1"; secnet-address "10.0.0.2";';

Deno.test("null-netlink with secnet-address: PURE device, NETLINK clients", () => {
  const { root } = evalConf(
    `${DEV} networks "10.77.1.0/24"; remote-networks "10.77.0.0/16", "!10.77.1.0/24"; mtu 1400; mode "switch"; };
     l = n { name "beta"; routes "10.77.2.0/24"; options "allow-route"; priority 5; };`,
  );
  const dev = closureAt(root, "n");
  assert.equal(dev.kind, "PURE");
  assert.ok(dev.apply);
  const d = dev.spec as NetlinkDeviceSpec;
  assert.equal(d.name, "null-netlink");
  assert.deepEqual(d.networks, ["10.77.1.0/24"]);
  assert.equal(d.remoteNetworks.includes("10.77.1.0/24"), false);
  assert.equal(d.mode, "switch");
  assert.equal(d.secnetAddress, "10.0.0.2");
  const l = closureAt(root, "l");
  assert.equal(l.kind, "NETLINK");
  const s = l.spec as NetlinkSpec;
  assert.deepEqual(s.routes, ["10.77.2.0/24"]);
  assert.equal(s.allowRoute, true);
  assert.equal(s.priority, 5);
  assert.equal(s.mtu, 1400); // inherited from the device
  assert.equal(s.device, d);
});

Deno.test("null-netlink with ptp-address: the device is the one NETLINK closure", () => {
  const { root } = evalConf(
    'n = null-netlink { local-address "10.0.0.1"; ptp-address "10.0.0.2"; name "p"; routes "10.5.0.0/16"; };',
  );
  const c = closureAt(root, "n");
  assert.equal(c.kind, "NETLINK");
  assert.equal(c.apply, undefined);
  assert.equal((c.spec as NetlinkSpec).device.ptpAddress, "10.0.0.2");
  assertError(
    rejects(
      'n = null-netlink { local-address "10.0.0.1"; ptp-address "10.0.0.2"; name "p"; routes "10.5.0.0/16"; };\nl = n { routes "10.5.0.0/16"; };',
    ),
    "conffile",
    "this closure cannot be invoked",
    2,
  );
});

Deno.test("netlink: device errors in netlink_init's order", () => {
  assertError(
    rejects('n = null-netlink { secnet-address "10.0.0.2"; };'),
    "netlink",
    'required parameter "local-address" not found',
  );
  assertError(rejects(`${DEV} ptp-address "1.2.3.4"; };`), "null-netlink", /you may not specify/);
  assertError(
    rejects('n = null-netlink { local-address "10.0.0.1"; };'),
    "null-netlink",
    "you must specify secnet-address or ptp-address for this netlink device",
  );
  assertError(
    rejects('n = null-netlink { local-address "10.0.0.1"; secnet-address "10.0.2"; };'),
    "netlink",
    '"10.0.2" is not a valid IP address',
  );
  assertError(
    rejects(`${DEV} networks "10.0.0.1/8"; };`),
    "networks",
    /prefix not fully contained/,
  );
  assertError(
    rejects(`${DEV} networks "!default"; };`),
    "networks",
    /"default" is not a valid subnet/,
  );
  assertError(rejects(`${DEV} remote-networks "1.2.3.4/33"; };`), "remote-networks", /range error/);
  assertError(rejects(`${DEV} mode "bridge"; };`), "null-netlink", 'option "bridge" not known');
  assertError(rejects("n = null-netlink();"), "null-netlink", "parameter must be a dictionary");
  // trailing junk after an address is ignored (sscanf)
  evalConf('n = null-netlink { local-address "10.0.0.1x"; secnet-address "10.0.0.2 junk"; };');
});

Deno.test("netlink: instance errors and soft routes", () => {
  const rn = `${DEV} remote-networks "10.5.0.0/16"; };\n`;
  assertError(
    rejects(`${rn}l = n { name "t"; routes "10.6.0.0/24"; };`),
    "null-netlink",
    "routes are not allowed",
    2,
  );
  assertError(rejects(`${rn}l = n { routes "10.5.0.0/24"; };`), "null-netlink", /"name" not found/);
  assertError(rejects(`${rn}l = n { name "t"; };`), "null-netlink", /"routes" not found/);
  assertError(
    rejects(`${rn}l = n { name "t"; routes "10.5.0.0/24"; options "hard"; };`),
    "null-netlink",
    /"hard" not known/,
  );
  assertError(rejects(`${rn}l = n();`), "null-netlink", "must have a dictionary argument");
  const { root } = evalConf(`${rn}l = n { name "t"; routes "10.5.0.0/24"; options "soft"; };`);
  assert.equal(root.env.shared.get(SOFT_ROUTES_NEED_ROOT), true);
  assert.equal(specAt<NetlinkSpec>(root, "l").soft, true);
  assertError(
    rejects(
      'n = null-netlink { local-address "10.0.0.1"; ptp-address "10.0.0.2"; name "p"; routes "1.0.0.0/8"; options "soft"; };',
    ),
    "p",
    "point-to-point netlinks do not support soft routes.",
  );
});
