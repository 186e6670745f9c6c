import assert from "node:assert/strict";
import {
  idleV8Workers,
  policyOf,
  SCHED_IDLE,
  SCHED_OTHER,
  setPolicy,
  threadsNamed,
} from "../../lib/runtime/threads.ts";

Deno.test("threads: V8's background threads go to SCHED_IDLE, the others stay", () => {
  const v8 = threadsNamed("V8 ");
  assert.ok(v8.length >= 1, "Deno runs V8 worker threads");
  const self = Number(Deno.readLinkSync("/proc/thread-self").split("/").pop());
  assert.equal(policyOf(self), SCHED_OTHER);
  try {
    assert.equal(idleV8Workers(), v8.length);
    for (const tid of v8) assert.equal(policyOf(tid), SCHED_IDLE, `thread ${tid}`);
    assert.equal(policyOf(self), SCHED_OTHER, "the calling thread is untouched");
  } finally {
    // Give this test process its compilers back.
    for (const tid of v8) setPolicy(tid, SCHED_OTHER);
  }
  for (const tid of v8) assert.equal(policyOf(tid), SCHED_OTHER);
});

Deno.test("threads: a thread that does not exist is refused, not thrown", () => {
  assert.equal(setPolicy(0x3fffffff, SCHED_IDLE), false);
  assert.equal(policyOf(0x3fffffff), -1);
});
