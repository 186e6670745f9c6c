/**
 * PING, PONG and PACKET (1.0.36 src/protocol_misc.c).
 *
 * @module
 */
import type { MetaConnection } from "./meta_connection.ts";
import type { TincEngine } from "./engine.ts";
import { Request } from "./request.ts";
import { scan } from "./scan.ts";

/** `8`: 1.0.36 sends no nonce. */
export function sendPing(e: TincEngine, c: MetaConnection): void {
  c.pinged = true;
  c.lastPingTime = e.now;
  e.send(c, `${Request.PING}`);
}

export function pingHandler(e: TincEngine, c: MetaConnection, _line: string): boolean {
  e.send(c, `${Request.PONG}`);
  return true;
}

export function pongHandler(_e: TincEngine, c: MetaConnection, _line: string): boolean {
  c.pinged = false;
  // A working connection: the reconnect back-off starts over, and after a drop we wait
  // for it instead of walking on through the Address list (tincd clears cfg/ai here).
  const o = c.outgoingRecord;
  if (o) {
    o.timeout = 0;
    o.nextAddress = o.host.addresses.length;
  }
  return true;
}

/** `17 <len>`: the next len bytes of the stream are a frame. */
export function tcpPacketHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %hu");
  if (f.length !== 1) return e.bad(c, "PACKET");
  c.expectPacket(f[0] as number);
  return true;
}
