import assert from "node:assert/strict";
import { Node } from "../../lib/tinc/node.ts";

Deno.test("a new node is unreachable, keyless, without address or connection", () => {
  const n = new Node("beta");
  assert.equal(n.name, "beta");
  assert.equal(n.reachable, false);
  assert.equal(n.validKey, false);
  assert.equal(n.udpAddress, null);
  assert.equal(n.connection, null);
  assert.equal(n.channel, null);
  assert.equal(n.edges.size, 0);
});
