import assert from "node:assert/strict";
import { REPLAY_FAR_FUTURE, REPLAY_LATE, REPLAY_OK, ReplayWindow } from "../../lib/tinc/replay.ts";

const OK = REPLAY_OK, LATE = REPLAY_LATE, FAR = REPLAY_FAR_FUTURE;

// Each row: window bytes, seqnos fed in order, expected verdicts, expected final `received`.
const table: [string, number, number[], number[], number][] = [
  ["in order", 16, [1, 2, 3], [OK, OK, OK], 3],
  ["duplicate", 16, [1, 2, 2], [OK, OK, LATE], 2],
  ["gap then late fill", 16, [1, 5, 3, 4, 2], [OK, OK, OK, OK, OK], 5],
  ["late fill twice", 16, [1, 5, 3, 3], [OK, OK, OK, LATE], 5],
  ["old seqno without late bit", 16, [5, 1], [OK, OK], 5], // from 0: 1..4 were skipped
  ["gap of 126 is not far future", 16, [127, 1], [OK, OK], 127],
  ["gap of 127 is far future", 16, [128], [FAR], 0],
  ["too old", 16, [1, 100, 200, 72], [OK, OK, OK, LATE], 200],
  [
    "exactly a window behind is too old",
    16,
    [100, 120, 240, 112, 113],
    [OK, OK, OK, LATE, OK],
    240,
  ],
  ["far future: W/4 drops then accept", 16, [1, 200, 201, 202, 203, 204], [
    OK,
    FAR,
    FAR,
    FAR,
    FAR,
    OK,
  ], 204],
  [
    "accepted far future clears late bits",
    16,
    [1, 3, 300, 300, 300, 300, 300, 258],
    [OK, OK, FAR, FAR, FAR, FAR, OK, LATE],
    300,
  ],
  [
    "an accepted packet resets the far-future count",
    16,
    [1, 200, 2, 201, 202, 203, 204, 205],
    [OK, FAR, OK, FAR, FAR, FAR, FAR, OK],
    205,
  ],
  ["small window: 1 drop then accept", 4, [1, 40, 41], [OK, FAR, OK], 41],
  ["window 0 disables checks", 0, [5, 5, 1, 1000000], [OK, OK, OK, OK], 1000000],
  ["seqno 0 after start is late", 16, [1, 0], [OK, LATE], 1],
];

Deno.test("replay window: tincd rules, table-driven", () => {
  for (const [name, bytes, seqs, want, received] of table) {
    const w = new ReplayWindow(bytes);
    const got = seqs.map((s) => w.check(s));
    assert.deepEqual(got, want, name);
    assert.equal(w.received, received, name);
  }
});

Deno.test("replay window: every seqno inside the window is accepted once, in any order", () => {
  const w = new ReplayWindow(16);
  assert.equal(w.check(1), OK);
  assert.equal(w.check(120), OK);
  const order = Array.from({ length: 118 }, (_, i) => i + 2).sort((a, b) =>
    (a * 37) % 101 - (b * 37) % 101
  );
  for (const s of order) assert.equal(w.check(s), OK, `first ${s}`);
  for (const s of order) assert.equal(w.check(s), LATE, `again ${s}`);
  w.reset();
  assert.equal(w.received, 0);
  assert.equal(w.check(1), OK);
});

Deno.test("replay window: lost count on an accepted far-future jump", () => {
  const w = new ReplayWindow(16);
  w.check(10);
  for (let i = 0; i < 4; i++) w.check(1000);
  assert.equal(w.check(1000), OK);
  assert.equal(w.lost, 989);
});
