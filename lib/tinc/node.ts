/**
 * A node of the mesh (tinc's node_t): everything the engine knows about one tinc daemon,
 * including ourselves.
 *
 * @module
 */
import type { SockAddr } from "./types.ts";
import type { Edge } from "./edge.ts";
import type { MetaConnection } from "./meta_connection.ts";
import type { Subnet } from "./subnet.ts";

export class Node {
  /** Outgoing edges keyed by the far node's name (tinc's per-node edge_tree). */
  readonly edges = new Map<string, Edge>();
  /** Subnets this node owns, keyed by their wire form (formatSubnet, with #weight). */
  readonly subnets = new Map<string, NodeSubnet>();

  /** Set by sssp_bfs. */
  reachable = false;
  /** Whether the node was first reached through an INDIRECT edge (sssp_bfs). */
  indirect = false;
  /** First hop from us toward this node. */
  nexthop: Node | null = null;
  /** Last node on the path we can send UDP to directly (INDIRECT rule). */
  via: Node | null = null;
  /** The edge through which sssp_bfs reached this node. */
  prevedge: Edge | null = null;
  /** Hop count from us. */
  distance = -1;
  /** Options of the edge that reached this node (OPTION_* bits). */
  options = 0;
  /** Where to send UDP to this node; null until known. */
  udpAddress: SockAddr | null = null;
  /** Our meta connection to this node, if it is a direct neighbour. */
  connection: MetaConnection | null = null;
  /** Per-node packet state owned by the data plane (keys, seqnos, PMTU). */
  channel: unknown = null;

  /** When we last sent REQ_KEY for this node (rate limit 10 s); 0 = never. */
  lastReqKey = 0;
  /** Whether we hold a valid outgoing key for this node (from its ANS_KEY). */
  validKey = false;

  /** Generation counter for sssp_bfs (avoids clearing a visited set). */
  visited = false;

  constructor(readonly name: string) {}
}

/** A subnet as attached to its owner. */
export interface NodeSubnet {
  readonly subnet: Subnet;
  /** Switch mode: when a learned MAC expires (ms), or 0 for static subnets. */
  expires: number;
}
