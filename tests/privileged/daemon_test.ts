/**
 * The whole daemon (lib/runtime/daemon.ts) in network namespaces: two tincture nodes, signals,
 * pidfile, detaching, and kill -9 recovery. Run as root:
 * `deno test -A tests/privileged/daemon_test.ts`.
 */
import assert from "node:assert/strict";
import { DENO, Lab, REPO_ROOT, skipUnlessPrivileged, sleep, waitFor } from "../support/netns.ts";
import { startTincture, writeSecnetConf } from "../support/tincture.ts";
import { assertPings, assertReachable } from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tun: true });

async function linkExists(lab: Lab, id: string, dev = "vpn0"): Promise<boolean> {
  return (await lab.exec(id, ["ip", "link", "show", dev], { check: false })).code === 0;
}

async function overlayRoutes(lab: Lab, id: string): Promise<string> {
  const r = await lab.exec(id, ["ip", "route"], { check: false });
  return r.stdout.split("\n").filter((l) => l.includes("10.77.")).join("\n");
}

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

Deno.test({
  name: "daemon: two nodes ping; USR2 dumps, HUP reopens the log, USR1 is inert, TERM cleans up",
  ignore,
  async fn() {
    const lab = await Lab.create("rtd", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      const a = await startTincture(lab, "a", { sites: [{ id: "b", connect: true }] });
      const b = await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      await assertPings(lab, "a", "b");
      await assertPings(lab, "b", "a");

      // V8's background threads yield to the data plane at once (threads.ts).
      assert.match(readText(a.log), /[1-9]\d* V8 background thread\(s\) set to SCHED_IDLE/);
      // The packet path was warmed up through throwaway engines on loopback (warm_up.ts); a
      // ping re-sent after a slow spell can add a reply or two, "(stopped early)" cannot match.
      const warmed = /JIT warm-up: (\d+) round trips in \d+ ms\n/;
      assert.ok(await waitFor(() => warmed.test(readText(a.log)), 5000), "warm-up" + lab.logs());
      assert.ok(Number(readText(a.log).match(warmed)![1]) >= 550, "warm-up finished" + lab.logs());

      // pidfile holds the daemon's pid
      const pidfile = `${a.dir}/tincture.pid`;
      assert.equal(readText(pidfile).trim(), String(a.proc.pid));
      assert.match(
        await overlayRoutes(lab, "a"),
        /10\.77\.0\.0\/16 dev vpn0|10\.77\.2\.0\/24 dev vpn0/,
      );

      // USR2: nodes, edges, subnets, connections
      a.proc.signal("SIGUSR2");
      assert.ok(
        await waitFor(() => /Data plane:/.test(readText(a.log)), 5000),
        "dump in the log" + lab.logs(),
      );
      const dump = readText(a.log);
      assert.match(dump, /Nodes:\n(.|\n)* b at 192\.0\.2\.2:655 .* reachable/);
      assert.match(dump, /Subnet list:\n(.|\n)* 10\.77\.2\.0\/24(#\d+)? owner b/);
      assert.match(dump, /Connections:\n.* b at 192\.0\.2\.2:655 .*outgoing active/);
      // system/busy-poll's default reached the loop: the pings' requests were polled for.
      const [, hits, misses] = dump.match(/busyPollHits (\d+), busyPollMisses (\d+)/)!;
      assert.ok(Number(hits) + Number(misses) > 0, `busy-polled: ${hits} hits, ${misses} misses`);

      // HUP after logrotate: a new file appears and gets the next messages
      Deno.renameSync(a.log, `${a.log}.1`);
      a.proc.signal("SIGHUP");
      await sleep(300);
      a.proc.signal("SIGUSR2");
      assert.ok(await waitFor(() => /Data plane:/.test(readText(a.log)), 5000), "log reopened");

      // USR1 must not open Deno's inspector (we ignore it once Deno has armed it)
      a.proc.signal("SIGUSR1");
      await sleep(500);
      assert.ok(a.proc.running, "USR1 did not kill the daemon");
      const ss = await lab.exec("a", ["ss", "-ltn"], { check: false });
      assert.doesNotMatch(ss.stdout, /:9229\b/);
      await assertPings(lab, "a", "b", { count: 2 });

      // TERM: exit 0, device and routes gone, pidfile removed
      const st = await a.proc.stop(5000);
      assert.equal(st.code, 0, lab.logs());
      assert.equal(await linkExists(lab, "a"), false);
      assert.equal(await overlayRoutes(lab, "a"), "");
      assert.equal(readText(pidfile), "", "pidfile removed");
      assert.match(readText(a.log), /stopped/);
      assert.equal((await b.proc.stop(5000)).code, 0);
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "daemon: userid drops every thread to nobody after the device and logs are open",
  ignore,
  async fn() {
    const lab = await Lab.create("rtv", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      const a = await startTincture(lab, "a", {
        sites: [{ id: "b", connect: true }],
        system: ['userid "nobody";'],
      });
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      await assertPings(lab, "a", "b");
      let notNobody = 0;
      for (const t of Deno.readDirSync(`/proc/${a.proc.pid}/task`)) {
        const status = Deno.readTextFileSync(`/proc/${a.proc.pid}/task/${t.name}/status`);
        if (!/^Uid:\s+65534\s+65534\s+65534/m.test(status)) notNobody++;
      }
      assert.equal(notNobody, 0, "every thread runs as nobody");
      assert.match(readText(a.log), /running as nobody/);
      // TERM still works; the tun goes with its descriptor even though `ip` is out of reach.
      assert.equal((await a.proc.stop(5000)).code, 0);
      assert.equal(await linkExists(lab, "a"), false);
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "daemon: kill -9 leaves no interface or route; the restarted node rejoins",
  ignore,
  async fn() {
    const lab = await Lab.create("rtk", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      const a = await startTincture(lab, "a", { sites: [{ id: "b", connect: true }] });
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      await a.proc.kill9();
      assert.ok(await waitFor(async () => !(await linkExists(lab, "a")), 3000), "vpn0 gone");
      assert.equal(await overlayRoutes(lab, "a"), "");
      a.start();
      await assertReachable(lab, "a", "b", 30000);
      await assertPings(lab, "a", "b");
      await assertPings(lab, "b", "a");
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "daemon: a persistent tun's stale addresses and routes are flushed first",
  ignore,
  async fn() {
    const lab = await Lab.create("rtp", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      // A persistent vpn0 left over with another run's address and route (the lab's
      // namespaces have IPv6 off).
      for (
        const argv of [
          ["ip", "tuntap", "add", "dev", "vpn0", "mode", "tun"],
          ["ip", "addr", "add", "10.66.0.1/24", "dev", "vpn0"],
          ["ip", "link", "set", "vpn0", "up"],
          ["ip", "route", "add", "10.55.0.0/16", "dev", "vpn0"],
        ]
      ) await lab.exec("a", argv);
      const a = await startTincture(lab, "a", { sites: [{ id: "b", connect: true }] });
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      await assertPings(lab, "a", "b");
      const addrs = (await lab.exec("a", ["ip", "addr", "show", "dev", "vpn0"])).stdout;
      assert.doesNotMatch(addrs, /10\.66\./);
      assert.match(addrs, /inet 10\.77\./);
      assert.doesNotMatch((await lab.exec("a", ["ip", "route"])).stdout, /10\.55\./);
      assert.equal((await a.proc.stop(5000)).code, 0);
      // Persistent: the device stays, emptied of our addresses and routes.
      assert.ok(await linkExists(lab, "a"));
      assert.equal(await overlayRoutes(lab, "a"), "");
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "daemon: without -n it detaches, the parent exits 0, the pidfile names the daemon",
  ignore,
  async fn() {
    const lab = await Lab.create("rtb", { nodes: ["a"], links: [] });
    try {
      const conf = await writeSecnetConf(lab, "a", { sites: [] });
      const dir = conf.replace(/\/secnet\.conf$/, "");
      const r = await lab.exec("a", [
        DENO,
        "run",
        "-A",
        "--unstable-net",
        `${REPO_ROOT}/main.ts`,
        "-c",
        conf,
      ], { check: false });
      assert.equal(r.code, 0, r.stderr + lab.logs());
      const pid = Number(readText(`${dir}/tincture.pid`).trim());
      assert.ok(pid > 0);
      Deno.kill(pid, "SIGCONT"); // throws if there is no such process
      assert.ok(await linkExists(lab, "a"));
      Deno.kill(pid, "SIGTERM");
      assert.ok(
        await waitFor(() => {
          try {
            Deno.kill(pid, "SIGCONT");
            return false;
          } catch {
            return true;
          }
        }, 5000),
        "daemon exited on TERM",
      );
      assert.equal(await linkExists(lab, "a"), false);
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "daemon: a bad port fails start-up with a message and no interface left behind",
  ignore,
  async fn() {
    const lab = await Lab.create("rtf", { nodes: ["a"], links: [] });
    try {
      // Occupy the port first so the daemon cannot bind it.
      const blocker = lab.spawn("a", "blocker", ["python3", "-c", BLOCKER]);
      await sleep(500);
      const conf = await writeSecnetConf(lab, "a", { sites: [], port: 655 });
      const r = await lab.exec("a", [
        DENO,
        "run",
        "-A",
        "--unstable-net",
        `${REPO_ROOT}/main.ts`,
        "-n",
        "-c",
        conf,
      ], { check: false });
      assert.notEqual(r.code, 0);
      const log = readText(conf.replace(/secnet\.conf$/, "tincture.log"));
      assert.match(log, /cannot listen on port 655/);
      assert.equal(await linkExists(lab, "a"), false);
      await blocker.stop(1000);
    } finally {
      await lab.destroy();
    }
  },
});

const BLOCKER = [
  "import socket, time",
  "s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)",
  "s.bind(('::', 655))",
  "time.sleep(30)",
].join("\n");

Deno.test({
  name: "daemon: SIGHUP applies a changed config without a restart (a new ConnectTo is dialled)",
  ignore,
  async fn() {
    const lab = await Lab.create("rth", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      // Neither side dials: no mesh yet.
      const a = await startTincture(lab, "a", { sites: [{ id: "b" }] });
      const b = await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await sleep(1500);
      const ping = await lab.exec("a", ["ping", "-c1", "-W1", "10.77.2.1"], { check: false });
      assert.notEqual(ping.code, 0, "no ConnectTo yet, so no path");
      // a's config now says to connect to b; HUP, same process.
      await writeSecnetConf(lab, "a", { sites: [{ id: "b", connect: true }] });
      const pid = a.proc.pid;
      a.proc.signal("SIGHUP");
      await assertReachable(lab, "a", "b");
      await assertPings(lab, "a", "b");
      assert.equal(a.proc.pid, pid);
      assert.ok(a.proc.running, "still the same daemon");
      assert.match(readText(a.log), /Configuration reloaded/);
      assert.equal((await a.proc.stop(5000)).code, 0);
      assert.equal((await b.proc.stop(5000)).code, 0);
    } finally {
      await lab.destroy();
    }
  },
});
