/**
 * ADD_EDGE / DEL_EDGE (1.0.36 src/protocol_edge.c): one direction of a link each, deduped
 * by exact line, forwarded byte-identically, with corrections sent back for claims about
 * our own edges.
 *
 * @module
 */
import type { MetaConnection } from "./meta_connection.ts";
import type { TincEngine } from "./engine.ts";
import type { Node } from "./node.ts";
import { Request } from "./request.ts";
import { scan } from "./scan.ts";
import { checkId } from "./names.ts";
import { Edge } from "./edge.ts";
import { edgeAddress } from "./address.ts";

/** `12 R from to address port options weight`; to one connection, or everyone when c is null. */
export function sendAddEdge(e: TincEngine, c: MetaConnection | null, edge: Edge): void {
  const line = `${Request.ADD_EDGE} ${e.nonce()} ${edge.from.name} ${edge.to.name} ` +
    `${edge.address.host} ${edge.address.port} ${(edge.options >>> 0).toString(16)} ${edge.weight}`;
  e.sendOrBroadcast(c, line);
}

/** `13 R from to` */
export function sendDelEdge(
  e: TincEngine,
  c: MetaConnection | null,
  from: string,
  to: string,
): void {
  e.sendOrBroadcast(c, `${Request.DEL_EDGE} ${e.nonce()} ${from} ${to}`);
}

function sameAddress(a: Edge["address"], b: Edge["address"]): boolean {
  if (a.sock && b.sock) return a.sock.key === b.sock.key;
  if (!a.sock && !b.sock) return a.host === b.host && a.port === b.port;
  return false;
}

/**
 * What ADD_EDGE and DEL_EDGE share after scanning: names checked, the line deduped and, under
 * TunnelServer, only edges touching us or the sender. The known ends, or the handler's result
 * (false = bad request).
 */
function edgeEnds(
  e: TincEngine,
  c: MetaConnection,
  line: string,
  request: string,
  fromName: string,
  toName: string,
): { from: Node | undefined; to: Node | undefined } | boolean {
  if (!checkId(fromName) || !checkId(toName) || fromName === toName) {
    return e.bad(c, request, "invalid name");
  }
  if (e.past.seen(line, e.now)) return true;
  const g = e.graph;
  const from = g.lookupNode(fromName);
  const to = g.lookupNode(toName);
  if (
    e.config.tunnelServer && from !== g.myself && from !== c.node && to !== g.myself &&
    to !== c.node
  ) return true;
  return { from, to };
}

export function addEdgeHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %*x %s %s %s %s %x %d");
  if (f.length !== 6) return e.bad(c, "ADD_EDGE");
  const [fromName, toName, host, port, options, weight] = f as [
    string,
    string,
    string,
    string,
    number,
    number,
  ];
  const ends = edgeEnds(e, c, line, "ADD_EDGE", fromName, toName);
  if (typeof ends === "boolean") return ends;
  const g = e.graph;
  let { from, to } = ends;
  const address = edgeAddress(host, port);
  let existing = from && to ? g.lookupEdge(from, to) : undefined;
  if (existing) {
    if (
      existing.weight !== weight || existing.options !== options ||
      !sameAddress(existing.address, address)
    ) {
      if (from === g.myself) {
        e.log.log(
          "warning",
          "protocol",
          `Got ADD_EDGE from ${c.name} for ourself which does not match existing entry`,
        );
        sendAddEdge(e, c, existing);
        return true;
      }
      e.log.log(
        "warning",
        "protocol",
        `Got ADD_EDGE from ${c.name} which does not match existing entry`,
      );
      g.delEdge(existing);
      existing = undefined;
      e.runGraph();
    } else return true;
  } else if (from === g.myself) {
    e.log.log(
      "warning",
      "protocol",
      `Got ADD_EDGE from ${c.name} for ourself which does not exist`,
    );
    e.contradictingAddEdge++;
    sendDelEdge(e, c, fromName, toName);
    return true;
  }
  // Bounded memory: refuse what would exceed the per-origin or total caps.
  if (!e.admitEdge(fromName, toName)) return true;
  from ??= e.ensureNode(fromName);
  to ??= e.ensureNode(toName);
  const edge = new Edge(from, to, address, options, weight);
  g.addEdge(edge);
  if (!e.config.tunnelServer) e.forward(c, line);
  e.runGraph();
  return true;
}

export function delEdgeHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %*x %s %s");
  if (f.length !== 2) return e.bad(c, "DEL_EDGE");
  const [fromName, toName] = f as [string, string];
  const ends = edgeEnds(e, c, line, "DEL_EDGE", fromName, toName);
  if (typeof ends === "boolean") return ends;
  const g = e.graph;
  const { from, to } = ends;
  const edge = from && to ? g.lookupEdge(from, to) : undefined;
  if (!from || !to || !edge) {
    e.log.log(
      "warning",
      "protocol",
      `Got DEL_EDGE from ${c.name} which does not appear in the edge tree`,
    );
    return true;
  }
  if (edge.from === g.myself) {
    e.log.log("warning", "protocol", `Got DEL_EDGE from ${c.name} for ourself`);
    e.contradictingDelEdge++;
    sendAddEdge(e, c, edge); // correction
    return true;
  }
  if (!e.config.tunnelServer) e.forward(c, line);
  g.delEdge(edge);
  e.runGraph();
  // The far node became unreachable but still has an edge to us: clean that up too.
  if (!to.reachable) {
    const back = g.lookupEdge(to, g.myself);
    if (back) {
      if (!e.config.tunnelServer) sendDelEdge(e, null, to.name, g.myself.name);
      g.delEdge(back);
    }
  }
  return true;
}
