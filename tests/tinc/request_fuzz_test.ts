// Property: malformed meta input from a peer never throws out of the engine, and never makes
// a handler throw (which the engine would log as "Error while processing data"). A few
// thousand inputs by default; TINCTURE_FUZZ=N runs N generated request lines.
import assert from "node:assert/strict";
import fc from "fast-check";
import { activePeer, Harness, type Peer } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";
import { hexToBytes, scan, scanRequestNumber } from "../../lib/tinc/scan.ts";
import { checkId } from "../../lib/tinc/names.ts";
import { parseSubnet } from "../../lib/tinc/subnet.ts";
import { edgeAddress } from "../../lib/tinc/address.ts";

const RUNS = Number(Deno.env.get("TINCTURE_FUZZ") ?? "2000");
// Whole-engine runs redo an RSA handshake after every drop: they are capped, and the parser
// layer below them (scan formats and field checks) takes the full RUNS.
const ENGINE_RUNS = Math.min(RUNS, 20_000);

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const OTHERS: NodeSpec[] = [
  { name: "beta", ip: "192.168.77.2" },
  { name: "gamma", ip: "192.168.77.3" },
];

const field = fc.oneof(
  fc.constantFrom("alpha", "beta", "gamma", "delta", "a-b", "", "_", "x".repeat(2100)),
  fc.constantFrom(
    "10.0.0.0/8",
    "10.1.2.3#5",
    "fe:fd:0:0:0:1#10",
    "::/0",
    "1.2.3.4/33",
    "fd00::1/129",
  ),
  fc.constantFrom("192.168.1.1", "::1", "host.name", "655", "0", "-1", "65536", "c", "ffffffff"),
  fc.constantFrom("427", "672", "429", "0", "4", "12", "99999999999999999999"),
  fc.string({ unit: fc.constantFrom(..."0123456789ABCDEFabcdef"), maxLength: 120 }),
  fc.integer().map(String),
  fc.string({ maxLength: 20 }),
);

const line = fc.oneof(
  {
    weight: 4,
    arbitrary: fc.tuple(fc.integer({ min: -2, max: 20 }), fc.array(field, { maxLength: 11 }))
      .map(([n, f]) => [String(n), ...f].join(" ")),
  },
  { weight: 1, arbitrary: fc.string({ maxLength: 200 }) },
  {
    weight: 1,
    arbitrary: fc.uint8Array({ maxLength: 300 }).map((b) =>
      String.fromCharCode(...b.filter((x) => x !== 10))
    ),
  },
);

function session(): { h: Harness; p: Peer } {
  const h = new Harness(ALPHA, OTHERS);
  h.start();
  return { h, p: activePeer(h, "beta", "192.168.77.2") };
}

Deno.test(`request fuzz: ${ENGINE_RUNS} generated lines on an active connection never throw`, () => {
  const s = session();
  fc.assert(
    fc.property(fc.array(line, { minLength: 1, maxLength: 5 }), (lines) => {
      // A dropped peer reconnects to the same engine (whose state keeps growing).
      // (One reconnect per fake second stays below the accept-burst limit.)
      if (s.p.closed) {
        s.h.now += 1000;
        s.p = activePeer(s.h, "beta", "192.168.77.2");
      }
      for (const l of lines) {
        s.p.send(l);
        if (s.p.closed) break;
      }
      s.p.lines.length = 0; // keep memory flat over long runs
      const fresh = s.h.log.lines.splice(0);
      assert.ok(!fresh.some((l) => /Error while processing data/.test(l)), fresh.join("\n"));
    }),
    { numRuns: ENGINE_RUNS },
  );
});

// Every scanf format the request handlers use (src/protocol_*.c), with the field checks
// that follow them.
const FORMATS = [
  "%d",
  "%*d %s %d",
  "%*d %d %d %d %d %s",
  "%*d %s",
  "%*d %s %d %x",
  "%*d %*x %s %s",
  "%*d %*x %s %s %s %s %x %d",
  "%*d %*x %s",
  "%*d %s %s",
  "%*d %s %s %s %d %d %d %d %s %s",
  "%*d %hu",
];

Deno.test(`request fuzz: ${RUNS} generated lines through every request format never throw`, () => {
  fc.assert(
    fc.property(line, (l) => {
      scanRequestNumber(l);
      for (const f of FORMATS) {
        for (const v of scan(l, f)) {
          if (typeof v !== "string") continue;
          checkId(v);
          parseSubnet(v);
          edgeAddress(v, v);
          hexToBytes(v, v.length >> 1);
        }
      }
    }),
    { numRuns: RUNS },
  );
});

Deno.test("request fuzz: raw bytes before authentication never throw", () => {
  fc.assert(
    fc.property(
      fc.uint8Array({ maxLength: 3000 }),
      fc.integer({ min: 1, max: 500 }),
      (bytes, chunk) => {
        const h = new Harness(ALPHA, OTHERS);
        h.start();
        const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
        for (let i = 0; i < bytes.length && !p.closed; i += chunk) {
          h.engine.onMetaData(p.conn, bytes.subarray(i, i + chunk), h.now);
        }
        assert.ok(!h.log.has(/Error while processing data/), h.log.lines.slice(-5).join("\n"));
      },
    ),
    { numRuns: Math.max(50, Math.floor(ENGINE_RUNS / 20)) },
  );
});

Deno.test("request fuzz: random UDP datagrams never throw and never reach the device", () => {
  const s = session();
  fc.assert(
    fc.property(fc.uint8Array({ maxLength: 1700 }), (d) => {
      s.h.engine.onUdp(d, 0, d.length, s.p.address, s.h.now);
    }),
    { numRuns: Math.max(100, Math.floor(ENGINE_RUNS / 5)) },
  );
  assert.equal(s.h.tun.length, 0);
});
