/**
 * ADD_SUBNET / DEL_SUBNET (1.0.36 src/protocol_subnet.c), plus tincture's policy: a node may
 * own only the subnets its host entry (or remote-networks) allows.
 *
 * @module
 */
import type { MetaConnection } from "./meta_connection.ts";
import type { TincEngine } from "./engine.ts";
import type { Node } from "./node.ts";
import { Request } from "./request.ts";
import { scan } from "./scan.ts";
import { checkId } from "./names.ts";
import { formatSubnet, parseSubnet, type Subnet } from "./subnet.ts";

/** `10 R owner subnet#weight`; to one connection, or everyone when c is null. */
export function sendAddSubnet(
  e: TincEngine,
  c: MetaConnection | null,
  owner: Node,
  s: Subnet,
): void {
  e.sendOrBroadcast(c, `${Request.ADD_SUBNET} ${e.nonce()} ${owner.name} ${formatSubnet(s)}`);
}

/** `11 R owner subnet#weight` */
export function sendDelSubnet(
  e: TincEngine,
  c: MetaConnection | null,
  owner: Node,
  s: Subnet,
): void {
  e.sendOrBroadcast(c, `${Request.DEL_SUBNET} ${e.nonce()} ${owner.name} ${formatSubnet(s)}`);
}

/**
 * What ADD_SUBNET and DEL_SUBNET share: `%*d %*x name subnet`, checked, deduped and, under
 * TunnelServer, only about us or the sender. Else the handler's result (false = bad request).
 */
function subnetRequest(
  e: TincEngine,
  c: MetaConnection,
  line: string,
  request: string,
): { name: string; text: string; s: Subnet; owner: Node | undefined } | boolean {
  const f = scan(line, "%*d %*x %s %s");
  if (f.length !== 2) return e.bad(c, request);
  const [name, text] = f as [string, string];
  if (!checkId(name)) return e.bad(c, request, "invalid name");
  const s = parseSubnet(text);
  if (!s) return e.bad(c, request, "invalid subnet string");
  if (e.past.seen(line, e.now)) return true;
  const owner = e.graph.lookupNode(name);
  if (e.config.tunnelServer && owner !== e.graph.myself && owner !== c.node) return true;
  return { name, text, s, owner };
}

export function addSubnetHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const r = subnetRequest(e, c, line, "ADD_SUBNET");
  if (typeof r === "boolean") return r;
  const { name, text, s } = r;
  const g = e.graph;
  let owner = r.owner;
  if (owner && e.findSubnet(owner, s)) return true;
  if (owner === g.myself) {
    e.log.log("warning", "protocol", `Got ADD_SUBNET from ${c.name} for ourself`);
    sendDelSubnet(e, c, g.myself, s); // retaliate
    return true;
  }
  if (!e.subnetAllowed(name, s)) {
    e.log.log(
      "warning",
      "protocol",
      `Ignoring unauthorized ADD_SUBNET from ${c.name}: ${name} ${text}`,
    );
    if (e.strictSubnets) e.forward(c, line);
    return true;
  }
  if (!e.admitSubnet(name)) return true;
  owner ??= e.ensureNode(name);
  e.addSubnet(owner, s);
  if (!e.config.tunnelServer) e.forward(c, line);
  // Fast handoff of roaming MACs: our learned copy expires now.
  if (s.type === "mac") e.dataPlane.macClaimed(s);
  return true;
}

export function delSubnetHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const r = subnetRequest(e, c, line, "DEL_SUBNET");
  if (typeof r === "boolean") return r;
  const { name, s, owner } = r;
  const g = e.graph;
  if (!owner) {
    e.log.log(
      "warning",
      "protocol",
      `Got DEL_SUBNET from ${c.name} for ${name} which is not in our node tree`,
    );
    return true;
  }
  const found = e.findSubnet(owner, s);
  if (!found) {
    e.log.log(
      "warning",
      "protocol",
      `Got DEL_SUBNET from ${c.name} for ${name} which does not appear in his subnet tree`,
    );
    if (e.strictSubnets) e.forward(c, line);
    return true;
  }
  if (owner === g.myself) {
    e.log.log("warning", "protocol", `Got DEL_SUBNET from ${c.name} for ourself`);
    sendAddSubnet(e, c, g.myself, found);
    return true;
  }
  if (e.config.tunnelServer) return true;
  e.forward(c, line);
  if (e.strictSubnets) return true;
  e.delSubnet(owner, found);
  return true;
}
