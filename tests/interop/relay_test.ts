/**
 * Three nodes in a line with no underlay path between the ends: the middle one relays.
 * Run as root.
 */
import assert from "node:assert/strict";
import { Lab, skipUnlessPrivileged, sleep } from "../support/netns.ts";
import { startTincd } from "../support/tincd.ts";
import { startTincture } from "../support/tincture.ts";
import { assertPings, assertReachable } from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tincd: true, tun: true });

async function assertNoUnderlayPath(lab: Lab, from: string, to: string) {
  const r = await lab.exec(from, ["ping", "-c1", "-W1", lab.addressesOf(to)[0]!], { check: false });
  assert.notEqual(r.code, 0, `${from} reaches ${to}'s underlay: the lab is wrong`);
}

Deno.test({
  name: "tincd relays between two tincture nodes (t1 - d1 - t2)",
  ignore,
  async fn() {
    const lab = await Lab.create("rly1", {
      nodes: ["t1", "d1", "t2"],
      links: [["t1", "d1"], ["d1", "t2"]],
    });
    try {
      await startTincd(lab, "d1", { peers: [{ id: "t1" }, { id: "t2" }] });
      await startTincture(lab, "t1", { sites: [{ id: "d1", connect: true }] });
      await startTincture(lab, "t2", { sites: [{ id: "d1", connect: true }] });
      await assertNoUnderlayPath(lab, "t1", "t2");
      await assertReachable(lab, "t1", "t2", 30000);
      await assertPings(lab, "t1", "t2");
      await assertPings(lab, "t2", "t1");
      // and still after the direct UDP probes between the ends have given up
      await sleep(12000);
      await assertPings(lab, "t1", "t2");
      await assertPings(lab, "t2", "t1", { size: 1372 });
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "tincture relays between two tincds (d1 - t1 - d2)",
  ignore,
  async fn() {
    const lab = await Lab.create("rly2", {
      nodes: ["d1", "t1", "d2"],
      links: [["d1", "t1"], ["t1", "d2"]],
    });
    try {
      await startTincture(lab, "t1", { sites: [{ id: "d1" }, { id: "d2" }] });
      await startTincd(lab, "d1", { peers: [{ id: "t1", connect: true }] });
      await startTincd(lab, "d2", { peers: [{ id: "t1", connect: true }] });
      await assertNoUnderlayPath(lab, "d1", "d2");
      await assertReachable(lab, "d1", "d2", 30000);
      await assertPings(lab, "d1", "d2");
      await assertPings(lab, "d2", "d1");
      await sleep(12000);
      await assertPings(lab, "d1", "d2");
      await assertPings(lab, "d2", "d1", { size: 1372 });
    } finally {
      await lab.destroy();
    }
  },
});
