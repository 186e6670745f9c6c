/**
 * tincture (t1) against a real tincd 1.0.36 (d1), one veth apart. Run as root:
 * `deno test -A tests/interop/tincture_tincd_test.ts`.
 */
import assert from "node:assert/strict";
import { Lab, skipUnlessPrivileged, sleep } from "../support/netns.ts";
import { startTincd } from "../support/tincd.ts";
import { startTincture } from "../support/tincture.ts";
import {
  assertPings,
  assertReachable,
  mark,
  pingFlow,
  since,
  tcpPacketsFrom,
  waitUdpBigPings,
} from "../support/checks.ts";

const ignore = skipUnlessPrivileged({ tincd: true, tun: true });
const LINKS: [string, string][] = [["t1", "d1"]];

for (const initiator of ["tincture", "tincd"] as const) {
  Deno.test({
    name: `tincture <-> tincd (${initiator} connects): UDP pings both ways, 1400 bytes after PMTU`,
    ignore,
    async fn() {
      const lab = await Lab.create("ud", { nodes: ["t1", "d1"], links: LINKS });
      try {
        const d = await startTincd(lab, "d1", {
          peers: [{ id: "t1", connect: initiator === "tincd" }],
        });
        await startTincture(lab, "t1", {
          sites: [{ id: "d1", connect: initiator === "tincture" }],
        });
        await assertReachable(lab, "t1", "d1");
        await assertPings(lab, "t1", "d1");
        await assertPings(lab, "d1", "t1");
        // who connected to whom, as tincd saw it
        const log = Deno.readTextFileSync(d.log);
        if (initiator === "tincture") assert.match(log, /Connection from 192\.0\.2\.\d+ port/);
        else assert.match(log, /Trying to connect to t1/);

        // path MTU discovery lets 1400-byte IP packets (1372 ICMP payload) through by UDP
        assert.ok(
          await waitUdpBigPings(lab, "t1", "d1", d.log, "t1", 1372, 25000),
          "1400-byte pings never went by UDP both ways" + lab.logs(),
        );
        const m = mark(d.log);
        await assertPings(lab, "t1", "d1", { size: 1372, dontFragment: true });
        await assertPings(lab, "d1", "t1", { size: 1372, dontFragment: true });
        assert.doesNotMatch(since(d.log, m), /PACKET (from|to) t1 /, "frames over TCP after PMTU");
      } finally {
        await lab.destroy();
      }
    },
  });
}

Deno.test({
  name: "tincture <-> tincd: TCPOnly carries every frame over the meta connection",
  ignore,
  async fn() {
    const lab = await Lab.create("tcp", { nodes: ["t1", "d1"], links: LINKS });
    try {
      const d = await startTincd(lab, "d1", {
        peers: [{ id: "t1", hostOptions: ["TCPOnly = yes"] }],
        extra: ["TCPOnly = yes"],
      });
      await startTincture(lab, "t1", {
        sites: [{ id: "d1", connect: true, siteOptions: ["tcp-only true;"] }],
        system: ["tcp-only true;"],
      });
      await assertReachable(lab, "t1", "d1");
      const m = mark(d.log);
      await assertPings(lab, "t1", "d1", { count: 4 });
      await assertPings(lab, "d1", "t1", { count: 4 });
      // 4 requests from t1 and 4 replies to d1's pings: all as "17 LEN" on the meta connection
      assert.ok(tcpPacketsFrom(since(d.log, m), "t1") >= 8, since(d.log, m));
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "tincture <-> tincd: KeyExpire rollover while traffic flows loses nothing much",
  ignore,
  async fn() {
    const lab = await Lab.create("kex", { nodes: ["t1", "d1"], links: LINKS });
    try {
      const d = await startTincd(lab, "d1", {
        peers: [{ id: "t1" }],
        extra: ["KeyExpire = 4"],
      });
      await startTincture(lab, "t1", {
        sites: [{ id: "d1", connect: true }],
        system: ["key-expire 4;"],
      });
      await assertReachable(lab, "t1", "d1");
      const m = mark(d.log);
      const [ab, ba] = await Promise.all([
        pingFlow(lab, "t1", "d1", 14),
        pingFlow(lab, "d1", "t1", 14),
      ]);
      // three rekeys on each side in 14 s; a packet or two may cross a key change
      assert.ok(ab.received >= ab.sent - 3, `t1->d1 ${ab.received}/${ab.sent}`);
      assert.ok(ba.received >= ba.sent - 3, `d1->t1 ${ba.received}/${ba.sent}`);
      const text = since(d.log, m);
      assert.ok(
        (text.match(/Got (KEY_CHANGED|ANS_KEY) from t1/g) ?? []).length >= 2,
        "tincture never rekeyed:\n" + text.slice(-3000),
      );
      assert.ok((text.match(/Sending KEY_CHANGED/g) ?? []).length >= 2, "tincd never rekeyed");
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "tincture <-> tincd: a tincd restart and a tincture restart heal without a hand",
  ignore,
  async fn() {
    const lab = await Lab.create("heal", { nodes: ["t1", "d1"], links: LINKS });
    try {
      const d = await startTincd(lab, "d1", { peers: [{ id: "t1", connect: true }] });
      const t = await startTincture(lab, "t1", { sites: [{ id: "d1", connect: true }] });
      await assertReachable(lab, "t1", "d1");

      await d.restart();
      await assertReachable(lab, "t1", "d1", 30000);
      await assertPings(lab, "d1", "t1");

      await t.restart();
      await assertReachable(lab, "d1", "t1", 30000);
      await assertPings(lab, "t1", "d1");
    } finally {
      await lab.destroy();
    }
  },
});

Deno.test({
  name: "tincture kill -9 then restart: no stale interface or route, the mesh heals",
  ignore,
  async fn() {
    const lab = await Lab.create("k9", { nodes: ["t1", "d1"], links: LINKS });
    try {
      await startTincd(lab, "d1", { peers: [{ id: "t1", connect: true }] });
      const t = await startTincture(lab, "t1", { sites: [{ id: "d1", connect: true }] });
      await assertReachable(lab, "t1", "d1");
      await t.proc.kill9();
      await sleep(300);
      const links = await lab.exec("t1", ["ip", "-o", "link", "show"]);
      assert.doesNotMatch(links.stdout, /vpn0/, "the tun outlived the process");
      const routes = await lab.exec("t1", ["ip", "route", "show"]);
      assert.doesNotMatch(routes.stdout, /10\.77\./, "a route outlived the process");
      t.start();
      await assertReachable(lab, "t1", "d1", 30000);
      await assertPings(lab, "d1", "t1");
    } finally {
      await lab.destroy();
    }
  },
});

// tinc-transform against tincd's Cipher/Digest/MACLength/Compression (what each side must
// use when sending to the other): cipher NID, digest NID as ANS_KEY carries them.
const TRANSFORM_CASES: [string, string[], string, string][] = [
  [
    "aes-128-cbc + sha1, MAC 10",
    ["Cipher = aes-128-cbc", "Digest = sha1", "MACLength = 10"],
    'tinc-transform { cipher "aes-128-cbc"; digest "sha1"; mac-length 10; }',
    "419 64 10 0",
  ],
  [
    "zlib compression 9",
    ["Compression = 9"],
    'tinc-transform { cipher "aes-256-cbc"; digest "sha256"; mac-length 4; compression 9; }',
    "427 672 4 9",
  ],
  [
    "LZO compression 11",
    ["Compression = 11"],
    'tinc-transform { cipher "aes-256-cbc"; digest "sha256"; mac-length 4; compression 11; }',
    "427 672 4 11",
  ],
];

for (const [label, tincLines, transform, keyParams] of TRANSFORM_CASES) {
  Deno.test({
    name: `tincture <-> tincd with ${label}: keys carry it, pings both ways`,
    ignore,
    async fn() {
      const lab = await Lab.create("xf", { nodes: ["t1", "d1"], links: LINKS });
      try {
        const d = await startTincd(lab, "d1", { peers: [{ id: "t1" }], extra: tincLines });
        await startTincture(lab, "t1", { sites: [{ id: "d1", connect: true }], transform });
        await assertReachable(lab, "t1", "d1");
        await assertPings(lab, "t1", "d1", { size: 1000 });
        await assertPings(lab, "d1", "t1", { size: 1000 });
        const log = Deno.readTextFileSync(d.log);
        // what tincd asks of us, and what we ask of tincd
        assert.match(log, new RegExp(`Sending ANS_KEY to t1 .*: 16 d1 t1 [0-9A-F]+ ${keyParams}`));
        assert.match(log, new RegExp(`Got ANS_KEY from t1 .*: 16 t1 d1 [0-9A-F]+ ${keyParams}`));
      } finally {
        await lab.destroy();
      }
    },
  });
}
