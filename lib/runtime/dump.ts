/**
 * The state dump (SIGUSR2, tincd's USR2 + USR1): nodes, edges, subnets and connections, one
 * line each in tincd's wording, plus the data plane's counters.
 *
 * @module
 */
import type { EngineState } from "../tinc/engine.ts";

/** Formats an engine dump (EngineState, or anything else as JSON) and loop counters. */
export function formatDump(state: unknown, stats: object): string {
  const lines: string[] = [];
  const s = state as Partial<EngineState> | null;
  if (s && Array.isArray(s.nodes)) {
    lines.push("Nodes:");
    for (const n of s.nodes) {
      lines.push(
        ` ${n.name} at ${n.address ?? "unknown"} options ${hex(n.options)} ${
          n.reachable ? "reachable" : "unreachable"
        } nexthop ${n.nexthop ?? "-"} via ${n.via ?? "-"} distance ${n.distance} key ${
          n.validKey ? "valid" : "none"
        }`,
      );
    }
    lines.push("End of nodes.", "Edges:");
    for (const e of s.edges ?? []) {
      lines.push(
        ` ${e.from} to ${e.to} at ${e.address} port ${e.port} options ${
          hex(e.options)
        } weight ${e.weight}`,
      );
    }
    lines.push("End of edges.", "Subnet list:");
    for (const sn of s.subnets ?? []) lines.push(` ${sn.subnet} owner ${sn.owner}`);
    lines.push("End of subnet list.", "Connections:");
    for (const c of s.connections ?? []) {
      lines.push(
        ` ${c.name} at ${c.address ?? "unknown"} id ${c.id} options ${hex(c.options)} ${
          c.outgoing ? "outgoing" : "incoming"
        }${c.active ? " active" : ""}`,
      );
    }
    lines.push("End of connections.");
  } else {
    lines.push(`State: ${JSON.stringify(state, (_k, v) => typeof v === "bigint" ? String(v) : v)}`);
  }
  lines.push(
    "Data plane: " + Object.entries(stats).map(([k, v]) => `${k} ${v}`).join(", "),
  );
  return lines.join("\n");
}

function hex(n: number): string {
  return (n >>> 0).toString(16).padStart(4, "0");
}
