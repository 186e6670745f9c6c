import assert from "node:assert/strict";
import { compareEdgesByWeight, Edge } from "../../lib/tinc/edge.ts";
import { Node } from "../../lib/tinc/node.ts";
import { edgeAddress } from "../../lib/tinc/address.ts";

Deno.test("edge_weight_tree order: weight, then from name, then to name", () => {
  const [a, b, c] = ["a", "b", "c"].map((n) => new Node(n)) as [Node, Node, Node];
  const addr = edgeAddress("1.1.1.1", "655");
  const edges = [
    new Edge(b, c, addr, 0, 5),
    new Edge(a, c, addr, 0, 5),
    new Edge(a, b, addr, 0, 5),
    new Edge(c, a, addr, 0, 1),
  ];
  edges.sort(compareEdgesByWeight);
  assert.deepEqual(edges.map((e) => e.from.name + e.to.name), ["ca", "ab", "ac", "bc"]);
});
