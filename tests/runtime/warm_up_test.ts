import assert from "node:assert/strict";
import { WarmUp } from "../../lib/runtime/warm_up.ts";
import { createEngine } from "../../lib/runtime/engine_factory.ts";
import { monotonicClock } from "../../ffi/libc.ts";
import { engineConfig } from "../tinc/_mesh.ts";
import { fdNames, socketsStillOpen } from "../support/descriptors.ts";

function config() {
  return engineConfig(
    { name: "alpha", ip: "192.0.2.1", subnets: ["10.1.0.0/24"], connectTo: ["beta"] },
    [{ name: "alpha", ip: "192.0.2.1" }, { name: "beta", ip: "192.0.2.2" }],
  );
}

Deno.test("warm-up: pings cross two throwaway engines over loopback, then everything is closed", () => {
  const clock = monotonicClock();
  const warm = new WarmUp(createEngine, config(), clock, 6, { busyPoll: 0.5 });
  const mine = fdNames(warm.descriptors());
  assert.equal(mine.filter((id) => id.startsWith("socket:")).length, 8, mine.join(" "));
  let slices = 0, slept = 0;
  for (;;) {
    const wait = warm.step(1);
    if (wait < 0) break;
    slices++;
    if (wait > 0) {
      slept++;
      assert.ok(wait <= 2, `sleeps at most the pacing gap, asked ${wait} ms`);
    }
  }
  const r = warm.close();
  assert.ok(r.finished, `finished (${r.roundTrips} round trips in ${r.ms} ms)`);
  assert.ok(r.roundTrips >= 550);
  assert.equal(r.refused, 1, "one send refused inside A's engine (#refusal)");
  assert.ok(r.busyPolls > 0, "the real loop's busy-poll limit reached the throwaway loops");
  assert.ok(slices > 10, "worked in slices");
  assert.ok(slept > 0, "the paced phase lets the real loop sleep");
  assert.deepEqual(socketsStillOpen(mine), [], "no socket left behind");
  assert.equal(warm.step(), -1, "a closed warm-up does nothing");
});

Deno.test("warm-up: one that cannot complete (a broken key) gives up at its time cap and leaks nothing", () => {
  const bad = { ...config(), privateKey: { ...config().privateKey, n: 0n } };
  // A broken key cannot complete the handshake: the warm-up gives up at its time cap.
  const warm = new WarmUp(createEngine, bad, monotonicClock(), 4);
  const mine = fdNames(warm.descriptors());
  const clock = monotonicClock();
  while (warm.step(5) >= 0 && clock() < 4000) { /* until the cap */ }
  assert.ok(clock() < 4000, "step() said it was over by itself");
  const r = warm.close();
  assert.equal(r.finished, false);
  assert.equal(r.roundTrips, 0);
  assert.equal(r.busyPolls, 0, "busy-poll is off by default");
  assert.deepEqual(socketsStillOpen(mine), []);
});

Deno.test("warm-up: a refused send not done 1.5 s after the start is given up; the warm-up finishes", () => {
  // Pings go by TCP until path MTU discovery answers; when that takes past 1.5 s (a lost
  // first probe burst), the warm-up goes on without the refusal. Here the clock jumps.
  const real = monotonicClock();
  let skew = 0;
  const warm = new WarmUp(createEngine, config(), () => real() + skew, 4);
  const mine = fdNames(warm.descriptors());
  skew = 1600;
  while (warm.step(5) >= 0) { /* to the end */ }
  const r = warm.close();
  assert.ok(r.finished, `finished (${r.roundTrips} round trips in ${r.ms} ms)`);
  assert.equal(r.refused, 0, "given up at the first chance");
  assert.ok(r.roundTrips < 600, `pacing not drawn out waiting for it (${r.roundTrips})`);
  assert.deepEqual(socketsStillOpen(mine), []);
});
