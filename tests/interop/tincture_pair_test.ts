/**
 * Two tincture nodes: the tinc default transform, and secnet's serpent transforms, which
 * only tincture speaks. Run as root.
 */
import { Lab, skipUnlessPrivileged } from "../support/netns.ts";
import { startTincture } from "../support/tincture.ts";
import { assertPings, assertReachable, waitBigPings } from "../support/checks.ts";
import assert from "node:assert/strict";

const ignore = skipUnlessPrivileged({ tun: true });

const TRANSFORMS: [string, string | undefined][] = [
  ["tincd's default (aes-256-cbc + sha256, MAC 4)", undefined],
  ["eax-serpent", "eax-serpent { }"],
  ["serpent256-cbc", "serpent256-cbc { }"],
];

for (const [label, transform] of TRANSFORMS) {
  Deno.test({
    name: `tincture <-> tincture with ${label}: pings both ways, 1400 bytes`,
    ignore,
    async fn() {
      const lab = await Lab.create("pair", { nodes: ["t1", "t2"], links: [["t1", "t2"]] });
      try {
        const opts = transform ? { transform } : {};
        await startTincture(lab, "t2", { sites: [{ id: "t1" }], ...opts });
        await startTincture(lab, "t1", { sites: [{ id: "t2", connect: true }], ...opts });
        await assertReachable(lab, "t1", "t2");
        await assertPings(lab, "t1", "t2");
        await assertPings(lab, "t2", "t1");
        assert.ok(await waitBigPings(lab, "t1", "t2", 1372, 20000), "no big pings" + lab.logs());
        await assertPings(lab, "t2", "t1", { size: 1372, dontFragment: true });
      } finally {
        await lab.destroy();
      }
    },
  });
}
