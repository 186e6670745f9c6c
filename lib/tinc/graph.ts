/**
 * The mesh graph: nodes, directed edges, and the two algorithms of 1.0.36 src/graph.c:
 * sssp_bfs (hop-count BFS from ourselves, edges without a reverse skipped; sets nexthop,
 * via, prevedge, options and reachability) and mst_kruskal (broadcast tree over the edge
 * weight order). Side effects of reachability changes are left to the caller.
 *
 * @module
 */
import { Node } from "./node.ts";
import { compareEdgesByWeight, Edge } from "./edge.ts";
import type { SockAddr } from "./types.ts";
import type { MetaConnection } from "./meta_connection.ts";

export const OPTION_INDIRECT = 0x1;
export const OPTION_TCPONLY = 0x2;
export const OPTION_PMTU_DISCOVERY = 0x4;
export const OPTION_CLAMP_MSS = 0x8;

function byName(a: Node, b: Node): number {
  return a.name < b.name ? -1 : a.name > b.name ? 1 : 0;
}

export class Graph {
  readonly nodes = new Map<string, Node>();
  readonly myself: Node;
  /** All edges in edge_weight_tree order. */
  readonly edgesByWeight: Edge[] = [];
  #sorted: Node[] | null = null;

  /**
   * @param updateUdp called whenever a node's UDP address changes (tinc's update_node_udp),
   *   so the caller can keep its address index.
   */
  constructor(
    myName: string,
    readonly updateUdp: (n: Node, addr: SockAddr | null) => void = (n, a) => {
      n.udpAddress = a;
    },
  ) {
    this.myself = new Node(myName);
    this.myself.reachable = true;
    this.myself.nexthop = this.myself;
    this.myself.via = this.myself;
    this.myself.distance = 0;
    this.addNode(this.myself);
  }

  lookupNode(name: string): Node | undefined {
    return this.nodes.get(name);
  }

  addNode(n: Node): void {
    this.nodes.set(n.name, n);
    this.#sorted = null;
  }

  /** node_del: removes the node and its edges. */
  delNode(n: Node): void {
    for (const e of [...n.edges.values()]) this.delEdge(e);
    this.nodes.delete(n.name);
    this.#sorted = null;
  }

  /** Nodes in node_tree (name) order. */
  sortedNodes(): Node[] {
    if (!this.#sorted) this.#sorted = [...this.nodes.values()].sort(byName);
    return this.#sorted;
  }

  lookupEdge(from: Node, to: Node): Edge | undefined {
    return from.edges.get(to.name);
  }

  /** edge_add: links the reverse edge if present. */
  addEdge(e: Edge): void {
    e.from.edges.set(e.to.name, e);
    const list = this.edgesByWeight;
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareEdgesByWeight(list[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    list.splice(lo, 0, e);
    const rev = this.lookupEdge(e.to, e.from);
    if (rev) {
      e.reverse = rev;
      rev.reverse = e;
    }
  }

  /** edge_del: unlinks the reverse. */
  delEdge(e: Edge): void {
    if (e.reverse) e.reverse.reverse = null;
    e.reverse = null;
    if (e.from.edges.get(e.to.name) === e) e.from.edges.delete(e.to.name);
    const i = this.edgesByWeight.indexOf(e);
    if (i >= 0) this.edgesByWeight.splice(i, 1);
  }

  get edgeCount(): number {
    return this.edgesByWeight.length;
  }

  /**
   * sssp_bfs. Returns the nodes whose reachability flipped, in name order, after applying
   * what graph.c does to them itself (validKey/lastReqKey cleared; on becoming unreachable
   * the UDP address and options are cleared).
   */
  sssp(): Node[] {
    const me = this.myself;
    const nodes = this.sortedNodes();
    for (const n of nodes) {
      n.visited = false;
      n.indirect = true;
    }
    me.visited = true;
    me.indirect = false;
    me.nexthop = me;
    me.prevedge = null;
    me.via = me;
    me.distance = 0;
    const todo: Node[] = [me];
    for (let qi = 0; qi < todo.length; qi++) {
      const n = todo[qi]!;
      const edges = [...n.edges.values()].sort((a, b) => byName(a.to, b.to));
      for (const e of edges) {
        if (!e.reverse) continue;
        const indirect = n.indirect || (e.options & OPTION_INDIRECT) !== 0;
        const to = e.to;
        if (to.visited && (!to.indirect || indirect)) continue;
        // nexthop and distance only on first visit.
        if (!to.visited) {
          to.nexthop = n.nexthop === me ? to : n.nexthop;
          to.distance = n.distance + 1;
        }
        to.visited = true;
        to.indirect = indirect;
        to.prevedge = e;
        to.via = indirect ? n.via : to;
        to.options = e.options;
        if (to.udpAddress === null && e.address.sock !== null) this.updateUdp(to, e.address.sock);
        todo.push(to);
      }
    }
    const flipped: Node[] = [];
    for (const n of nodes) {
      if (n.visited === n.reachable) continue;
      n.reachable = !n.reachable;
      n.validKey = false;
      n.lastReqKey = 0;
      if (!n.reachable) {
        this.updateUdp(n, null);
        n.options = 0;
        n.distance = -1;
        n.nexthop = null;
        n.via = null;
        n.prevedge = null;
      }
      flipped.push(n);
    }
    return flipped;
  }

  /** mst_kruskal: marks the connections whose edge (or its reverse) is in the broadcast tree. */
  mst(connections: Iterable<MetaConnection>): void {
    for (const c of connections) c.mst = false;
    const list = this.edgesByWeight;
    if (list.length === 0) return;
    for (const n of this.nodes.values()) n.visited = false;
    for (const e of list) {
      if (e.from.reachable) {
        e.from.visited = true;
        break;
      }
    }
    let skipped = false;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (!e.reverse || e.from.visited === e.to.visited) {
        skipped = true;
        continue;
      }
      e.from.visited = true;
      e.to.visited = true;
      if (e.connection) e.connection.mst = true;
      if (e.reverse.connection) e.reverse.connection.mst = true;
      if (skipped) {
        skipped = false;
        i = -1; // restart from the lightest edge
      }
    }
  }
}
