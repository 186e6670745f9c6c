import assert from "node:assert/strict";
import { PastRequests } from "../../lib/tinc/past_requests.ts";

Deno.test("past requests: exact lines, first time false, then true", () => {
  const p = new PastRequests();
  assert.equal(p.seen("10 1 a 1.2.3.4/32#10", 0), false);
  assert.equal(p.seen("10 1 a 1.2.3.4/32#10", 1), true);
  assert.equal(p.seen("10 2 a 1.2.3.4/32#10", 1), false); // another nonce is another line
  assert.equal(p.seen("10 1 a 1.2.3.4/32#10 ", 1), false); // byte-exact
});

Deno.test("past requests: entries expire when firstseen + maxAge <= now", () => {
  const p = new PastRequests();
  p.seen("a", 1000);
  p.seen("b", 30_000);
  assert.equal(p.age(60_999, 60_000), 0);
  assert.equal(p.age(61_000, 60_000), 1);
  assert.equal(p.seen("a", 61_000), false);
  assert.equal(p.seen("b", 61_000), true);
});

Deno.test("past requests: bounded, the oldest go first", () => {
  const p = new PastRequests(3);
  for (const l of ["a", "b", "c", "d"]) p.seen(l, 0);
  assert.equal(p.size, 3);
  assert.equal(p.seen("d", 0), true);
  assert.equal(p.seen("a", 0), false);
});
