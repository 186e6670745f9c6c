import assert from "node:assert/strict";
import {
  IpCommandError,
  NetIf,
  parseBatchErrors,
  parseCidr,
  runIpBatch,
} from "../../lib/runtime/netif.ts";

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

Deno.test("NetIf.configure: a fresh device skips the flush; the rest is one batch", async () => {
  const batches: string[][] = [];
  const single: string[] = [];
  const netif = new NetIf("ip", (args) => {
    single.push(args.join(" "));
    return Promise.resolve();
  }, (lines) => {
    batches.push(lines.map((l) => l.join(" ")));
    return Promise.resolve([]);
  });
  await netif.configure({
    name: "t0",
    mtu: 1500,
    addresses: [{ local: "10.0.0.1", prefixLength: 32 }],
    routes: ["10.9.0.0/16"],
    fresh: true,
  });
  assert.deepEqual(single, []);
  assert.deepEqual(batches, [[
    "link set dev t0 addrgenmode none",
    "link set dev t0 mtu 1500",
    "addr replace 10.0.0.1/32 dev t0",
    "link set dev t0 up",
    "route replace 10.9.0.0/16 dev t0",
  ]]);
  // Not fresh (persistent): the per-family flushes run first, one command each.
  await netif.configure({ name: "t0", mtu: 1500, addresses: [], routes: [] });
  assert.deepEqual(single, [
    "-4 route flush dev t0",
    "-4 addr flush dev t0",
    "-6 route flush dev t0",
    "-6 addr flush dev t0",
  ]);
});

Deno.test("NetIf.configure: batch failures: optional steps ignored, others throw", async () => {
  const failing = (line: number, message: string) =>
    new NetIf("ip", () => Promise.resolve(), () => Promise.resolve([{ line, message }]));
  const cfg = { name: "t0", mtu: 1500, addresses: [], routes: ["10.0.0.0/8"], fresh: true };
  // Line 0 is addrgenmode (unknown to old kernels): fine.
  await failing(0, "Error: unknown").configure(cfg);
  // Line 3 is the route.
  const e = await failing(3, "Error: Nexthop has invalid gateway.").configure(cfg).then(
    () => null,
    (e) => e,
  );
  assert.ok(e instanceof IpCommandError);
  assert.deepEqual(e.args, ["route", "replace", "10.0.0.0/8", "dev", "t0"]);
  assert.match(e.message, /invalid gateway/);
});

Deno.test("parseBatchErrors: iproute2's -force -batch reports, by line", () => {
  const stderr = 'Cannot find device "nope"\nCommand failed -:2\n' +
    "Error: Nexthop has invalid gateway.\nCommand failed -:8\n";
  assert.deepEqual(parseBatchErrors(stderr, 8), [
    { line: 1, message: 'Cannot find device "nope"' },
    { line: 7, message: "Error: Nexthop has invalid gateway." },
  ]);
  assert.deepEqual(parseBatchErrors("Command failed -:9\n", 8), []);
  assert.deepEqual(parseBatchErrors('Object "-4" is unknown\n', 8), []);
});

/** A stand-in `ip` (shell script) that logs its argv and stdin, then acts as told. */
async function fakeIp(body: string): Promise<{ path: string; log: string; dir: string }> {
  const dir = await Deno.makeTempDir({ prefix: "tincture-netif-" });
  const path = `${dir}/ip`;
  const log = `${dir}/log`;
  await Deno.writeTextFile(path, `#!/bin/sh\necho "argv: $*" >>${log}\n${body}\n`);
  await Deno.chmod(path, 0o755);
  return { path, log, dir };
}

Deno.test("runIpBatch: one ip -force -batch - with the lines on stdin; -6 dropped", async () => {
  const ip = await fakeIp(`cat >>LOG; echo "RTNETLINK answers: File exists" >&2
echo "Command failed -:2" >&2; exit 1`.replace("LOG", "$(dirname $0)/log"));
  const r = await runIpBatch(ip.path, [
    ["link", "set", "dev", "t0", "up"],
    ["-6", "route", "replace", "fd00::/64", "dev", "t0"],
  ]);
  assert.deepEqual(r, [{ line: 1, message: "RTNETLINK answers: File exists" }]);
  assert.equal(
    await Deno.readTextFile(ip.log),
    "argv: -force -batch -\nlink set dev t0 up\nroute replace fd00::/64 dev t0\n",
  );
  await Deno.remove(ip.dir, { recursive: true });
});

Deno.test("runIpBatch: null (go line by line) for an ip without -batch or unsafe words", async () => {
  const ip = await fakeIp('echo "ip: unknown option -force" >&2; exit 1');
  assert.equal(await runIpBatch(ip.path, [["link", "set", "dev", "t0", "up"]]), null);
  assert.equal(await runIpBatch(ip.path, [["link", "set", "dev", "t#0", "up"]]), null);
  assert.equal(await runIpBatch(ip.path, [["-4", "route", "flush", "dev", "t0"]]), null);
  assert.equal(await runIpBatch("/nonexistent/ip", [["link", "set", "dev", "t0", "up"]]), null);
  // Only the first call reached the script.
  assert.equal(await Deno.readTextFile(ip.log), "argv: -force -batch -\n");
  // NetIf falls back to one run per line (which then fail here: the fake ip always fails).
  const netif = new NetIf(ip.path);
  await assert.rejects(
    netif.configure({ name: "t0", mtu: 1500, addresses: [], routes: [], fresh: true }),
    (e) => e instanceof IpCommandError && e.args.includes("mtu"),
  );
  assert.match(await Deno.readTextFile(ip.log), /argv: link set dev t0 mtu 1500/);
  await Deno.remove(ip.dir, { recursive: true });
});
