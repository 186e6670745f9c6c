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

/**
 * send_tcppacket: `17 <len>` and the frame on the meta connection. A frame is lost to
 * Random Early Drop when the driver still holds much unsent output there: never up to half
 * of MaxOutputBufferSize, always at it, with probability 2 * backlog / max - 1 in between.
 * A dropped frame still counts as sent (no fallback), as in tincd.
 */
export function sendTcpPacket(
  e: TincEngine,
  c: MetaConnection,
  buf: Uint8Array,
  off: number,
  len: number,
): boolean {
  const backlog = e.out.metaBacklog(c.id);
  const max = e.config.maxOutputBufferSize;
  // Below half the cap the drop probability is not positive: skip the draw.
  if (2 * backlog > max && 2 * backlog / max - 1 > e.random()) {
    if (e.log.enabled("debug", "traffic")) {
      e.log.log(
        "debug",
        "traffic",
        `Dropping packet of ${len} bytes to ${c.name} (${c.hostname}): ${backlog} bytes queued`,
      );
    }
    return true;
  }
  c.sendPacket(buf, off, len);
  return true;
}
