import assert from "node:assert/strict";
import { Graph, OPTION_INDIRECT } from "../../lib/tinc/graph.ts";
import { Node } from "../../lib/tinc/node.ts";
import { Edge } from "../../lib/tinc/edge.ts";
import { edgeAddress } from "../../lib/tinc/address.ts";
import { MetaConnection } from "../../lib/tinc/meta_connection.ts";

function graph(links: [string, string, number?, number?][], oneWay: [string, string][] = []) {
  const g = new Graph("a");
  const node = (n: string) => {
    let x = g.lookupNode(n);
    if (!x) {
      x = new Node(n);
      g.addNode(x);
    }
    return x;
  };
  let ip = 1;
  const add = (f: string, t: string, w = 1, opts = 0) =>
    g.addEdge(new Edge(node(f), node(t), edgeAddress(`10.0.0.${ip++}`, "655"), opts, w));
  for (const [f, t, w, opts] of links) {
    add(f, t, w, opts);
    add(t, f, w, 0);
  }
  for (const [f, t] of oneWay) add(f, t);
  return { g, n: (x: string) => g.lookupNode(x)! };
}

Deno.test("sssp_bfs: edges without a reverse are skipped", () => {
  const { g, n } = graph([["a", "b"]], [["b", "c"], ["a", "d"]]);
  const flipped = g.sssp();
  assert.deepEqual(flipped.map((x) => x.name), ["b"]);
  assert.equal(n("c").reachable, false);
  assert.equal(n("d").reachable, false);
});

Deno.test("sssp_bfs: hop count, not weight; ties broken by name order", () => {
  // a-b-d and a-c-d, plus a heavy direct... weights are ignored.
  const { g, n } = graph([["a", "c", 1], ["a", "b", 100], ["b", "d", 100], ["c", "d", 1]]);
  g.sssp();
  assert.equal(n("d").nexthop!.name, "b"); // b is visited before c
  assert.equal(n("d").distance, 2);
  assert.equal(n("d").prevedge!.from.name, "b");
  assert.equal(n("c").nexthop!.name, "c");
});

Deno.test("sssp_bfs: INDIRECT edges route through the previous node (via)", () => {
  const { g, n } = graph([["a", "b"], ["b", "c", 1, OPTION_INDIRECT]]);
  g.sssp();
  assert.equal(n("c").via!.name, "b");
  assert.equal(n("c").nexthop!.name, "b");
  assert.equal(n("b").via!.name, "b");
  assert.equal(n("c").options, OPTION_INDIRECT);
});

Deno.test("sssp_bfs: a node first reached indirectly is revisited through a direct path", () => {
  const { g, n } = graph([["a", "b"], ["a", "d"], ["b", "c", 1, OPTION_INDIRECT], ["d", "c"]]);
  g.sssp();
  const c = n("c");
  assert.equal(c.via!.name, "c"); // direct through d
  assert.equal(c.prevedge!.from.name, "d");
  assert.equal(c.nexthop!.name, "b"); // nexthop is fixed at the first visit
});

Deno.test("sssp_bfs: UDP address from the edge when unset; cleared when unreachable", () => {
  const { g, n } = graph([["a", "b"]]);
  g.sssp();
  assert.equal(n("b").udpAddress!.key, "10.0.0.1:655");
  n("b").validKey = true;
  g.delEdge(g.lookupEdge(n("b"), n("a"))!);
  const flipped = g.sssp();
  assert.deepEqual(flipped.map((x) => x.name), ["b"]);
  assert.equal(n("b").reachable, false);
  assert.equal(n("b").udpAddress, null);
  assert.equal(n("b").validKey, false);
  assert.equal(n("b").options, 0);
});

Deno.test("mst_kruskal: lightest spanning tree marks connections; deterministic", () => {
  const { g, n } = graph([["a", "b", 1], ["b", "c", 2], ["a", "c", 3]]);
  g.sssp();
  const cb = new MetaConnection(1, true, null, 0, () => {});
  const cc = new MetaConnection(2, true, null, 0, () => {});
  g.lookupEdge(n("a"), n("b"))!.connection = cb;
  g.lookupEdge(n("a"), n("c"))!.connection = cc;
  g.mst([cb, cc]);
  assert.equal(cb.mst, true);
  assert.equal(cc.mst, false);
  // Make a-c the light one: now it is in the tree and b-c/a-b decide the rest.
  const ac = g.lookupEdge(n("a"), n("c"))!;
  g.delEdge(ac);
  g.delEdge(g.lookupEdge(n("c"), n("a"))!);
  const e1 = new Edge(n("a"), n("c"), ac.address, 0, 0);
  e1.connection = cc;
  g.addEdge(e1);
  g.addEdge(new Edge(n("c"), n("a"), ac.address, 0, 0));
  g.mst([cb, cc]);
  assert.equal(cc.mst, true);
  assert.equal(cb.mst, true); // a-b (1) still joins b
});

Deno.test("graph: edge_add links reverses; edge_del unlinks; delNode removes its edges", () => {
  const { g, n } = graph([["a", "b"]]);
  const ab = g.lookupEdge(n("a"), n("b"))!;
  assert.equal(ab.reverse, g.lookupEdge(n("b"), n("a")));
  g.delEdge(ab.reverse!);
  assert.equal(ab.reverse, null);
  g.delNode(n("b"));
  assert.equal(g.lookupNode("b"), undefined);
  assert.equal(g.edgeCount, 1); // a→b stays with a
  assert.deepEqual(g.sortedNodes().map((x) => x.name), ["a"]);
});
