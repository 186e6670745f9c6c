import assert from "node:assert/strict";
import { hasHandler, LAST_REQUEST, Request, requestName } from "../../lib/tinc/request.ts";

Deno.test("request numbers 0..17 as in src/protocol.h", () => {
  assert.equal(Request.ID, 0);
  assert.equal(Request.ACK, 4);
  assert.equal(Request.PING, 8);
  assert.equal(Request.ADD_EDGE, 12);
  assert.equal(Request.ANS_KEY, 16);
  assert.equal(Request.PACKET, 17);
  assert.equal(LAST_REQUEST, 18);
  assert.equal(requestName(15), "REQ_KEY");
  assert.equal(requestName(18), "UNKNOWN");
});

Deno.test("STATUS, ERROR and TERMREQ have no handler in 1.0.36", () => {
  const without = [];
  for (let i = -1; i <= LAST_REQUEST; i++) if (!hasHandler(i)) without.push(i);
  assert.deepEqual(without, [-1, 5, 6, 7, 18]);
});
