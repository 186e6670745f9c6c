/**
 * UDP and TCP sockets through FFI, all non-blocking and close-on-exec, plus sockaddr encoding.
 *
 * Deno's own UDP sockets have no setsockopt (no SO_RCVBUF, no IP_MTU_DISCOVER, so no EMSGSIZE
 * for PMTU discovery) and every await costs a thread hop; these are plain synchronous libc
 * calls meant for the data-plane Worker's poll loop.
 *
 * Addresses: a `::` socket is dual-stack, so IPv4 peers arrive as `::ffff:a.b.c.d`; the
 * SockAddrTable normalises them to IPv4 and interns one SockAddr per ip:port so the packet
 * path looks peers up without building strings.
 *
 * @module
 */
import {
  addressOf,
  check,
  closeFd,
  errno,
  libc,
  OsError,
  SYS_RECVMSG,
  SYS_SENDMSG,
  SYS_SENDTO,
  usize,
} from "./libc.ts";
import {
  AF_INET,
  AF_INET6,
  EADDRINUSE,
  EAGAIN,
  EINPROGRESS,
  EINTR,
  EMSGSIZE,
  IP_MTU_DISCOVER,
  IP_PMTUDISC_DO,
  IPPROTO_IP,
  IPPROTO_IPV6,
  IPPROTO_TCP,
  IPV6_MTU_DISCOVER,
  IPV6_PMTUDISC_DO,
  IPV6_V6ONLY,
  MSG_DONTWAIT,
  MSG_NOSIGNAL,
  SIZEOF_SOCKADDR_IN,
  SIZEOF_SOCKADDR_IN6,
  SIZEOF_SOCKADDR_STORAGE,
  SO_ERROR,
  SO_KEEPALIVE,
  SO_RCVBUF,
  SO_RCVBUFFORCE,
  SO_REUSEADDR,
  SO_SNDBUF,
  SO_SNDBUFFORCE,
  SOCK_CLOEXEC,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
  SOCK_STREAM,
  SOL_SOCKET,
  SOL_UDP,
  TCP_NODELAY,
  UDP_CORK,
  UDP_GRO,
  UDP_SEGMENT,
} from "./linux_constants.ts";
import { type SockAddr, sockAddr } from "../lib/tinc/types.ts";
import { formatIPv6, isIPv4, parseIPv6 } from "../lib/tinc/address.ts";

// ---------------------------------------------------------------------------------------------
// sockaddr encoding

/** The 16 address bytes of an IPv4 or IPv6 literal (IPv4 as ::ffff:a.b.c.d), or null. */
export function ipBytes(ip: string): { family: 4 | 6; bytes: Uint8Array } | null {
  if (isIPv4(ip)) {
    const b = new Uint8Array(16);
    b[10] = 0xff;
    b[11] = 0xff;
    ip.split(".").forEach((o, i) => (b[12 + i] = Number(o)));
    return { family: 4, bytes: b };
  }
  const g = parseIPv6(ip);
  if (!g) return null;
  const b = new Uint8Array(16);
  for (let i = 0; i < 8; i++) {
    b[2 * i] = g[i]! >> 8;
    b[2 * i + 1] = g[i]! & 0xff;
  }
  if (isV4Mapped(b, 0)) return { family: 4, bytes: b };
  return { family: 6, bytes: b };
}

function isV4Mapped(b: Uint8Array, at: number): boolean {
  for (let i = 0; i < 10; i++) if (b[at + i] !== 0) return false;
  return b[at + 10] === 0xff && b[at + 11] === 0xff;
}

/**
 * Encodes ip:port as a sockaddr for a socket of `socketFamily` (an IPv6 socket gets IPv4 peers
 * as v4-mapped sockaddr_in6). Returns null when the address cannot be reached from it.
 */
export function encodeSockAddr(
  ip: string,
  port: number,
  socketFamily: 4 | 6,
): Uint8Array<ArrayBuffer> | null {
  const parsed = ipBytes(ip);
  if (!parsed) return null;
  if (socketFamily === 4) {
    if (parsed.family !== 4) return null;
    const sa = new Uint8Array(SIZEOF_SOCKADDR_IN);
    const dv = new DataView(sa.buffer);
    dv.setUint16(0, AF_INET, true);
    dv.setUint16(2, port, false);
    sa.set(parsed.bytes.subarray(12), 4);
    return sa;
  }
  const sa = new Uint8Array(SIZEOF_SOCKADDR_IN6);
  const dv = new DataView(sa.buffer);
  dv.setUint16(0, AF_INET6, true);
  dv.setUint16(2, port, false);
  sa.set(parsed.bytes, 8);
  return sa;
}

/** Decodes a sockaddr (IPv4, IPv6, v4-mapped normalised to IPv4) into a fresh SockAddr. */
export function decodeSockAddr(sa: Uint8Array): SockAddr | null {
  const family = sa[0]! | (sa[1]! << 8);
  const port = (sa[2]! << 8) | sa[3]!;
  if (family === AF_INET) return sockAddr(`${sa[4]}.${sa[5]}.${sa[6]}.${sa[7]}`, port);
  if (family === AF_INET6) {
    if (isV4Mapped(sa, 8)) return sockAddr(`${sa[20]}.${sa[21]}.${sa[22]}.${sa[23]}`, port);
    const g: number[] = [];
    for (let i = 0; i < 8; i++) g.push((sa[8 + 2 * i]! << 8) | sa[9 + 2 * i]!);
    return sockAddr(formatIPv6(g), port);
  }
  return null;
}

interface V6Entry {
  readonly bytes: Uint8Array; // 16 address bytes + 2 port bytes
  readonly addr: SockAddr;
}

/**
 * Interns decoded peer addresses: one SockAddr object per ip:port, found without allocating
 * (IPv4 by a numeric key, IPv6 by a hash and a byte compare). Bounded: when full it is
 * cleared, which only costs re-decoding.
 */
export class SockAddrTable {
  #v4 = new Map<number, SockAddr>();
  #v6 = new Map<number, V6Entry[]>();
  #size = 0;
  // The last IPv4 sender: a steady peer skips the Map (whose number key above 2^31 is boxed).
  #lastKey = -1;
  #lastAddr: SockAddr | null = null;

  constructor(readonly limit = 65536) {}

  /** The interned SockAddr for the sockaddr at `sa[0..)`, or null for other families. */
  lookup(sa: Uint8Array): SockAddr | null {
    const family = sa[0]! | (sa[1]! << 8);
    if (family === AF_INET) return this.#lookup4(sa, 4, (sa[2]! << 8) | sa[3]!);
    if (family !== AF_INET6) return null;
    if (isV4Mapped(sa, 8)) return this.#lookup4(sa, 20, (sa[2]! << 8) | sa[3]!);
    let h = (sa[2]! << 8) | sa[3]!;
    for (let i = 8; i < 24; i++) h = (Math.imul(h, 31) + sa[i]!) | 0;
    const list = this.#v6.get(h);
    if (list) {
      for (const e of list) {
        const b = e.bytes;
        let same = b[16] === sa[2] && b[17] === sa[3];
        for (let i = 0; same && i < 16; i++) same = b[i] === sa[8 + i];
        if (same) return e.addr;
      }
    }
    const addr = decodeSockAddr(sa);
    if (!addr) return null;
    this.#makeRoom();
    const bytes = new Uint8Array(18);
    bytes.set(sa.subarray(8, 24));
    bytes[16] = sa[2]!;
    bytes[17] = sa[3]!;
    if (list) list.push({ bytes, addr });
    else this.#v6.set(h, [{ bytes, addr }]);
    return addr;
  }

  #lookup4(sa: Uint8Array, at: number, port: number): SockAddr {
    // ip * 2^16 + port stays below 2^48: exact as a number key.
    const key = (((sa[at]! * 256 + sa[at + 1]!) * 256 + sa[at + 2]!) * 256 + sa[at + 3]!) *
        65536 + port;
    if (key === this.#lastKey) return this.#lastAddr!;
    let addr = this.#v4.get(key);
    if (addr === undefined) {
      addr = sockAddr(`${sa[at]}.${sa[at + 1]}.${sa[at + 2]}.${sa[at + 3]}`, port);
      this.#makeRoom();
      this.#v4.set(key, addr);
    }
    this.#lastKey = key;
    this.#lastAddr = addr;
    return addr;
  }

  /** Interns a SockAddr built elsewhere (config, ADD_EDGE) so later lookups return it. */
  intern(addr: SockAddr): SockAddr {
    const sa = encodeSockAddr(addr.ip, addr.port, 6);
    if (!sa) return addr;
    const found = this.lookup(sa);
    return found ?? addr;
  }

  #makeRoom(): void {
    if (++this.#size > this.limit) {
      this.#v4.clear();
      this.#v6.clear();
      this.#lastKey = -1;
      this.#size = 1;
    }
  }
}

// ---------------------------------------------------------------------------------------------
// sockets

function setIntOpt(fd: number, level: number, name: number, value: number): boolean {
  const v = new Int32Array([value]);
  return libc().setsockopt(fd, level, name, new Uint8Array(v.buffer), 4) === 0;
}

function getIntOpt(fd: number, level: number, name: number): number {
  const v = new Int32Array(1);
  const len = new Uint32Array([4]);
  check(
    libc().getsockopt(fd, level, name, new Uint8Array(v.buffer), new Uint8Array(len.buffer)),
    "getsockopt",
  );
  return v[0]!;
}

/** Sets a socket buffer size, forcing past rmem_max/wmem_max when we are root. */
function setBufferSize(fd: number, receive: boolean, bytes: number): void {
  const force = receive ? SO_RCVBUFFORCE : SO_SNDBUFFORCE;
  if (!setIntOpt(fd, SOL_SOCKET, force, bytes)) {
    setIntOpt(fd, SOL_SOCKET, receive ? SO_RCVBUF : SO_SNDBUF, bytes);
  }
}

/** The socket's local address (port 0 binds report the kernel's choice here). */
export function localAddress(fd: number): SockAddr | null {
  const sa = new Uint8Array(SIZEOF_SOCKADDR_STORAGE);
  const len = new Uint32Array([SIZEOF_SOCKADDR_STORAGE]);
  check(libc().getsockname(fd, sa, new Uint8Array(len.buffer)), "getsockname");
  return decodeSockAddr(sa);
}

/** Opens a non-blocking socket of `type` bound to ip:port; `::` is dual-stack. */
function boundSocket(ip: string, port: number, type: number): { fd: number; family: 4 | 6 } {
  const parsed = ipBytes(ip);
  if (!parsed) throw new Error(`Invalid address "${ip}"`);
  const family: 4 | 6 = parsed.family === 4 && !ip.includes(":") ? 4 : 6;
  const c = libc();
  const fd = check(
    c.socket(family === 4 ? AF_INET : AF_INET6, type | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
    "socket",
  );
  try {
    // Dual-stack for "::" and for v4-mapped addresses (which cannot be bound v6-only).
    const v6only = ip !== "::" && parsed.family !== 4;
    if (family === 6) setIntOpt(fd, IPPROTO_IPV6, IPV6_V6ONLY, v6only ? 1 : 0);
    if (type === SOCK_STREAM) setIntOpt(fd, SOL_SOCKET, SO_REUSEADDR, 1);
    const sa = encodeSockAddr(ip, port, family)!;
    check(c.bind(fd, sa, sa.length), "bind", `${ip.includes(":") ? `[${ip}]` : ip}:${port}`);
    return { fd, family };
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}

export interface UdpOptions {
  /** Local address: "::" (dual-stack, default), "0.0.0.0", or a literal. */
  readonly address?: string;
  readonly port: number;
  /** Socket buffer sizes (default 4 MiB each: bursts from the tun must not be dropped). */
  readonly receiveBuffer?: number;
  readonly sendBuffer?: number;
  /** Set DF and report EMSGSIZE above the path MTU (tinc PMTUDiscovery). Default true. */
  readonly pmtuDiscovery?: boolean;
  /** Receive trains with UDP_GRO where the kernel can (default true). */
  readonly gro?: boolean;
}

/**
 * Most datagrams in one UDP_SEGMENT train (the kernel's UDP_MAX_SEGMENTS is 64 or more);
 * TINCTURE_GSO_SEGS overrides it for experiments.
 */
const GSO_MAX_SEGMENTS = Math.min(64, Number(Deno.env.get("TINCTURE_GSO_SEGS") ?? 64) || 64);
/** Most bytes in one train (an IP datagram's payload limit, with room for headers). */
const GSO_MAX_BYTES = 65000;

/** What `UdpSocket.send` did. */
export enum SendResult {
  Sent = 0,
  /** Larger than the path MTU (EMSGSIZE): a PMTU signal the engine acts on. */
  Refused = 1,
  /** Dropped (buffer full, no route, ...): like loss on the wire, not a PMTU signal. */
  Dropped = 2,
}

/** Room in front of a UDP socket's train buffer: the most of a train `receive` may place in
 * the caller's buffer (its `max`, when smaller). */
const GRO_FRONT = 4096;

/**
 * Views of one buffer from an offset on, each made once (an FFI buffer argument carries no
 * offset, and a subarray per packet would allocate).
 */
class OffsetViews {
  readonly #views = new Map<number, Uint8Array<ArrayBuffer>>();

  constructor(readonly buf: Uint8Array<ArrayBuffer>) {}

  at(off: number): Uint8Array<ArrayBuffer> {
    let v = this.#views.get(off);
    if (v === undefined) {
      if (this.#views.size > 512) this.#views.clear();
      v = this.buf.subarray(off);
      this.#views.set(off, v);
    }
    return v;
  }
}

/** A peer's sockaddr, encoded once, with its address for the syscall. */
interface EncodedSockAddr {
  readonly bytes: Uint8Array<ArrayBuffer>;
  readonly addr: bigint;
  readonly len: bigint;
}

/** MSG_DONTWAIT as a syscall() argument. */
const DONTWAIT = BigInt(MSG_DONTWAIT);

/** A non-blocking UDP socket with allocation-free receive and send. */
export class UdpSocket {
  readonly port: number;
  /** The peer of the last successful `receive` (interned). */
  from: SockAddr | null = null;
  /** errno of the last failed send (for logs). */
  lastSendErrno = 0;
  readonly #fromBuf = new Uint8Array(SIZEOF_SOCKADDR_STORAGE);
  readonly #fromLen = new Uint32Array(1);
  readonly #fromLenBytes = new Uint8Array(this.#fromLen.buffer);
  readonly #encoded = new WeakMap<SockAddr, EncodedSockAddr | null>();
  /** #encodedFor's last answer. */
  #saTo: SockAddr | null = null;
  #saLast: EncodedSockAddr | null = null;
  #rxBuf: Uint8Array | null = null;
  #rxOff = -1;
  #rxView: Uint8Array<ArrayBuffer> | null = null;
  #txBuf: Uint8Array | null = null;
  #txOff = -1;
  #txView: Uint8Array<ArrayBuffer> | null = null;
  #txAddr = 0n;
  readonly #rmsgAddr: bigint;
  /** fd as a syscall() argument. */
  readonly #fdArg: bigint;

  constructor(
    readonly fd: number,
    readonly family: 4 | 6,
    readonly addresses: SockAddrTable,
  ) {
    this.port = localAddress(fd)?.port ?? 0;
    this.#rmsgAddr = addressOf(this.#rmsg);
    this.#fdArg = BigInt(fd);
    // A socket handed over by fd (to the Worker) may already deliver GRO trains.
    let gro = 0;
    try {
      gro = getIntOpt(fd, SOL_UDP, UDP_GRO);
    } catch { /* kernel without UDP_GRO */ }
    if (gro) this.enableGro();
  }

  /**
   * Receives one datagram into `buf` at `off` (at most `max` bytes). Returns its length and
   * sets `from`, or -1 when nothing is pending. Datagrams from unknown families are skipped.
   */
  receive(buf: Uint8Array<ArrayBuffer>, off: number, max: number): number {
    if (buf !== this.#rxBuf || off !== this.#rxOff) {
      this.#rxBuf = buf;
      this.#rxOff = off;
      this.#rxView = buf.subarray(off);
    }
    if (this.#gro) return this.#receiveGro(max);
    const c = libc();
    for (;;) {
      this.#fromLen[0] = SIZEOF_SOCKADDR_STORAGE;
      const n = c.recvfrom(
        this.fd,
        this.#rxView!,
        usize(max),
        0,
        this.#fromBuf,
        this.#fromLenBytes,
      );
      if (n < 0) {
        const e = errno();
        if (e === EINTR) continue;
        if (e === EAGAIN) return -1;
        // ICMP errors surface here on some kernels (ECONNREFUSED); they are not fatal.
        continue;
      }
      const from = this.addresses.lookup(this.#fromBuf);
      if (from === null) continue;
      this.from = from;
      return n;
    }
  }

  // --- UDP receive offload (UDP_GRO) ---------------------------------------------------------
  //
  // The kernel hands over a train of same-size datagrams from one sender in one recvmsg (a
  // UDP_SEGMENT train from the peer arrives whole); `receive` then returns its datagrams one
  // by one, copied to where the caller wants them.

  /** Trains received with more than one datagram (stats, tests). */
  groTrains = 0;

  /** Datagrams of a received train not yet returned: poll() cannot see these. */
  get pending(): boolean {
    return this.#groAt < this.#groEnd;
  }
  #gro = false;
  // recvmsg scatters into two iovecs: the caller's buffer (so a lone datagram, or the first of
  // a train, needs no copy) and #groBuf after GRO_FRONT bytes of room, where the rest of the
  // train is made contiguous (see #receiveGro).
  readonly #groBuf = new Uint8Array(GRO_FRONT + 65536 + 2048);
  readonly #groViews = new OffsetViews(this.#groBuf);
  #groAt = 0;
  #groEnd = 0;
  #groSeg = 0;
  readonly #rmsg = new Uint8Array(56);
  readonly #riov = new Uint8Array(32);
  readonly #rcmsg = new Uint8Array(64);
  readonly #rmsgView = new DataView(this.#rmsg.buffer);
  readonly #riovView = new DataView(this.#riov.buffer);
  readonly #rcmsgView = new DataView(this.#rcmsg.buffer);
  /** What the first iovec points at now (the caller's buffer from `receive`), and its length. */
  #rxIovView: Uint8Array | null = null;
  #rxIovLen = 0;

  /** Asks the kernel for GRO trains; false when it does not do UDP_GRO. */
  enableGro(): boolean {
    if (this.#gro) return true;
    if (!setIntOpt(this.fd, SOL_UDP, UDP_GRO, 1)) return false;
    const m = this.#rmsgView;
    m.setBigUint64(0, addressOf(this.#fromBuf), true); // msg_name
    m.setBigUint64(16, addressOf(this.#riov), true); // msg_iov
    m.setBigUint64(24, 2n, true); // msg_iovlen
    m.setBigUint64(32, addressOf(this.#rcmsg), true); // msg_control
    const iov = this.#riovView;
    iov.setBigUint64(16, addressOf(this.#groBuf) + BigInt(GRO_FRONT), true);
    iov.setBigUint64(24, BigInt(this.#groBuf.length - GRO_FRONT), true);
    this.#gro = true;
    return true;
  }

  #receiveGro(max: number): number {
    if (this.#groAt < this.#groEnd) {
      // The next datagram of a train.
      const at = this.#groAt;
      let len = this.#groEnd - at;
      if (len > this.#groSeg) len = this.#groSeg;
      if (len > max) len = max;
      libc().memcpy(this.#rxView!, this.#groViews.at(at), usize(len));
      this.#groAt = at + this.#groSeg;
      return len;
    }
    const view = this.#rxView!;
    const first = max < GRO_FRONT ? max : GRO_FRONT;
    if (view !== this.#rxIovView || first !== this.#rxIovLen) {
      this.#rxIovView = view;
      this.#rxIovLen = first;
      this.#riovView.setBigUint64(0, addressOf(view), true);
      this.#riovView.setBigUint64(8, BigInt(first), true);
    }
    const m = this.#rmsgView;
    let n: number;
    for (;;) {
      m.setUint32(8, SIZEOF_SOCKADDR_STORAGE, true); // msg_namelen
      m.setUint32(40, this.#rcmsg.length, true); // msg_controllen
      m.setUint32(44, 0, true);
      n = libc().syscall(SYS_RECVMSG, this.#fdArg, this.#rmsgAddr, 0n, 0n, 0n, 0n);
      if (n >= 0) {
        const from = this.addresses.lookup(this.#fromBuf);
        if (from === null) continue;
        this.from = from;
        break;
      }
      const e = errno();
      if (e === EAGAIN) return -1;
      // EINTR, or an ICMP error (ECONNREFUSED) queued on the socket: not fatal.
    }
    // Find the UDP_GRO cmsg (segment size) among what the kernel put in msg_control.
    let seg = n;
    const clen = m.getUint32(40, true);
    const cm = this.#rcmsgView;
    for (let at = 0; at + 16 <= clen;) {
      const len = cm.getUint32(at, true);
      if (len < 16) break;
      if (cm.getInt32(at + 8, true) === SOL_UDP && cm.getInt32(at + 12, true) === UDP_GRO) {
        const s = cm.getUint16(at + 16, true);
        if (s > 0 && s < n) seg = s;
      }
      at += (len + 7) & ~7;
    }
    if (seg < n) {
      // A train: stream bytes [first, n) are in #groBuf from GRO_FRONT; put the ones the
      // caller's buffer holds after the first datagram in front of them.
      this.groTrains++;
      this.#groSeg = seg;
      this.#groEnd = GRO_FRONT + n - first;
      if (seg < first) {
        const g = this.#groBuf, from = GRO_FRONT - (first - seg);
        for (let i = seg; i < first; i++) g[from + i - seg] = view[i]!;
        this.#groAt = from;
      } else this.#groAt = GRO_FRONT + seg - first;
    }
    return seg < first ? seg : first;
  }

  /** The sockaddr for `to` on this socket, cached per SockAddr object. */
  sockaddrFor(to: SockAddr): Uint8Array<ArrayBuffer> | null {
    return this.#encodedFor(to)?.bytes ?? null;
  }

  #encodedFor(to: SockAddr): EncodedSockAddr | null {
    // The last peer first: the usual packet skips the WeakMap (a builtin's code to fetch on a
    // cold CPU). SockAddrs are immutable, so the identity check is enough.
    if (to === this.#saTo) return this.#saLast;
    let sa = this.#encoded.get(to);
    if (sa === undefined) {
      const bytes = encodeSockAddr(to.ip, to.port, this.family);
      sa = bytes === null ? null : { bytes, addr: addressOf(bytes), len: usize(bytes.length) };
      this.#encoded.set(to, sa);
    }
    this.#saTo = to;
    this.#saLast = sa;
    return sa;
  }

  /** Sends `buf[off, off+len)` to `to` now (after any batch, to keep the order). */
  send(to: SockAddr, buf: Uint8Array<ArrayBuffer>, off: number, len: number): SendResult {
    if (this.#batchCount > 0) this.flush();
    const sa = this.#encodedFor(to);
    if (sa === null) return SendResult.Dropped;
    if (off < 0 || off + len > buf.length) return SendResult.Dropped;
    if (buf !== this.#txBuf || off !== this.#txOff) this.#txAt(buf, off);
    const r = this.#sendto(this.#txAddr, len, sa);
    // A one-peer cache in front of the WeakMap: the usual packet skips the lookup.
    if (r === SendResult.Sent && (to !== this.#okTo || len > this.#okLen)) {
      this.#noteSizeOk(to, len);
    }
    return r;
  }

  #okTo: SockAddr | null = null;
  #okLen = 0;

  #noteSizeOk(to: SockAddr, len: number): void {
    const known = this.#sizeOk.get(to) ?? 0;
    if (len > known) this.#sizeOk.set(to, len);
    this.#okTo = to;
    this.#okLen = len > known ? len : known;
  }

  #txAt(buf: Uint8Array<ArrayBuffer>, off: number): void {
    this.#txBuf = buf;
    this.#txOff = off;
    this.#txView = off === 0 ? buf : buf.subarray(off);
    this.#txAddr = addressOf(buf, off);
  }

  #sendto(at: bigint, len: number, sa: EncodedSockAddr): SendResult {
    const c = libc();
    for (;;) {
      const n = c.syscall(SYS_SENDTO, this.#fdArg, at, usize(len), DONTWAIT, sa.addr, sa.len);
      if (n >= 0) return SendResult.Sent;
      const e = errno();
      if (e === EINTR) continue;
      this.lastSendErrno = e;
      // Only EMSGSIZE lowers the path MTU (as in tincd); an unreachable peer must not shrink
      // it, or a node reached only through a relay would end up with a tiny MTU.
      return e === EMSGSIZE ? SendResult.Refused : SendResult.Dropped;
    }
  }

  // --- UDP segmentation offload (UDP_SEGMENT) ------------------------------------------------
  //
  // During a drain, datagrams of one size to one peer are copied into a train and handed to
  // the kernel in one sendmsg: one pass through routing, netfilter and the device for up to
  // 64 datagrams, which the receiver still sees as separate datagrams. Only sizes already
  // sent to that peer one by one are batched, so EMSGSIZE (PMTU probes) stays synchronous.

  /** Whether to batch at all; cleared for good when the kernel or route refuses GSO. */
  gso = true;
  /** Trains sent and datagrams in them (for stats and tests). */
  gsoTrains = 0;
  gsoSegments = 0;
  readonly #sizeOk = new WeakMap<SockAddr, number>();
  readonly #batch = new Uint8Array(GSO_MAX_BYTES + 2048);
  readonly #batchViews = new OffsetViews(this.#batch);
  #batchTo: SockAddr | null = null;
  #batchSa: EncodedSockAddr | null = null;
  readonly #batchAddr = addressOf(this.#batch);
  #batchSeg = 0;
  #batchCount = 0;
  #batchLen = 0;
  /** msghdr, iovec and cmsg for the train, pointing at each other once and for all. */
  readonly #msg = new Uint8Array(56);
  readonly #msgAddr = addressOf(this.#msg);
  readonly #iov = new Uint8Array(16);
  readonly #cmsg = new Uint8Array(24);
  readonly #name = new Uint8Array(SIZEOF_SOCKADDR_IN6);
  readonly #msgView = new DataView(this.#msg.buffer);
  readonly #iovView = new DataView(this.#iov.buffer);
  readonly #cmsgView = new DataView(this.#cmsg.buffer);
  #msgReady = false;

  /**
   * Sends `buf[off, off+len)` to `to`, possibly later as part of a train (call `flush` at
   * the end of the drain). A batched datagram counts as sent.
   */
  sendBatched(to: SockAddr, buf: Uint8Array<ArrayBuffer>, off: number, len: number): SendResult {
    if (!this.gso || len > (this.#sizeOk.get(to) ?? 0)) return this.send(to, buf, off, len);
    if (
      this.#batchCount > 0 &&
      (to !== this.#batchTo || len > this.#batchSeg || this.#batchLen % this.#batchSeg !== 0 ||
        this.#batchLen + len > GSO_MAX_BYTES || this.#batchCount >= GSO_MAX_SEGMENTS)
    ) this.flush();
    if (this.#batchCount === 0) {
      const sa = this.#encodedFor(to);
      if (sa === null) return SendResult.Refused;
      this.#batchTo = to;
      this.#batchSa = sa;
      this.#batchSeg = len;
    }
    if (off < 0 || off + len > buf.length) return SendResult.Dropped;
    if (buf !== this.#txBuf || off !== this.#txOff) this.#txAt(buf, off);
    libc().memcpy(this.#batchViews.at(this.#batchLen), this.#txView!, usize(len));
    this.#batchLen += len;
    this.#batchCount++;
    return SendResult.Sent;
  }

  /** Sends the pending train, if any. */
  flush(): void {
    const count = this.#batchCount;
    if (count === 0) return;
    const sa = this.#batchSa!, seg = this.#batchSeg, total = this.#batchLen;
    this.#batchCount = 0;
    this.#batchLen = 0;
    if (count === 1) {
      this.#sendto(this.#batchAddr, total, sa);
      return;
    }
    if (!this.#msgReady) this.#prepareMsg();
    this.#name.set(sa.bytes);
    this.#msgView.setUint32(8, sa.bytes.length, true); // msg_namelen
    this.#iovView.setUint32(8, total, true); // iov_len (low half; the high half stays 0)
    this.#cmsgView.setUint16(16, seg, true); // the segment size
    const c = libc();
    let n: number, e = 0;
    do {
      n = c.syscall(SYS_SENDMSG, this.#fdArg, this.#msgAddr, DONTWAIT, 0n, 0n, 0n);
      if (n < 0) e = errno();
    } while (n < 0 && e === EINTR);
    if (n >= 0) {
      this.gsoTrains++;
      this.gsoSegments += count;
      return;
    }
    this.lastSendErrno = e;
    if (e === EAGAIN || e === 105 /* ENOBUFS */) return; // lost, like on the wire
    if (e === EMSGSIZE) {
      this.#sizeOk.delete(this.#batchTo!);
      if (this.#okTo === this.#batchTo) this.#okTo = null;
    } else this.gso = false; // EIO (no checksum offload on the route), EINVAL, ENOPROTOOPT ...
    for (let at = 0; at < total; at += seg) {
      this.#sendto(this.#batchAddr + BigInt(at), Math.min(seg, total - at), sa);
    }
  }

  #prepareMsg(): void {
    const msg = this.#msgView;
    msg.setBigUint64(0, addressOf(this.#name), true); // msg_name
    msg.setBigUint64(16, addressOf(this.#iov), true); // msg_iov
    msg.setBigUint64(24, 1n, true); // msg_iovlen
    msg.setBigUint64(32, addressOf(this.#cmsg), true); // msg_control
    msg.setBigUint64(40, BigInt(this.#cmsg.length), true); // msg_controllen
    this.#iovView.setBigUint64(0, addressOf(this.#batch), true);
    const cm = this.#cmsgView;
    cm.setBigUint64(0, 18n, true); // CMSG_LEN(sizeof(uint16_t))
    cm.setInt32(8, SOL_UDP, true);
    cm.setInt32(12, UDP_SEGMENT, true);
    this.#msgReady = true;
  }

  /**
   * UDP_CORK: while on, sends append to one pending datagram, sent when it goes off. The JIT
   * warm-up uses it to have a send refused with EMSGSIZE on loopback (warm_up.ts).
   */
  setCork(on: boolean): boolean {
    return setIntOpt(this.fd, SOL_UDP, UDP_CORK, on ? 1 : 0);
  }

  close(): void {
    closeFd(this.fd);
  }
}

/** Opens the UDP socket tinc uses for data (port shared with the TCP listener). */
export function openUdp(opts: UdpOptions, addresses: SockAddrTable): UdpSocket {
  const { fd, family } = boundSocket(opts.address ?? "::", opts.port, SOCK_DGRAM);
  setBufferSize(fd, true, opts.receiveBuffer ?? 4 << 20);
  setBufferSize(fd, false, opts.sendBuffer ?? 4 << 20);
  if (opts.pmtuDiscovery ?? true) {
    if (family === 6) setIntOpt(fd, IPPROTO_IPV6, IPV6_MTU_DISCOVER, IPV6_PMTUDISC_DO);
    // Also for IPv4 peers on a dual-stack socket.
    setIntOpt(fd, IPPROTO_IP, IP_MTU_DISCOVER, IP_PMTUDISC_DO);
  }
  const sock = new UdpSocket(fd, family, addresses);
  if (opts.gro ?? true) sock.enableGro();
  return sock;
}

/** Socket buffer sizes as the kernel reports them (doubled from what was set). */
export function socketBufferSizes(fd: number): { receive: number; send: number } {
  return {
    receive: getIntOpt(fd, SOL_SOCKET, SO_RCVBUF),
    send: getIntOpt(fd, SOL_SOCKET, SO_SNDBUF),
  };
}

/** A listening TCP socket (non-blocking accept). */
export function tcpListen(address: string, port: number, backlog = 64): number {
  const { fd } = boundSocket(address, port, SOCK_STREAM);
  try {
    check(libc().listen(fd, backlog), "listen");
  } catch (e) {
    closeFd(fd);
    throw e;
  }
  return fd;
}

/**
 * A UDP socket and a TCP listener on one port the kernel picks, as tinc serves both. When
 * the number it gave the UDP socket is taken for TCP (by another program), it tries again.
 */
export function openUdpAndListener(
  opts: Omit<UdpOptions, "port">,
  addresses: SockAddrTable,
): { udp: UdpSocket; listener: number } {
  for (let attempt = 1;; attempt++) {
    const udp = openUdp({ ...opts, port: 0 }, addresses);
    try {
      return { udp, listener: tcpListen(opts.address ?? "::", udp.port) };
    } catch (e) {
      udp.close();
      if (!(e instanceof OsError && e.errno === EADDRINUSE) || attempt === PORT_ATTEMPTS) throw e;
    }
  }
}

/** Ports openUdpAndListener tries before it gives up. */
const PORT_ATTEMPTS = 20;

/** Accept scratch (one per thread is enough: the loop is single-threaded). */
const acceptAddr = new Uint8Array(SIZEOF_SOCKADDR_STORAGE);
const acceptLen = new Uint32Array(1);

/**
 * Accepts one pending connection: its non-blocking fd and peer, or null when none is pending.
 * Throws on other errors (EMFILE, ENFILE): the caller backs off.
 */
export function tcpAccept(
  listenFd: number,
  addresses: SockAddrTable,
): { fd: number; from: SockAddr | null } | null {
  const c = libc();
  for (;;) {
    acceptLen[0] = SIZEOF_SOCKADDR_STORAGE;
    const fd = c.accept4(
      listenFd,
      acceptAddr,
      new Uint8Array(acceptLen.buffer),
      SOCK_NONBLOCK | SOCK_CLOEXEC,
    );
    if (fd >= 0) {
      setIntOpt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
      setIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
      return { fd, from: addresses.lookup(acceptAddr) };
    }
    const e = errno();
    if (e === EINTR) continue;
    // The peer gave up before we accepted: nothing to do.
    if (e === EAGAIN || e === 103 /* ECONNABORTED */ || e === 71 /* EPROTO */) return null;
    throw new OsError("accept4", e);
  }
}

/**
 * Starts a non-blocking connect. Returns the fd; `pending` means wait for POLLOUT and then
 * read `socketError`. Throws when the connect fails at once.
 */
export function tcpConnect(to: SockAddr): { fd: number; pending: boolean } {
  const c = libc();
  const family: 4 | 6 = to.family;
  const fd = check(
    c.socket(family === 4 ? AF_INET : AF_INET6, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0),
    "socket",
  );
  const sa = encodeSockAddr(to.ip, to.port, family);
  if (!sa) {
    closeFd(fd);
    throw new Error(`Cannot connect to ${to.key}: not a numeric address`);
  }
  setIntOpt(fd, IPPROTO_TCP, TCP_NODELAY, 1);
  setIntOpt(fd, SOL_SOCKET, SO_KEEPALIVE, 1);
  const r = c.connect(fd, sa, sa.length);
  if (r === 0) return { fd, pending: false };
  const e = errno();
  if (e === EINPROGRESS || e === EINTR) return { fd, pending: true };
  closeFd(fd);
  throw new OsError("connect", e, to.key);
}

/** SO_ERROR of a socket (0 when a pending connect succeeded). */
export function socketError(fd: number): number {
  return getIntOpt(fd, SOL_SOCKET, SO_ERROR);
}

/** recv: bytes read, 0 at EOF, -EAGAIN when nothing is pending, -errno on error. */
export function streamRecv(fd: number, buf: Uint8Array<ArrayBuffer>, max: number): number {
  const c = libc();
  for (;;) {
    const n = c.recv(fd, buf, usize(max), MSG_DONTWAIT);
    if (n >= 0) return n;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}

/** send without SIGPIPE: bytes written (maybe fewer), -EAGAIN when full, -errno on error. */
export function streamSend(fd: number, buf: Uint8Array<ArrayBuffer>, len: number): number {
  const c = libc();
  for (;;) {
    const n = c.send(fd, buf, usize(len), MSG_DONTWAIT | MSG_NOSIGNAL);
    if (n >= 0) return n;
    const e = errno();
    if (e !== EINTR) return -e;
  }
}
