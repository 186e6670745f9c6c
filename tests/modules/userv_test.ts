import assert from "node:assert/strict";
import type { NetlinkDeviceSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

const U = 'local-address "10.0.0.1"; secnet-address "10.0.0.2";';

Deno.test("userv-ipif: defaults and spec", () => {
  const { root } = evalConf(`n = userv-ipif { ${U} buffer sysbuffer(2048); service-user "vpn"; };`);
  const d = specAt<NetlinkDeviceSpec>(root, "n");
  assert.equal(d.name, "netlink-userv-ipif");
  assert.equal(d.userv?.uservPath, "userv");
  assert.equal(d.userv?.serviceUser, "vpn");
  assert.equal(d.userv?.serviceName, "ipif");
  assert.equal(d.userv?.buffer.size, 2048);
});

Deno.test("userv-ipif: errors; one buffer per userv-ipif (0.6.7 aborts)", () => {
  assertError(rejects(`n = userv-ipif { ${U} };`), "name", 'required parameter "buffer" not found');
  assertError(
    rejects(`n = userv-ipif { ${U} buffer sysbuffer(); userv-path 1; };`),
    "userv-netlink",
    /must be a string/,
  );
  const e = rejects(
    `b = sysbuffer();\nn = userv-ipif { ${U} buffer b; };\nm = userv-ipif { ${U} buffer b; };`,
  );
  assert.equal(e.exitCode, 134);
  assert.equal(e.loc?.line, 3);
  evalConf(
    `n = userv-ipif { ${U} buffer sysbuffer(); }; m = userv-ipif { ${U} buffer sysbuffer(); };`,
  );
  assertError(
    rejects(
      `n = userv-ipif { ${U} buffer sysbuffer(); };\nl = n { name "t"; routes "1.0.0.0/8"; options "soft"; };`,
    ),
    "netlink-userv-ipif",
    "this netlink device does not support soft routes.",
    2,
  );
});
