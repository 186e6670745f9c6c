import assert from "node:assert/strict";
import { formatDump } from "../../lib/runtime/dump.ts";

Deno.test("formatDump: tincd-style sections from an EngineState, plus counters", () => {
  const text = formatDump({
    name: "a",
    nodes: [{
      name: "b",
      reachable: true,
      nexthop: "b",
      via: "b",
      distance: 1,
      options: 12,
      address: "192.0.2.2:655",
      validKey: true,
    }],
    edges: [{ from: "a", to: "b", address: "192.0.2.2", port: "655", options: 12, weight: 40 }],
    subnets: [{ owner: "b", subnet: "10.2.0.0/16" }],
    connections: [{
      id: 1,
      name: "b",
      address: "192.0.2.2:655",
      outgoing: true,
      active: true,
      options: 12,
    }],
  }, { udpSent: 3 });
  const lines = text.split("\n");
  assert.deepEqual(lines, [
    "Nodes:",
    " b at 192.0.2.2:655 options 000c reachable nexthop b via b distance 1 key valid",
    "End of nodes.",
    "Edges:",
    " a to b at 192.0.2.2 port 655 options 000c weight 40",
    "End of edges.",
    "Subnet list:",
    " 10.2.0.0/16 owner b",
    "End of subnet list.",
    "Connections:",
    " b at 192.0.2.2:655 id 1 options 000c outgoing active",
    "End of connections.",
    "Data plane: udpSent 3",
  ]);
});

Deno.test("formatDump: anything else is shown as JSON (bigints as strings)", () => {
  assert.equal(formatDump({ x: 1n }, {}), 'State: {"x":"1"}\nData plane: ');
});
