/**
 * Site addresses given as host names (lib/runtime/resolve.ts) in network namespaces: node a
 * knows b only as `peer-b.rsv.test`, which getaddrinfo finds in a's /etc/hosts (`ip netns exec`
 * bind-mounts /etc/netns/NS/hosts over it). Run as root:
 * `deno test -A tests/privileged/resolve_test.ts`.
 */
import assert from "node:assert/strict";
import { DENO, Lab, REPO_ROOT, skipUnlessPrivileged, waitFor } from "../support/netns.ts";
import { startTincture, writeSecnetConf } from "../support/tincture.ts";
import { assertPings, assertReachable, mark, since } from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tun: true });

const PEER = "peer-b.rsv.test";

function readText(path: string): string {
  try {
    return Deno.readTextFileSync(path);
  } catch {
    return "";
  }
}

/**
 * a's /etc/hosts inside its namespace. Rewritten in place (same inode): the bind mount of a
 * running process sees the new text.
 */
function hostsFile(lab: Lab, id: string) {
  const dir = `/etc/netns/${lab.node(id).ns}`;
  Deno.mkdirSync(dir, { recursive: true });
  const path = `${dir}/hosts`;
  return {
    write(lines: string[]) {
      Deno.writeTextFileSync(path, ["127.0.0.1 localhost", ...lines, ""].join("\n"));
    },
    remove() {
      Deno.removeSync(dir, { recursive: true });
    },
  };
}

/** Starts tincture on `id` with every site address replaced by PEER. */
async function startWithName(lab: Lab, id: string, env: Record<string, string> = {}) {
  const conf = await writeSecnetConf(lab, id, { sites: [{ id: "b", connect: true }] });
  const text = readText(conf);
  const numeric = /address "192\.0\.2\.\d+";/;
  assert.match(text, numeric);
  Deno.writeTextFileSync(conf, text.replace(numeric, `address "${PEER}";`));
  const dir = conf.replace(/\/secnet\.conf$/, "");
  const argv = [DENO, "run", "-A", "--unstable-net", `${REPO_ROOT}/main.ts`, "-n", "-c", conf];
  const proc = lab.spawn(id, `${id}-tincture`, argv, { log: `${dir}/stdio.log`, env });
  return { proc, log: `${dir}/tincture.log` };
}

Deno.test({
  name: "resolve: a site address from /etc/hosts connects; an idle HUP hands nothing over",
  ignore,
  async fn() {
    const lab = await Lab.create("rsv", { nodes: ["a", "b"], links: [["a", "b"]] });
    const hosts = hostsFile(lab, "a");
    try {
      hosts.write([`${lab.addressOf("b", "a")} ${PEER}`]);
      const a = await startWithName(lab, "a");
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      await assertPings(lab, "a", "b");
      assert.doesNotMatch(readText(a.log), /not numeric|cannot resolve/, lab.logs());
      a.proc.signal("SIGUSR2");
      assert.ok(
        await waitFor(
          () => /Connections:\n.* b at 192\.0\.2\.2:655 .*outgoing/.test(readText(a.log)),
          5000,
        ),
        "a dialled b at the address from /etc/hosts" + lab.logs(),
      );
      // HUP with the same config and the same answer: nothing goes to the engine.
      const from = mark(a.log);
      a.proc.signal("SIGHUP");
      await new Promise((r) => setTimeout(r, 1500));
      assert.doesNotMatch(since(a.log, from), /changed, handing|Configuration reloaded/);
      await assertPings(lab, "a", "b", { count: 2 });
      assert.equal((await a.proc.stop(5000)).code, 0);
    } finally {
      hosts.remove();
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "resolve: a name that appears later is found on SIGHUP",
  ignore,
  async fn() {
    const lab = await Lab.create("rsvh", { nodes: ["a", "b"], links: [["a", "b"]] });
    const hosts = hostsFile(lab, "a");
    try {
      hosts.write([]);
      const a = await startWithName(lab, "a");
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      assert.ok(
        await waitFor(() => /not numeric; skipped/.test(readText(a.log)), 15000),
        "the engine skipped the name" + lab.logs(),
      );
      assert.match(readText(a.log), new RegExp(`cannot resolve ${PEER} for site b: `));
      hosts.write([`${lab.addressOf("b", "a")} ${PEER}`]);
      a.proc.signal("SIGHUP");
      assert.ok(
        await waitFor(() => /SIGHUP: addresses of b changed/.test(readText(a.log)), 10000),
        "HUP resolved the name again" + lab.logs(),
      );
      // The engine dials at its next retry (tinc's back-off: 5 s, then 10 s, ...).
      await assertReachable(lab, "a", "b", 40000);
      await assertPings(lab, "a", "b");
      assert.equal((await a.proc.stop(5000)).code, 0);
    } finally {
      hosts.remove();
      await lab.destroy();
    }
  },
});
Deno.test({
  name: "resolve: a name that appears later is found by the periodic re-resolution",
  ignore,
  async fn() {
    const lab = await Lab.create("rsvp", { nodes: ["a", "b"], links: [["a", "b"]] });
    const hosts = hostsFile(lab, "a");
    try {
      hosts.write([]);
      const a = await startWithName(lab, "a", { TINCTURE_RESOLVE_INTERVAL: "1" });
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      assert.ok(
        await waitFor(
          () => new RegExp(`cannot resolve ${PEER} for site b: `).test(readText(a.log)),
          15000,
        ),
        "the failure is a warning" + lab.logs(),
      );
      assert.ok(
        await waitFor(() => /not numeric; skipped/.test(readText(a.log)), 10000),
        "the engine skipped the name" + lab.logs(),
      );
      hosts.write([`${lab.addressOf("b", "a")} ${PEER}`]);
      assert.ok(
        await waitFor(() => /addresses of b changed, handing them/.test(readText(a.log)), 10000),
        "the timer noticed the name" + lab.logs(),
      );
      // The engine dials at its next retry (tinc's back-off: 5 s, then 10 s, ...).
      await assertReachable(lab, "a", "b", 40000);
      await assertPings(lab, "a", "b");
      // A persistent failure was reported once, not every second.
      const warnings = readText(a.log).match(/cannot resolve /g) ?? [];
      assert.equal(warnings.length, 1, lab.logs());
      assert.equal((await a.proc.stop(5000)).code, 0);
    } finally {
      hosts.remove();
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "resolve: a live peer whose name gains an address stays reachable after the reload",
  ignore,
  async fn() {
    const lab = await Lab.create("rsvl", { nodes: ["a", "b"], links: [["a", "b"]] });
    const hosts = hostsFile(lab, "a");
    try {
      const b = lab.addressOf("b", "a")!;
      hosts.write([`${b} ${PEER}`]);
      const a = await startWithName(lab, "a");
      await startTincture(lab, "b", { sites: [{ id: "a" }] });
      await assertReachable(lab, "a", "b");
      hosts.write([`${b} ${PEER}`, `192.0.2.77 ${PEER}`]);
      a.proc.signal("SIGHUP");
      assert.ok(
        await waitFor(() => /SIGHUP: addresses of b changed/.test(readText(a.log)), 10000),
        "HUP noticed the new address" + lab.logs(),
      );
      await new Promise((r) => setTimeout(r, 1000));
      await assertReachable(lab, "a", "b", 30000);
    } finally {
      hosts.remove();
      await lab.destroy();
    }
  },
});
