/**
 * The secnet.conf → tinc mapping as a real tincd sees it: a site's `link` routes bound what
 * that host may own, and the netlink's `mode "switch"` is tinc's Mode = switch. Run as root.
 */
import assert from "node:assert/strict";
import { Lab, skipUnlessPrivileged } from "../support/netns.ts";
import { startTincd } from "../support/tincd.ts";
import { startTincture } from "../support/tincture.ts";
import { assertPings, assertReachable } from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tincd: true, tun: true });
const LINKS: [string, string][] = [["t1", "d1"]];

Deno.test({
  name: "a site's routes bound its subnets: tincture refuses what tincd claims beyond them",
  ignore,
  async fn() {
    const lab = await Lab.create("rts", { nodes: ["t1", "d1"], links: LINKS });
    try {
      // d1 claims its own /24 and 10.77.9.0/24; t1's site for d1 routes only 10.77.2.0/24
      await startTincd(lab, "d1", {
        peers: [{ id: "t1" }],
        ownHostOptions: ["Subnet = 10.77.9.0/24"],
      });
      await lab.exec("d1", ["ip", "addr", "add", "10.77.9.1/32", "dev", "lo"]);
      const t = await startTincture(lab, "t1", { sites: [{ id: "d1", connect: true }] });
      await assertReachable(lab, "t1", "d1");
      await assertPings(lab, "t1", "d1");
      const beyond = await lab.ping("t1", "10.77.9.1", { count: 3 });
      assert.equal(beyond.received, 0, "t1 routed to a subnet outside d1's routes");
      const log = Deno.readTextFileSync(t.log);
      assert.match(log, /10\.77\.9\.0\/24/, "the refusal was not logged");
      assert.doesNotMatch(log, /subnet-up d1 10\.77\.9\.0\/24/);
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: 'netlink mode "switch" speaks tinc\'s switch mode with tincd (TAP, Ethernet frames)',
  ignore,
  async fn() {
    const lab = await Lab.create("sw", { nodes: ["t1", "d1"], links: LINKS });
    try {
      await startTincd(lab, "d1", {
        peers: [{ id: "t1" }],
        extra: ["Mode = switch", "DeviceType = tap"],
      });
      await startTincture(lab, "t1", {
        sites: [{ id: "d1", connect: true }],
        mode: "switch",
      });
      await assertReachable(lab, "t1", "d1", 30000);
      await assertPings(lab, "t1", "d1");
      await assertPings(lab, "d1", "t1", { size: 1300 });
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "site indirect-data and weight reach tincd in our ACK (options 0xd, weight 77)",
  ignore,
  async fn() {
    const lab = await Lab.create("ack", { nodes: ["t1", "d1"], links: LINKS });
    try {
      const d = await startTincd(lab, "d1", { peers: [{ id: "t1" }] });
      await startTincture(lab, "t1", {
        sites: [{ id: "d1", connect: true, siteOptions: ["indirect-data true;", "weight 77;"] }],
      });
      await assertReachable(lab, "t1", "d1");
      await assertPings(lab, "d1", "t1");
      // ACK = "4 port weight options": PMTU discovery (4) + ClampMSS (8) + IndirectData (1)
      assert.match(Deno.readTextFileSync(d.log), /Got ACK from t1 .*: 4 655 77 d\b/);
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "a mobile site is not dialled: tincd connects to us and traffic flows",
  ignore,
  async fn() {
    const lab = await Lab.create("mob", { nodes: ["t1", "d1"], links: LINKS });
    try {
      const t = await startTincture(lab, "t1", {
        sites: [{ id: "d1", connect: true, siteOptions: ["mobile true;"] }],
      });
      const d = await startTincd(lab, "d1", { peers: [{ id: "t1", connect: true }] });
      await assertReachable(lab, "t1", "d1");
      await assertPings(lab, "d1", "t1");
      assert.doesNotMatch(Deno.readTextFileSync(t.log), /Trying to connect to d1/);
      assert.match(Deno.readTextFileSync(d.log), /Connected to t1/);
    } finally {
      await lab.destroy();
    }
  },
});
