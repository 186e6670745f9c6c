import assert from "node:assert/strict";
import { interfaceConfig, logTargets } from "../../lib/runtime/daemon.ts";

Deno.test("logTargets: logfile, stderr (no filename) and syslog", () => {
  assert.deepEqual(
    logTargets([
      { type: "logfile", filename: "/var/log/x", prefix: "P", classes: ["info"] },
      { type: "logfile", filename: null, prefix: "", classes: ["warning"] },
      { type: "syslog", ident: null, facility: "daemon" },
    ], false),
    [
      { kind: "logfile", filename: "/var/log/x", prefix: "P", classes: ["info"] },
      { kind: "stderr", prefix: "", classes: ["warning"] },
      { kind: "syslog", ident: "secnet", facility: "daemon", classes: ["verbose"] },
    ],
  );
  const [s] = logTargets([{ type: "syslog", ident: "t", facility: "local0" }], true);
  assert.deepEqual(s, {
    kind: "syslog",
    ident: "t",
    facility: "local0",
    classes: ["verbose", "debug"],
  });
});

Deno.test("interfaceConfig: the device's addresses, peer, MTU and routes", () => {
  const cfg = interfaceConfig({
    kind: "tun",
    mode: "router",
    name: "netlink-tun",
    ifname: null,
    devicePath: "/dev/net/tun",
    mtu: 1400,
    addresses: [{ local: "10.0.0.1", peer: "10.0.0.2", prefixLength: 32 }],
    routes: ["10.1.0.0/16"],
    ifconfigType: "ioctl",
    routeType: "ioctl",
    ifconfigPath: null,
    routePath: null,
    ipPath: null,
  }, "tun3");
  assert.deepEqual(cfg, {
    name: "tun3",
    mtu: 1400,
    addresses: [{ local: "10.0.0.1", prefixLength: 32, peer: "10.0.0.2" }],
    routes: ["10.1.0.0/16"],
  });
});
