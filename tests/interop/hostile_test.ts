/**
 * A peer sending garbage and flooding connections while an honest peer keeps working.
 * The same test runs against tincd (proving the harness) and tincture. Run as root.
 */
import assert from "node:assert/strict";
import { DENO, Lab, REPO_ROOT, skipUnlessPrivileged } from "../support/netns.ts";
import { startTincd } from "../support/tincd.ts";
import { startTincture } from "../support/tincture.ts";
import { assertReachable, pingFlow } from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tincd: true, tun: true });

for (const target of ["tincd", "tincture"] as const) {
  Deno.test({
    name: `${target} under a garbage and connection flood keeps serving its honest peer`,
    ignore,
    async fn() {
      // v: the victim (target), d1: honest tincd peer, x: the attacker, on its own link
      const lab = await Lab.create("evil", {
        nodes: ["v", "d1", "x"],
        links: [["v", "d1"], ["v", "x"]],
      });
      try {
        await startTincd(lab, "d1", { peers: [{ id: "v", connect: true }] });
        const victim = target === "tincd"
          ? await startTincd(lab, "v", { peers: [{ id: "d1" }] })
          : await startTincture(lab, "v", { sites: [{ id: "d1" }] });
        await assertReachable(lab, "d1", "v");

        const flood = lab.spawn("x", "hostile", [
          DENO,
          "run",
          "-A",
          "--unstable-net",
          `${REPO_ROOT}/tests/support/hostile_peer.ts`,
          lab.addressOf("v", "x")!,
          "655",
          "12",
          "d1",
        ]); // prettier-ignore
        const honest = await pingFlow(lab, "d1", "v", 10, 0.2);
        await flood.status;
        const floodLog = flood.readLog();
        assert.match(floodLog, /hostile_peer: .*"tcp":[1-9]/, "the flood did not happen");
        assert.ok(victim.proc.running, `${target} died under the flood${lab.logs()}`);
        // the honest peer barely notices (tincd throttles accepts to 10/s; so must we)
        assert.ok(
          honest.received >= honest.sent * 0.9,
          `honest pings ${honest.received}/${honest.sent}\n${floodLog}${lab.logs()}`,
        );
        await assertReachable(lab, "d1", "v", 5000);
      } finally {
        await lab.destroy();
      }
    },
  });
}
