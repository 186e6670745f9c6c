/**
 * The harness proven on two real tincds: if these fail, the fixtures (not tincture) are
 * wrong. Run as root: `deno test -A tests/interop/tincd_pair_test.ts`.
 */
import assert from "node:assert/strict";
import { Lab, skipUnlessPrivileged, sleep } from "../support/netns.ts";
import { startTincd } from "../support/tincd.ts";

const ignore = skipUnlessPrivileged({ tincd: true, tun: true });

Deno.test({
  name: "tincd <-> tincd: pings both ways over UDP, 1400 bytes with DF after PMTU discovery",
  ignore,
  async fn() {
    const lab = await Lab.create("pair", { nodes: ["a", "b"], links: [["a", "b"]] });
    try {
      await startTincd(lab, "b", { peers: [{ id: "a" }] });
      await startTincd(lab, "a", { peers: [{ id: "b", connect: true }] });
      assert.ok(await lab.waitPing("a", "b", 15000), "a -> b never answered" + lab.logs());
      const ab = await lab.ping("a", "b", { count: 5 });
      const ba = await lab.ping("b", "a", { count: 5 });
      assert.equal(ab.received, 5, ab.output);
      assert.equal(ba.received, 5, ba.output);
      // tincd fixes the path MTU ~5.5 s after the key exchange; then big frames go by UDP
      await sleep(6500);
      const logs = [`${lab.dir}/a-tincd/tincd.log`, `${lab.dir}/b-tincd/tincd.log`];
      const before = logs.map((f) => Deno.readTextFileSync(f).length);
      const big = await lab.ping("a", "b", { count: 5, size: 1372, dontFragment: true });
      assert.equal(big.received, 5, big.output);
      // and they went by UDP: no frame travelled over the meta connection ("17 LEN")
      for (const [i, f] of logs.entries()) {
        assert.doesNotMatch(Deno.readTextFileSync(f).slice(before[i]), /PACKET/);
      }
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "tincd relays between two tincds with no direct link (a - b - c)",
  ignore,
  async fn() {
    const lab = await Lab.create("relay", {
      nodes: ["a", "b", "c"],
      links: [["a", "b"], ["b", "c"]],
    });
    try {
      await startTincd(lab, "b", { peers: [{ id: "a" }, { id: "c" }] });
      await startTincd(lab, "a", { peers: [{ id: "b", connect: true }] });
      await startTincd(lab, "c", { peers: [{ id: "b", connect: true }] });
      // no direct underlay path a <-> c: what arrives is relayed by b
      const direct = await lab.exec("a", ["ping", "-c1", "-W1", lab.addressesOf("c")[0]!], {
        check: false,
      });
      assert.notEqual(direct.code, 0, "a reaches c's underlay: the lab is wrong");
      assert.ok(await lab.waitPing("a", "c", 20000), "a -> c never answered" + lab.logs());
      const ca = await lab.ping("c", "a", { count: 5 });
      assert.equal(ca.received, 5, ca.output);
      // after the direct UDP probes a <-> c give up, 1400-byte packets still cross (by TCP via b)
      await sleep(12000);
      const big = await lab.ping("c", "a", { count: 3, size: 1372 });
      assert.equal(big.received, 3, big.output);
    } finally {
      await lab.destroy();
    }
  },
});
