/**
 * Two tincture nodes: the tinc default transform, and secnet's serpent transforms, which
 * only tincture speaks. Run as root.
 */
import { Lab, skipUnlessPrivileged } from "../support/netns.ts";
import { startTincture } from "../support/tincture.ts";
import { assertPings, assertReachable, waitBigPings } from "../support/checks.ts";
import assert from "node:assert/strict";

const ignore = skipUnlessPrivileged({ tun: true });

// label, transform expression, what ANS_KEY then carries: cipher NID, digest NID, MAC length
const TRANSFORMS: [string, string | undefined, string][] = [
  ["tincd's default (aes-256-cbc + sha256, MAC 4)", undefined, "427 672 4"],
  ["eax-serpent", "eax-serpent { }", "65282 0 0"],
  ["serpent256-cbc", "serpent256-cbc { }", "65281 672 16"],
];

for (const [label, transform, keyParams] of TRANSFORMS) {
  Deno.test({
    name: `tincture <-> tincture with ${label}: pings both ways, 1400 bytes`,
    ignore,
    async fn() {
      const lab = await Lab.create("pair", { nodes: ["t1", "t2"], links: [["t1", "t2"]] });
      try {
        const opts = transform ? { transform } : {};
        await startTincture(lab, "t2", { sites: [{ id: "t1" }], ...opts });
        const t1 = await startTincture(lab, "t1", {
          sites: [{ id: "t2", connect: true }],
          ...opts,
        });
        await assertReachable(lab, "t1", "t2");
        await assertPings(lab, "t1", "t2");
        await assertPings(lab, "t2", "t1");
        assert.ok(await waitBigPings(lab, "t1", "t2", 1372, 20000), "no big pings" + lab.logs());
        await assertPings(lab, "t2", "t1", { size: 1372, dontFragment: true });
        // the packet keys really were of that transform
        const log = Deno.readTextFileSync(t1.log);
        assert.match(
          log,
          new RegExp(`Sending ANS_KEY to t2 .*: 16 t1 t2 [0-9A-F]+ ${keyParams} 0`),
        );
        assert.match(log, new RegExp(`Got ANS_KEY from t2 .*: 16 t2 t1 [0-9A-F]+ ${keyParams} 0`));
      } finally {
        await lab.destroy();
      }
    },
  });
}
