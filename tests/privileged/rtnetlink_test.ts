/**
 * rtnetlink set-up (lib/runtime/rtnetlink.ts) on a real tun in a fresh network namespace, read
 * back with `ip`: the same state iproute2's commands would leave. Run as root:
 * `deno test -A tests/privileged/rtnetlink_test.ts`.
 */
import assert from "node:assert/strict";
import { openTun } from "../../ffi/tun_linux.ts";
import { setupViaNetlink } from "../../lib/runtime/rtnetlink.ts";
import { run, skipUnlessPrivileged } from "../support/netns.ts";

const SELF = new URL(import.meta.url).pathname;

/** In the namespace: set up tt0 over netlink, print what ip sees. */
async function child(): Promise<void> {
  const tun = openTun({ name: "tt0", kind: "tun" });
  const ok = setupViaNetlink({
    name: tun.name,
    mtu: 1380,
    addresses: [{ local: "10.96.0.1", prefixLength: 32, peer: "10.96.0.2" }],
    routes: ["10.96.5.0/24", "default"],
    metric: 7,
  });
  // An unknown device has no index: false, so the caller falls back to ip.
  const missing = setupViaNetlink({ name: "nosuch0", mtu: 1400, addresses: [], routes: [] });
  const show = async (args: string[]) => (await run(["ip", ...args])).stdout;
  const out = {
    ok,
    missing,
    link: await show(["-d", "link", "show", "tt0"]),
    addr: await show(["addr", "show", "tt0"]),
    route: await show(["route"]),
  };
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(out) + "\n"));
  tun.close();
}

Deno.test({
  name: "rtnetlink: mtu, addrgenmode, peer address, up and routes on a real tun",
  ignore: skipUnlessPrivileged({ tun: true }),
  async fn() {
    const r = await run(["unshare", "--net", Deno.execPath(), "run", "-A", SELF, "child"], {
      check: false,
    });
    const line = r.stdout.trim().split("\n").at(-1) ?? "";
    let out: Record<string, string | boolean>;
    try {
      out = JSON.parse(line);
    } catch {
      throw new Error(`child failed (${r.code}): ${r.stdout}\n${r.stderr}`);
    }
    assert.equal(out.ok, true);
    assert.equal(out.missing, false);
    assert.match(String(out.link), /mtu 1380/);
    assert.match(String(out.link), /,UP/);
    assert.match(String(out.link), /addrgenmode none/);
    assert.match(String(out.addr), /inet 10\.96\.0\.1 peer 10\.96\.0\.2\/32 scope global tt0/);
    assert.match(String(out.route), /^default dev tt0 scope link metric 7/m);
    assert.match(String(out.route), /^10\.96\.5\.0\/24 dev tt0 scope link metric 7/m);
  },
});

if (import.meta.main && Deno.args[0] === "child") await child();
