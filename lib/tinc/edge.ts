/**
 * A directed edge of the mesh graph (tinc's edge_t): "from can reach to at address".
 *
 * @module
 */
import type { Node } from "./node.ts";
import type { EdgeAddress } from "./address.ts";
import type { MetaConnection } from "./meta_connection.ts";

export class Edge {
  /** The edge in the opposite direction, when both exist (needed for routing). */
  reverse: Edge | null = null;
  /** For our own edges: the meta connection they stand for. */
  connection: MetaConnection | null = null;

  constructor(
    readonly from: Node,
    readonly to: Node,
    public address: EdgeAddress,
    public options: number,
    public weight: number,
  ) {}
}

/** Global edge_weight_tree order: weight, then from name, then to name. */
export function compareEdgesByWeight(a: Edge, b: Edge): number {
  if (a.weight !== b.weight) return a.weight - b.weight;
  if (a.from.name !== b.from.name) return a.from.name < b.from.name ? -1 : 1;
  if (a.to.name !== b.to.name) return a.to.name < b.to.name ? -1 : 1;
  return 0;
}
