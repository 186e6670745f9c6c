/**
 * Interface set-up over rtnetlink (a NETLINK_ROUTE socket through FFI): the same requests
 * `ip link set`, `ip addr replace` and `ip route replace` send, without starting a process.
 * An `ip` run (fork, exec, iproute2's start) costs a daemon ~5-10 ms of its core before its
 * first packet; these requests take microseconds.
 *
 * `encodeSetup(cfg, ifindex)` builds the messages (pure, tested byte for byte against what
 * iproute2 6.1 sends); `setupViaNetlink(cfg)` sends them, one acknowledged request at a time,
 * and says whether everything that must succeed did. netif.ts falls back to `ip` when it did
 * not, so errors still read like iproute2's.
 *
 * @module
 */
import { addressOf, closeFd, libc } from "../../ffi/libc.ts";
import {
  AF_INET,
  AF_INET6,
  IFNAMSIZ,
  POLLIN,
  SIZEOF_IFREQ,
  SOCK_CLOEXEC,
} from "../../ffi/linux_constants.ts";
import { parseIPv6 } from "../tinc/address.ts";
import type { InterfaceConfig } from "./netif.ts";
import { parseCidr } from "./netif.ts";

// <linux/netlink.h>, <linux/rtnetlink.h>, <linux/if_link.h>, <linux/if_addr.h>
const AF_NETLINK = 16;
const SOCK_RAW = 3;
const NETLINK_ROUTE = 0;
const NLMSG_ERROR = 2;
const NLM_F_REQUEST = 0x1;
const NLM_F_ACK = 0x4;
const NLM_F_REPLACE = 0x100;
const NLM_F_CREATE = 0x400;
const RTM_NEWLINK = 16;
const RTM_NEWADDR = 20;
const RTM_NEWROUTE = 24;
const IFLA_MTU = 4;
const IFLA_AF_SPEC = 26;
const IFLA_INET6_ADDR_GEN_MODE = 8;
const IN6_ADDR_GEN_MODE_NONE = 1;
const IFF_UP = 0x1;
const IFA_ADDRESS = 1;
const IFA_LOCAL = 2;
const RTA_DST = 1;
const RTA_OIF = 4;
const RTA_PRIORITY = 6;
const RT_TABLE_MAIN = 254;
const RTPROT_BOOT = 3;
const RT_SCOPE_UNIVERSE = 0;
const RT_SCOPE_LINK = 253;
const RTN_UNICAST = 1;
/** <linux/sockios.h> */
const SIOCGIFINDEX = 0x8933;

/** One request: the message and whether its failure may be ignored (addrgenmode). */
export interface NetlinkStep {
  readonly message: Uint8Array;
  readonly optional: boolean;
}

/** Appends rtattrs to a byte list, 4-byte aligned. */
class Writer {
  readonly bytes: number[] = [];

  u8(v: number): this {
    this.bytes.push(v & 0xff);
    return this;
  }
  u16(v: number): this {
    return this.u8(v).u8(v >>> 8);
  }
  u32(v: number): this {
    return this.u16(v & 0xffff).u16(v >>> 16);
  }
  raw(b: readonly number[]): this {
    for (const x of b) this.u8(x);
    return this;
  }
  align(): this {
    while (this.bytes.length % 4 !== 0) this.u8(0);
    return this;
  }
  /** rtattr { len, type } + payload (written by `body`), padded. */
  attr(type: number, body: (w: Writer) => void): this {
    const start = this.bytes.length;
    this.u16(0).u16(type);
    body(this);
    const len = this.bytes.length - start;
    this.bytes[start] = len & 0xff;
    this.bytes[start + 1] = len >>> 8;
    return this.align();
  }
}

/** nlmsghdr around a payload; the length is filled in. */
function message(type: number, flags: number, seq: number, payload: Writer): Uint8Array {
  const w = new Writer().u32(16 + payload.bytes.length).u16(type).u16(flags).u32(seq).u32(0);
  return new Uint8Array([...w.bytes, ...payload.bytes]);
}

/** An address as bytes (4 or 16), or null if it is neither IPv4 nor IPv6. */
export function addressBytes(ip: string): number[] | null {
  if (ip.includes(":")) {
    const g = parseIPv6(ip);
    return g ? g.flatMap((x) => [x >>> 8, x & 0xff]) : null;
  }
  const parts = ip.split(".");
  if (parts.length !== 4 || parts.some((p) => !/^\d{1,3}$/.test(p) || Number(p) > 255)) {
    return null;
  }
  return parts.map(Number);
}

/**
 * The set-up as netlink requests, in netif.ts's order: addrgenmode none (optional, IPv4-only
 * devices), mtu, addresses, up, routes. Null when an address or route is not numeric.
 */
export function encodeSetup(cfg: InterfaceConfig, ifindex: number): NetlinkStep[] | null {
  const steps: NetlinkStep[] = [];
  let seq = 1;
  const link = (flags: number, change: number, attrs: (w: Writer) => void) =>
    message(
      RTM_NEWLINK,
      NLM_F_REQUEST | NLM_F_ACK,
      seq++,
      ((w) => (attrs(w), w))(new Writer().u8(0).u8(0).u16(0).u32(ifindex).u32(flags).u32(change)),
    );
  const v6 = cfg.addresses.some((a) => a.local.includes(":")) ||
    cfg.routes.some((r) => r.includes(":"));
  if (cfg.disableIpv6 ?? !v6) {
    const m = link(
      0,
      0,
      (w) =>
        w.attr(
          IFLA_AF_SPEC,
          (s) =>
            s.attr(AF_INET6, (f) =>
              f.attr(IFLA_INET6_ADDR_GEN_MODE, (g) => g.u8(IN6_ADDR_GEN_MODE_NONE))),
        ),
    );
    steps.push({ message: m, optional: true });
  }
  steps.push({
    message: link(0, 0, (w) => w.attr(IFLA_MTU, (a) => a.u32(cfg.mtu))),
    optional: false,
  });
  for (const a of cfg.addresses) {
    const local = addressBytes(a.local);
    const peer = a.peer === undefined ? local : addressBytes(a.peer);
    if (!local || !peer || peer.length !== local.length) return null;
    const family = local.length === 4 ? AF_INET : AF_INET6;
    const w = new Writer().u8(family).u8(a.prefixLength).u8(0).u8(RT_SCOPE_UNIVERSE).u32(ifindex)
      .attr(IFA_LOCAL, (x) => x.raw(local))
      .attr(IFA_ADDRESS, (x) => x.raw(peer));
    const flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE;
    steps.push({ message: message(RTM_NEWADDR, flags, seq++, w), optional: false });
  }
  steps.push({ message: link(IFF_UP, IFF_UP, () => {}), optional: false });
  for (const r of cfg.routes) {
    let family = AF_INET, dst: number[] = [], dstLen = 0;
    if (r !== "default") {
      const { ip, prefixLength } = parseCidr(r);
      const b = addressBytes(ip);
      if (!b || !(prefixLength >= 0 && prefixLength <= b.length * 8)) return null;
      family = b.length === 4 ? AF_INET : AF_INET6;
      dst = b;
      dstLen = prefixLength;
    }
    // iproute2's choice for a device route without gateway: link scope for IPv4, universe
    // for IPv6.
    const scope = family === AF_INET ? RT_SCOPE_LINK : RT_SCOPE_UNIVERSE;
    const w = new Writer().u8(family).u8(dstLen).u8(0).u8(0)
      .u8(RT_TABLE_MAIN).u8(RTPROT_BOOT).u8(scope).u8(RTN_UNICAST).u32(0);
    if (r !== "default") w.attr(RTA_DST, (x) => x.raw(dst));
    if (cfg.metric !== undefined) w.attr(RTA_PRIORITY, (x) => x.u32(cfg.metric!));
    w.attr(RTA_OIF, (x) => x.u32(ifindex));
    const flags = NLM_F_REQUEST | NLM_F_ACK | NLM_F_REPLACE | NLM_F_CREATE;
    steps.push({ message: message(RTM_NEWROUTE, flags, seq++, w), optional: false });
  }
  return steps;
}

/** The kernel's answer to an acknowledged request: 0, or a negative errno. */
export function ackErrno(reply: Uint8Array, seq: number): number | null {
  const dv = new DataView(reply.buffer, reply.byteOffset, reply.byteLength);
  for (let off = 0; off + 20 <= reply.length;) {
    const len = dv.getUint32(off, true);
    if (len < 16) break;
    if (dv.getUint16(off + 4, true) === NLMSG_ERROR && dv.getUint32(off + 8, true) === seq) {
      return dv.getInt32(off + 16, true);
    }
    off += (len + 3) & ~3;
  }
  return null;
}

/**
 * Sends the set-up over rtnetlink. True when every step that must succeed did (an optional
 * one may fail); false when netlink is unavailable, the config is not all numeric, or a
 * request failed (the caller then goes through `ip`, which reports the error in its words).
 */
export function setupViaNetlink(cfg: InterfaceConfig): boolean {
  const c = libc();
  const fd = c.socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) return false;
  try {
    const ifr = new Uint8Array(SIZEOF_IFREQ);
    const name = new TextEncoder().encode(cfg.name);
    if (name.length >= IFNAMSIZ) return false;
    ifr.set(name);
    if (c.ioctl(fd, BigInt(SIOCGIFINDEX), ifr) < 0) return false;
    const ifindex = new DataView(ifr.buffer).getInt32(IFNAMSIZ, true);
    const steps = encodeSetup(cfg, ifindex);
    if (!steps) return false;
    const reply = new Uint8Array(8192);
    const pfd = new Uint8Array(8);
    for (const step of steps) {
      const m = step.message;
      if (c.send(fd, m, BigInt(m.length), 0) !== m.length) return false;
      const seq = new DataView(m.buffer).getUint32(8, true);
      let result: number | null = null;
      while (result === null) {
        // The kernel answers at once; the timeout only guards against a silent one.
        new DataView(pfd.buffer).setInt32(0, fd, true);
        new DataView(pfd.buffer).setInt16(4, POLLIN, true);
        if (c.poll(addressOf(pfd), 1n, 1000) <= 0) return false;
        const n = c.recv(fd, reply, BigInt(reply.length), 0);
        if (n < 0) return false;
        result = ackErrno(reply.subarray(0, n), seq);
      }
      if (result !== 0 && !step.optional) return false;
    }
    return true;
  } finally {
    closeFd(fd);
  }
}
