/**
 * Packet keys: KEY_CHANGED, REQ_KEY, ANS_KEY (1.0.36 src/protocol_key.c). Each node picks the
 * key for its own incoming traffic and hands it out in ANS_KEY; REQ_KEY and ANS_KEY travel
 * hop by hop toward `to->nexthop`, and a relay appends the sender's reflexive UDP address
 * when it has a PMTU-confirmed path to the requester.
 *
 * @module
 */
import type { MetaConnection } from "./meta_connection.ts";
import type { TincEngine } from "./engine.ts";
import type { Node } from "./node.ts";
import { Request } from "./request.ts";
import { bytesToHex, hexToBytes, scan } from "./scan.ts";
import { checkId } from "./names.ts";
import { edgeAddress } from "./address.ts";

/** KeyExpire: `14 R me` to everyone, then a fresh ANS_KEY to every reachable neighbour. */
export function sendKeyChanged(e: TincEngine): void {
  e.broadcast(`${Request.KEY_CHANGED} ${e.nonce()} ${e.config.name}`, null);
  for (const c of e.connections.values()) {
    if (c.active && c.node && c.node.reachable) sendAnsKey(e, c.node);
  }
}

export function keyChangedHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %*x %s");
  if (f.length !== 1) return e.bad(c, "KEY_CHANGED");
  const name = f[0] as string;
  if (!checkId(name)) return e.bad(c, "KEY_CHANGED", "invalid name");
  if (e.past.seen(line, e.now)) return true;
  const n = e.graph.lookupNode(name);
  if (!n) {
    e.log.log(
      "error",
      "protocol",
      `Got KEY_CHANGED from ${c.name} origin ${name} which does not exist`,
    );
    return true;
  }
  n.validKey = false;
  n.lastReqKey = 0;
  e.dataPlane.outKeyInvalid(n);
  if (!e.config.tunnelServer) e.forward(c, line);
  return true;
}

/** The REQ_KEY/ANS_KEY endpoint `name`; undefined (logged as tincd does) when unknown. */
function knownNode(
  e: TincEngine,
  c: MetaConnection,
  request: string,
  role: "origin" | "destination",
  name: string,
): Node | undefined {
  const n = e.graph.lookupNode(name);
  if (!n) {
    e.log.log(
      "error",
      "protocol",
      `Got ${request} from ${c.name} ${role} ${name} which does not exist in our connection list`,
    );
  }
  return n;
}

/** Whether a request can be relayed on to `to`; logs tincd's warning when it cannot. */
function reachableDestination(
  e: TincEngine,
  c: MetaConnection,
  request: string,
  to: Node,
): boolean {
  if (!to.reachable) {
    e.log.log(
      "warning",
      "protocol",
      `Got ${request} from ${c.name} destination ${to.name} which is not reachable`,
    );
  }
  return to.reachable;
}

/** `15 me to` toward to's nexthop (no dedupe, no nonce). */
export function sendReqKey(e: TincEngine, to: Node): boolean {
  const conn = to.nexthop?.connection;
  if (!conn) return false;
  e.send(conn, `${Request.REQ_KEY} ${e.config.name} ${to.name}`);
  return true;
}

export function reqKeyHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s %s");
  if (f.length !== 2) return e.bad(c, "REQ_KEY");
  const [fromName, toName] = f as [string, string];
  if (!checkId(fromName) || !checkId(toName)) return e.bad(c, "REQ_KEY", "invalid name");
  const from = knownNode(e, c, "REQ_KEY", "origin", fromName);
  if (!from) return true;
  const to = knownNode(e, c, "REQ_KEY", "destination", toName);
  if (!to) return true;
  if (to === e.graph.myself) {
    sendAnsKey(e, from);
    return true;
  }
  if (e.config.tunnelServer) return true;
  if (!reachableDestination(e, c, "REQ_KEY", to)) return true;
  const conn = to.nexthop?.connection;
  if (conn) e.send(conn, line);
  return true;
}

/** A fresh incoming key for traffic from `to`, announced as `16 me to HEX cipher digest mac comp`. */
export function sendAnsKey(e: TincEngine, to: Node): boolean {
  const conn = to.nexthop?.connection;
  const k = e.dataPlane.newInKey(to);
  if (!conn) return false;
  e.send(
    conn,
    `${Request.ANS_KEY} ${e.config.name} ${to.name} ${
      bytesToHex(k.key)
    } ${k.cipher} ${k.digest} ${k.macLength} ${k.compression}`,
  );
  return true;
}

export function ansKeyHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s %s %s %d %d %d %d %s %s");
  if (f.length < 7) return e.bad(c, "ANS_KEY");
  const [fromName, toName, keyHex, cipher, digest, macLength, compression] = f as [
    string,
    string,
    string,
    number,
    number,
    number,
    number,
  ];
  const address = f[7] as string | undefined;
  const port = f[8] as string | undefined;
  if (!checkId(fromName) || !checkId(toName)) return e.bad(c, "ANS_KEY", "invalid name");
  const from = knownNode(e, c, "ANS_KEY", "origin", fromName);
  if (!from) return true;
  const to = knownNode(e, c, "ANS_KEY", "destination", toName);
  if (!to) return true;
  if (to !== e.graph.myself) {
    if (e.config.tunnelServer) return true;
    if (!reachableDestination(e, c, "ANS_KEY", to)) return true;
    const conn = to.nexthop?.connection;
    if (!conn) return true;
    if (address === undefined && from.udpAddress && e.dataPlane.minMtu(to) > 0) {
      e.log.log(
        "debug",
        "protocol",
        `Appending reflexive UDP address to ANS_KEY from ${fromName} to ${toName}`,
      );
      e.send(conn, `${line} ${from.udpAddress.ip} ${from.udpAddress.port}`);
      return true;
    }
    e.send(conn, line);
    return true;
  }
  // Don't use key material until every check has passed.
  from.validKey = false;
  e.dataPlane.outKeyInvalid(from);
  const key = hexToBytes(keyHex, keyHex.length >> 1);
  if (!key) {
    e.log.log("error", "protocol", `Got bad ANS_KEY from ${fromName}: invalid key`);
    return true;
  }
  if (compression < 0 || compression > 11) {
    e.log.log("error", "protocol", `Node ${fromName} uses bogus compression level`);
    return true;
  }
  const problem = e.dataPlane.setOutKey(from, key, cipher, digest, macLength, compression);
  if (problem) {
    e.log.log("error", "protocol", `Node ${fromName}: ${problem}`);
    return true;
  }
  from.validKey = true;
  if (address && port) {
    const sa = edgeAddress(address, port);
    if (sa.sock) {
      e.log.log(
        "debug",
        "protocol",
        `Using reflexive UDP address from ${fromName}: ${address} port ${port}`,
      );
      e.setNodeUdp(from, sa.sock);
    }
  }
  e.dataPlane.keyReady(from);
  return true;
}
