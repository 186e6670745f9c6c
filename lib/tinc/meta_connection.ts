/**
 * One meta (TCP) connection: line framing, the stream ciphers switched on right after
 * METAKEY, PACKET bodies in the stream, and the handshake state (tinc's connection_t).
 *
 * Framing follows 1.0.36 src/meta.c: the read buffer holds at most MAXBUFSIZE bytes; a line
 * (or a pending PACKET body) that does not fit drops the connection.
 *
 * @module
 */
import type { ConnId, SockAddr } from "./types.ts";
import type { CipherInfo, DigestInfo, StreamCipher } from "../crypto/types.ts";
import type { HostConfig } from "./config.ts";
import type { Node } from "./node.ts";
import type { Edge } from "./edge.ts";
import { Request } from "./request.ts";
import type { Outgoing } from "./engine.ts";

/** src/net.h: max(MAXSIZE, 2048) + 128. */
export const MAXBUFSIZE = 2176;

/** What a connection hands back to whoever reads it. */
export interface MetaSink {
  /** One request line (without `\n`, cut at the first NUL); false drops the connection. */
  line(conn: MetaConnection, line: string): boolean;
  /** The body of a PACKET (`17 <len>`); false drops the connection. */
  packet(conn: MetaConnection, buf: Uint8Array, off: number, len: number): boolean;
}

/** Reads bytes as ISO-8859-1 so that any byte round-trips through a string. */
export function latin1(buf: Uint8Array, off: number, end: number): string {
  let s = "";
  for (let i = off; i < end; i += 4096) {
    s += String.fromCharCode(...buf.subarray(i, Math.min(end, i + 4096)));
  }
  return s;
}

/** Encodes a string of chars 0..255 as bytes (the inverse of latin1). */
export function latin1Bytes(s: string, extra = 0): Uint8Array {
  const out = new Uint8Array(s.length + extra);
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i) & 0xff;
  return out;
}

export class MetaConnection {
  /** Peer name; "<unknown>" until its ID arrives. */
  name = "<unknown>";
  node: Node | null = null;
  host: HostConfig | null = null;
  /** The only request number accepted next, or ALL (-1) once active. */
  allowRequest: number = Request.ID;
  /** Set at ACK: the connection takes part in the mesh. */
  active = false;
  /** We have connected (outgoing) / accepted, and sockets are usable. */
  connecting: boolean;
  /** Closed or being closed: ignore further input. */
  closed = false;
  /** A PING is outstanding. */
  pinged = false;
  /** Member of the broadcast spanning tree. */
  mst = false;
  /** When the connection was created (ms): auth timeout and ACK weight. */
  readonly start: number;
  lastPingTime: number;
  /** OPTION_* bits we negotiate (and, after ACK, the merged set). */
  options = 0;
  estimatedWeight = 0;
  edge: Edge | null = null;
  /** The ConnectTo record this connection serves (reconnects when it ends). */
  outgoingRecord: Outgoing | null = null;
  /** Set when input was refused because the read buffer filled up. */
  bufferOverflow = false;

  outCipher: StreamCipher | null = null;
  inCipher: StreamCipher | null = null;
  /** Digest the peer named in its METAKEY: we reply to its challenge with it. */
  inDigest: DigestInfo | null = null;
  /** Digest we named in our METAKEY: we check the peer's CHAL_REPLY with it. */
  outDigest: DigestInfo | null = null;
  inCipherInfo: CipherInfo | null = null;
  /** The challenge we sent (hischallenge). */
  sentChallenge: Uint8Array | null = null;
  /** The challenge the peer sent us, stored until we may answer it (server role). */
  receivedChallenge: Uint8Array | null = null;

  private readonly buf = new Uint8Array(MAXBUFSIZE);
  private len = 0;
  /** Bytes [0, decrypted) of buf are already plaintext once the input cipher is on. */
  private decrypted = 0;
  /** Bytes [0, scanned) hold no newline. */
  private scanned = 0;
  /** Pending PACKET body length (tcplen). */
  private tcplen = 0;

  constructor(
    readonly id: ConnId,
    readonly outgoing: boolean,
    public address: SockAddr | null,
    now: number,
    private readonly sendBytes: (conn: ConnId, data: Uint8Array) => void,
  ) {
    this.start = now;
    this.lastPingTime = now;
    this.connecting = outgoing;
  }

  /** The peer's address for logs (tinc's c->hostname). */
  get hostname(): string {
    if (!this.address) return "unknown";
    return `${this.address.ip} port ${this.address.port}`;
  }

  /** Sends one request line (adds `\n`, encrypts when the output cipher is on). */
  sendLine(line: string): void {
    const data = latin1Bytes(line + "\n");
    this.sendRaw(data);
  }

  /** Sends `17 <len>\n` and the raw frame inside the (encrypted) stream. */
  sendPacket(buf: Uint8Array, off: number, len: number): void {
    const head = `${Request.PACKET} ${len}\n`;
    const data = new Uint8Array(head.length + len);
    for (let i = 0; i < head.length; i++) data[i] = head.charCodeAt(i);
    data.set(buf.subarray(off, off + len), head.length);
    this.sendRaw(data);
  }

  private sendRaw(data: Uint8Array): void {
    if (this.closed) return;
    if (this.outCipher) this.outCipher.update(data, 0, data.length, data, 0);
    this.sendBytes(this.id, data);
  }

  /** Everything after this call goes out encrypted (called right after sending METAKEY). */
  startEncrypt(cipher: StreamCipher): void {
    this.outCipher = cipher;
  }

  /** Everything after the current line is decrypted (called while handling METAKEY). */
  startDecrypt(cipher: StreamCipher): void {
    this.inCipher = cipher;
    if (this.len > this.decrypted) {
      cipher.update(this.buf, this.decrypted, this.len - this.decrypted, this.buf, this.decrypted);
      this.decrypted = this.len;
    }
  }

  /**
   * Feeds bytes from the socket. Returns false when the connection must be dropped
   * (a handler failed or the buffer overflowed).
   */
  receive(data: Uint8Array, sink: MetaSink): boolean {
    let pos = 0;
    while (pos < data.length) {
      if (this.closed) return true;
      // tincd reads at most MAXBUFSIZE - buflen bytes at a time.
      const n = Math.min(MAXBUFSIZE - this.len, data.length - pos);
      this.buf.set(data.subarray(pos, pos + n), this.len);
      pos += n;
      const oldLen = this.len;
      this.len += n;
      if (this.inCipher) {
        this.inCipher.update(this.buf, oldLen, n, this.buf, oldLen);
        this.decrypted = this.len;
      }
      if (!this.process(sink)) return false;
      if (this.closed) return true;
      if (this.len >= MAXBUFSIZE) {
        this.bufferOverflow = true;
        return false;
      }
    }
    return true;
  }

  private process(sink: MetaSink): boolean {
    while (!this.closed) {
      if (this.tcplen) {
        if (this.tcplen > this.len) return true;
        const n = this.tcplen;
        this.tcplen = 0;
        const ok = sink.packet(this, this.buf, 0, n);
        this.consume(n);
        if (!ok) return false;
        continue;
      }
      const nl = this.buf.subarray(this.scanned, this.len).indexOf(10);
      if (nl < 0) {
        this.scanned = this.len;
        return true;
      }
      const end = this.scanned + nl;
      let lineEnd = this.buf.subarray(0, end).indexOf(0);
      if (lineEnd < 0) lineEnd = end;
      const line = latin1(this.buf, 0, lineEnd);
      this.consume(end + 1);
      if (!sink.line(this, line)) return false;
    }
    return true;
  }

  /** Called by the PACKET handler: the next `len` bytes in the stream are a frame. */
  expectPacket(len: number): void {
    this.tcplen = len;
  }

  private consume(n: number): void {
    this.buf.copyWithin(0, n, this.len);
    this.len -= n;
    this.decrypted = Math.max(0, this.decrypted - n);
    this.scanned = 0;
  }

  /** Frees the ciphers; further input is ignored. */
  close(): void {
    this.closed = true;
    this.outCipher?.free();
    this.inCipher?.free();
    this.outCipher = null;
    this.inCipher = null;
  }
}
