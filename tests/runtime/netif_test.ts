import assert from "node:assert/strict";
import { NetIf, parseCidr } from "../../lib/runtime/netif.ts";

function recorder(failOn: (args: readonly string[]) => boolean = () => false) {
  const calls: string[] = [];
  const netif = new NetIf("ip", (args) => {
    calls.push(args.join(" "));
    return failOn(args) ? Promise.reject(new Error("fail")) : Promise.resolve();
  });
  return { calls, netif };
}

Deno.test("NetIf.configure: flush first, then mtu, addresses, up, routes (v4 and v6)", async () => {
  const { calls, netif } = recorder();
  await netif.configure({
    name: "vpn0",
    mtu: 1400,
    addresses: [{ local: "10.0.0.1", prefixLength: 32, peer: "10.0.0.2" }, {
      local: "fd00::1",
      prefixLength: 64,
    }],
    routes: ["10.1.0.0/16", "fd00:1::/48"],
    metric: 5,
  });
  assert.deepEqual(calls, [
    "-4 route flush dev vpn0",
    "-4 addr flush dev vpn0",
    "-6 route flush dev vpn0",
    "-6 addr flush dev vpn0",
    "link set dev vpn0 mtu 1400",
    "addr replace 10.0.0.1/32 peer 10.0.0.2 dev vpn0",
    "-6 addr replace fd00::1/64 dev vpn0",
    "link set dev vpn0 up",
    "route replace 10.1.0.0/16 dev vpn0 metric 5",
    "-6 route replace fd00:1::/48 dev vpn0 metric 5",
  ]);
});

Deno.test("NetIf.configure: IPv4-only devices turn off IPv6 link-local chatter", async () => {
  const { calls, netif } = recorder();
  await netif.configure({ name: "t0", mtu: 1500, addresses: [], routes: ["10.0.0.0/8"] });
  assert.ok(calls.includes("link set dev t0 addrgenmode none"));
});

Deno.test("NetIf: a failing step fails configure; deconfigure ignores failures", async () => {
  const { netif } = recorder((a) => a.includes("mtu"));
  await assert.rejects(
    netif.configure({ name: "t0", mtu: 9, addresses: [], routes: [] }),
    /fail/,
  );
  const r = recorder(() => true);
  await r.netif.deconfigure({ name: "t0", mtu: 1500, addresses: [], routes: ["10.0.0.0/8"] });
  assert.ok(r.calls.includes("route del 10.0.0.0/8 dev t0"));
  assert.ok(r.calls.includes("link set dev t0 down"));
  assert.equal(await r.netif.deleteLink("t0"), false);
});

Deno.test("parseCidr", () => {
  assert.deepEqual(parseCidr("10.1.2.3/24"), { ip: "10.1.2.3", prefixLength: 24 });
  assert.deepEqual(parseCidr("10.1.2.3"), { ip: "10.1.2.3", prefixLength: 32 });
  assert.deepEqual(parseCidr("fd00::1"), { ip: "fd00::1", prefixLength: 128 });
});
