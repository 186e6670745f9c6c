import assert from "node:assert/strict";
import {
  MTU,
  PMTU_FIXED,
  PMTU_INCREASE,
  PMTU_NO_RESPONSE,
  PMTU_RESTART,
  PMTU_STOPPED,
  PmtuState,
  type ProbeContext,
} from "../../lib/tinc/pmtu.ts";

/**
 * A fake peer behind a path that carries frames up to `limit` bytes and answers them; larger
 * sends fail locally with EMSGSIZE (IP_PMTUDISC_DO), as on a real link.
 */
function harness(limit: () => number, answers = true) {
  const p = new PmtuState();
  const sent: number[] = [];
  const events: [number, number][] = [];
  let seed = 7;
  const ctx: ProbeContext = {
    usable: true,
    pingInterval: 60,
    pingTimeout: 5,
    random() {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return seed / 2 ** 32;
    },
    sendProbe(len) {
      sent.push(len);
      if (len > limit()) p.onEmsgsize(len);
      else if (answers) p.onReply(len);
    },
  };
  const run = (now: number) => {
    if (p.due(now)) {
      p.tick(now, ctx);
      if (p.event) events.push([now, p.event]);
    }
  };
  return { p, ctx, sent, events, run };
}

Deno.test("PMTU: discovery converges to the path limit with 1 s bursts of 3 probes", () => {
  const h = harness(() => 1451);
  h.p.start(0, h.ctx);
  assert.equal(h.sent.length, 3);
  assert.equal(h.p.timer, 1000);
  for (let t = 0; t <= 40_000; t += 100) h.run(t);
  const fixed = h.events.find((e) => e[1] === PMTU_FIXED);
  assert.ok(fixed, "fixed");
  assert.ok(fixed[0] <= 29_000, `fixed at ${fixed[0]}`);
  assert.equal(h.p.mtu, 1451);
  assert.equal(h.p.minmtu, 1451);
  assert.equal(h.p.maxmtu, 1451);
  assert.equal(h.p.probes, 31);
  // steady state: sleeps PingInterval from the fix
  assert.equal(h.p.timer, fixed[0] + 60_000);
  // every probe length lies in [64, 1518]
  assert.ok(h.sent.every((l) => l >= 64 && l <= MTU));
});

Deno.test("PMTU: steady state probes maxmtu+8 and detects an increase", () => {
  let limit = 1451;
  const h = harness(() => limit);
  h.p.start(0, h.ctx);
  for (let t = 0; t <= 30_000; t += 100) h.run(t);
  const fixedAt = h.p.timer - 60_000;
  h.sent.length = 0;
  h.run(h.p.timer); // probes 32: one burst with maxmtu + 8, then PingTimeout
  assert.equal(h.sent[0], 1459);
  assert.equal(h.sent.length, 4);
  assert.equal(h.p.probes, 30, "replies keep the steady state");
  h.run(h.p.timer);
  assert.equal(h.p.probes, 31);
  assert.equal(h.p.timer, fixedAt + 60_000 + 5_000 + 60_000);
  // the path grows: the +8 probe comes back → rediscovery from burst 10
  limit = 1500;
  h.sent.length = 0;
  h.run(h.p.timer);
  assert.ok(h.events.some((e) => e[1] === PMTU_INCREASE) || h.p.maxmtu === MTU);
  const from = h.p.timer;
  for (let t = from; t <= from + 40_000; t += 100) h.run(t);
  assert.equal(h.p.mtu, 1500);
});

Deno.test("PMTU: no response after 9 bursts, then steady state every PingInterval", () => {
  const h = harness(() => 2000, false);
  h.p.start(0, h.ctx);
  for (let t = 0; t <= 200_000; t += 500) h.run(t);
  assert.deepEqual(h.events[0], [9_000, PMTU_NO_RESPONSE]);
  assert.equal(h.p.minmtu, 0);
  assert.equal(h.sent.length >= 27, true);
  // 9 bursts of 3 in discovery; afterwards one burst per PingInterval + PingTimeout
  const bursts = h.sent.length;
  const later = harness(() => 2000, false);
  later.p.start(0, later.ctx);
  for (let t = 0; t <= 9_000; t += 500) later.run(t);
  assert.equal(later.sent.length, 27);
  assert.ok(bursts > 27);
});

Deno.test("PMTU: lost replies in steady state restart discovery; unusable stops it", () => {
  let answering = true;
  const h = harness(() => 1400, true);
  const reply = h.p.onReply.bind(h.p);
  h.p.onReply = (len) => answering && reply(len);
  h.p.start(0, h.ctx);
  for (let t = 0; t <= 31_000; t += 100) h.run(t);
  assert.equal(h.p.mtu, 1400);
  answering = false;
  h.run(h.p.timer); // 32: burst, sleep PingTimeout
  h.run(h.p.timer); // 33: no answer → restart
  assert.ok(h.events.some((e) => e[1] === PMTU_RESTART));
  assert.equal(h.p.minmtu, 0);
  assert.equal(h.p.probes, 1);
  const stopped = harness(() => 1400);
  (stopped.ctx as { usable: boolean }).usable = false;
  stopped.p.start(0, stopped.ctx);
  assert.equal(stopped.p.event, PMTU_STOPPED);
  assert.equal(stopped.p.timer, -1);
  assert.equal(stopped.sent.length, 0);
});

Deno.test("PMTU: EMSGSIZE lowers maxmtu and mtu; reset forgets discovery", () => {
  const p = new PmtuState(1518);
  p.onEmsgsize(1460);
  assert.equal(p.maxmtu, 1459);
  assert.equal(p.mtu, 1459);
  p.onEmsgsize(1500);
  assert.equal(p.maxmtu, 1459);
  p.minmtu = 1000;
  p.timer = 5;
  p.reset();
  assert.equal(p.minmtu, 0);
  assert.equal(p.maxmtu, MTU);
  assert.equal(p.timer, -1);
  assert.equal(new PmtuState(1400).mtu, 1400);
});
