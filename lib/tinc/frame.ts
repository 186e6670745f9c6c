/**
 * Ethernet / IPv4 / IPv6 / ARP / ICMP / NDP helpers for the router (tincd 1.0.36 src/route.c),
 * working on frames in place: `buf[off, off+len)` is an Ethernet frame (14-byte header).
 *
 * API:
 * - `ethertype(buf, off)`, constants ETH_P_*.
 * - `inetChecksum(buf, off, len, prev)`: tinc's inet_checksum (prev = 0xffff to start).
 * - `writeIcmp4Unreachable(src, off, len, ethLen, type, code, dst, dstOff)` and
 *   `writeIcmp6Unreachable(...)`: the reply tincd builds (route_ipv4/6_unreachable): MACs
 *   swapped, addresses swapped, the first bytes of the original quoted (576-byte cap); the
 *   frag-needed / packet-too-big MTU is `len - ethLen`, so callers pass len = the MTU to report.
 *   They return the reply length in dst, which must not overlap the source frame.
 * - `arpRequestTarget(buf, off, len)` → offset of the target protocol address of a valid ARP
 *   request, or -1; `makeArpReply(buf, off)` turns it into tincd's reply in place.
 * - `neighborSolicitTarget(buf, off, len)` → offset of the NS target of a valid (checksummed)
 *   neighbour solicitation, or -1; `makeNeighborAdvert(buf, off, len)` answers it in place.
 * - `clampMss(buf, off, len, mtu)`: tincd's clamp_mss (including the quirk that the MSS length
 *   byte is read at a fixed offset); returns the new MSS or 0 when nothing changed.
 *
 * @module
 */

export const ETH_HLEN = 14;
export const ETH_ALEN = 6;
export const ETH_P_IP = 0x0800;
export const ETH_P_ARP = 0x0806;
export const ETH_P_IPV6 = 0x86dd;
export const ETH_P_8021Q = 0x8100;

export const IP_HLEN = 20;
export const IP6_HLEN = 40;
export const ICMP_HLEN = 8;
export const ARP_LEN = 28;
export const NS_LEN = 24;
/** IP_MSS in route.c: replies quote at most 576 - headers bytes. */
export const IP_MSS = 576;

export const IPPROTO_ICMP = 1;
export const IPPROTO_TCP = 6;
export const IPPROTO_ICMPV6 = 58;

export const ICMP_DEST_UNREACH = 3;
export const ICMP_NET_UNREACH = 0;
export const ICMP_FRAG_NEEDED = 4;
export const ICMP_NET_UNKNOWN = 6;
export const ICMP_NET_ANO = 9;

export const ICMP6_DST_UNREACH = 1;
export const ICMP6_DST_UNREACH_NOROUTE = 0;
export const ICMP6_DST_UNREACH_ADMIN = 1;
export const ICMP6_DST_UNREACH_ADDR = 3;
export const ICMP6_PACKET_TOO_BIG = 2;
export const ND_NEIGHBOR_SOLICIT = 135;
export const ND_NEIGHBOR_ADVERT = 136;
export const ND_OPT_SOURCE_LINKADDR = 1;
export const ND_OPT_TARGET_LINKADDR = 2;

export function ethertype(buf: Uint8Array, off: number): number {
  return (buf[off + 12]! << 8) | buf[off + 13]!;
}

/** tinc's inet_checksum: one's-complement sum continuing from `prev` (0xffff to start). */
export function inetChecksum(buf: Uint8Array, off: number, len: number, prev = 0xffff): number {
  let sum = prev ^ 0xffff;
  for (; len >= 2; len -= 2, off += 2) sum += (buf[off]! << 8) | buf[off + 1]!;
  if (len > 0) sum += buf[off]! << 8;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function put16(b: Uint8Array, at: number, v: number): void {
  b[at] = (v >>> 8) & 0xff;
  b[at + 1] = v & 0xff;
}

function put32(b: Uint8Array, at: number, v: number): void {
  b[at] = v >>> 24;
  b[at + 1] = (v >>> 16) & 0xff;
  b[at + 2] = (v >>> 8) & 0xff;
  b[at + 3] = v & 0xff;
}

/** Ethernet header of a reply: source and destination swapped, ethertype (and VLAN) kept. */
function copySwappedEthernet(
  src: Uint8Array,
  off: number,
  ethLen: number,
  dst: Uint8Array,
  dstOff: number,
): void {
  dst.set(src.subarray(off + ETH_ALEN, off + 2 * ETH_ALEN), dstOff);
  dst.set(src.subarray(off, off + ETH_ALEN), dstOff + ETH_ALEN);
  dst.set(src.subarray(off + 2 * ETH_ALEN, off + ethLen), dstOff + 2 * ETH_ALEN);
}

/** route_ipv4_unreachable: builds the ICMP error into dst; returns its length. */
export function writeIcmp4Unreachable(
  src: Uint8Array,
  off: number,
  len: number,
  ethLen: number,
  type: number,
  code: number,
  dst: Uint8Array,
  dstOff: number,
): number {
  copySwappedEthernet(src, off, ethLen, dst, dstOff);
  const ip = off + ethLen;
  let oldlen = len - ethLen;
  const nextMtu = type === ICMP_DEST_UNREACH && code === ICMP_FRAG_NEEDED ? len - ethLen : 0;
  if (oldlen >= IP_MSS - IP_HLEN - ICMP_HLEN) oldlen = IP_MSS - IP_HLEN - ICMP_HLEN;
  const o = dstOff + ethLen;
  // quote the original first (src and dst must not overlap)
  dst.set(src.subarray(ip, ip + oldlen), o + IP_HLEN + ICMP_HLEN);
  // IPv4 header
  dst[o] = 0x45;
  dst[o + 1] = 0;
  put16(dst, o + 2, IP_HLEN + ICMP_HLEN + oldlen);
  put16(dst, o + 4, 0);
  put16(dst, o + 6, 0);
  dst[o + 8] = 255;
  dst[o + 9] = IPPROTO_ICMP;
  put16(dst, o + 10, 0);
  // addresses swapped: the quoted copy still holds the originals
  const q = o + IP_HLEN + ICMP_HLEN;
  dst.copyWithin(o + 12, q + 16, q + 20);
  dst.copyWithin(o + 16, q + 12, q + 16);
  put16(dst, o + 10, inetChecksum(dst, o, IP_HLEN));
  // ICMP header
  const c = o + IP_HLEN;
  dst[c] = type;
  dst[c + 1] = code;
  put16(dst, c + 2, 0);
  put16(dst, c + 4, 0);
  put16(dst, c + 6, nextMtu);
  put16(dst, c + 2, inetChecksum(dst, c, ICMP_HLEN + oldlen));
  return ethLen + IP_HLEN + ICMP_HLEN + oldlen;
}

const pseudo = new Uint8Array(40);

function pseudoSum(
  b: Uint8Array,
  srcAt: number,
  dstAt: number,
  length: number,
  next: number,
): number {
  pseudo.set(b.subarray(srcAt, srcAt + 16), 0);
  pseudo.set(b.subarray(dstAt, dstAt + 16), 16);
  put32(pseudo, 32, length);
  put32(pseudo, 36, next);
  return inetChecksum(pseudo, 0, 40);
}

/** route_ipv6_unreachable: builds the ICMPv6 error into dst; returns its length. */
export function writeIcmp6Unreachable(
  src: Uint8Array,
  off: number,
  len: number,
  ethLen: number,
  type: number,
  code: number,
  dst: Uint8Array,
  dstOff: number,
): number {
  copySwappedEthernet(src, off, ethLen, dst, dstOff);
  const ip = off + ethLen;
  let plen = len - ethLen;
  const mtu = type === ICMP6_PACKET_TOO_BIG ? plen : 0;
  if (plen >= IP_MSS - IP6_HLEN - ICMP_HLEN) plen = IP_MSS - IP6_HLEN - ICMP_HLEN;
  const o = dstOff + ethLen;
  const q = o + IP6_HLEN + ICMP_HLEN;
  dst.set(src.subarray(ip, ip + plen), q);
  put32(dst, o, 0x60000000);
  put16(dst, o + 4, ICMP_HLEN + plen);
  dst[o + 6] = IPPROTO_ICMPV6;
  dst[o + 7] = 255;
  dst.copyWithin(o + 8, q + 24, q + 40); // source = original destination
  dst.copyWithin(o + 24, q + 8, q + 24); // destination = original source
  const c = o + IP6_HLEN;
  dst[c] = type;
  dst[c + 1] = code;
  put16(dst, c + 2, 0);
  put32(dst, c + 4, mtu);
  let sum = pseudoSum(dst, o + 8, o + 24, ICMP_HLEN + plen, IPPROTO_ICMPV6);
  sum = inetChecksum(dst, c, ICMP_HLEN + plen, sum);
  put16(dst, c + 2, sum);
  return ethLen + IP6_HLEN + ICMP_HLEN + plen;
}

/** Offset of the target IPv4 address of a valid Ethernet/IPv4 ARP request, or -1. */
export function arpRequestTarget(buf: Uint8Array, off: number, len: number): number {
  if (len < ETH_HLEN + ARP_LEN) return -1;
  const a = off + ETH_HLEN;
  const hrd = (buf[a]! << 8) | buf[a + 1]!;
  const pro = (buf[a + 2]! << 8) | buf[a + 3]!;
  const op = (buf[a + 6]! << 8) | buf[a + 7]!;
  if (hrd !== 1 || pro !== ETH_P_IP || buf[a + 4] !== 6 || buf[a + 5] !== 4 || op !== 1) return -1;
  return a + 24;
}

/** route_arp's reply, in place (same length). */
export function makeArpReply(buf: Uint8Array, off: number): void {
  buf.copyWithin(off, off + ETH_ALEN, off + 2 * ETH_ALEN);
  buf[off + 2 * ETH_ALEN - 1]! ^= 0xff; // fake source: not our own MAC
  const a = off + ETH_HLEN;
  for (let i = 0; i < 4; i++) { // swap sender and target protocol addresses
    const t = buf[a + 14 + i]!;
    buf[a + 14 + i] = buf[a + 24 + i]!;
    buf[a + 24 + i] = t;
  }
  buf.copyWithin(a + 18, a + 8, a + 14); // target hw = requester's hw
  buf.copyWithin(a + 8, off + ETH_ALEN, off + 2 * ETH_ALEN); // sender hw = fake
  put16(buf, a + 6, 2);
}

function nsHasOption(len: number): boolean {
  return len >= ETH_HLEN + IP6_HLEN + NS_LEN + 2 + ETH_ALEN;
}

function nsChecksum(buf: Uint8Array, off: number, hasOpt: boolean): number {
  const ip = off + ETH_HLEN;
  const icmpLen = hasOpt ? NS_LEN + 8 : NS_LEN;
  const sum = pseudoSum(buf, ip + 8, ip + 24, icmpLen, IPPROTO_ICMPV6);
  return inetChecksum(buf, ip + IP6_HLEN, icmpLen, sum);
}

/** Offset of the target address of a valid neighbour solicitation, or -1. */
export function neighborSolicitTarget(buf: Uint8Array, off: number, len: number): number {
  if (len < ETH_HLEN + IP6_HLEN + NS_LEN) return -1;
  const hasOpt = nsHasOption(len);
  const ns = off + ETH_HLEN + IP6_HLEN;
  if (buf[ns] !== ND_NEIGHBOR_SOLICIT) return -1;
  if (hasOpt && buf[ns + NS_LEN] !== ND_OPT_SOURCE_LINKADDR) return -1;
  if (nsChecksum(buf, off, hasOpt) !== 0) return -1;
  return ns + 8;
}

/** route_neighborsol's advertisement, in place. */
export function makeNeighborAdvert(buf: Uint8Array, off: number, len: number): void {
  const hasOpt = nsHasOption(len);
  buf.copyWithin(off, off + ETH_ALEN, off + 2 * ETH_ALEN);
  buf[off + 2 * ETH_ALEN - 1]! ^= 0xff;
  const ip = off + ETH_HLEN;
  const ns = ip + IP6_HLEN;
  buf.copyWithin(ip + 24, ip + 8, ip + 24); // destination = solicitor
  buf.copyWithin(ip + 8, ns + 8, ns + 24); // source = the target address
  if (hasOpt) {
    buf.copyWithin(ns + NS_LEN + 2, off + ETH_ALEN, off + 2 * ETH_ALEN);
    buf[ns + NS_LEN] = ND_OPT_TARGET_LINKADDR;
  }
  buf[ns] = ND_NEIGHBOR_ADVERT;
  put16(buf, ns + 2, 0);
  put32(buf, ns + 4, 0x40000000); // solicited
  put16(buf, ns + 2, nsChecksum(buf, off, hasOpt));
}

/** tincd clamp_mss; returns the new MSS when it rewrote one, else 0. */
export function clampMss(buf: Uint8Array, off: number, len: number, mtu: number): number {
  let start = ETH_HLEN;
  let type = ethertype(buf, off);
  if (type === ETH_P_8021Q) {
    start += 4;
    type = (buf[off + 16]! << 8) | buf[off + 17]!;
  }
  if (len < start + 10) return 0;
  if (type === ETH_P_IP && buf[off + start + 9] === IPPROTO_TCP) {
    start += (buf[off + start]! & 0xf) * 4;
  } else if (type === ETH_P_IPV6 && buf[off + start + 6] === IPPROTO_TCP) {
    start += 40;
  } else return 0;
  if (len <= start + 20) return 0;
  const s = off + start;
  const optLen = ((buf[s + 12]! >> 4) - 5) * 4;
  if (len < start + 20 + optLen) return 0;
  for (let i = 0; i < optLen;) {
    const kind = buf[s + 20 + i]!;
    if (kind === 0) break;
    if (kind === 1) {
      i++;
      continue;
    }
    if (i > optLen - 2 || i > optLen - buf[s + 21 + i]!) break;
    if (kind !== 2) {
      if (buf[s + 21 + i]! < 2) break;
      i += buf[s + 21 + i]!;
      continue;
    }
    if (buf[s + 21] !== 4) break; // tincd reads the length at a fixed offset (no + i)
    const oldmss = (buf[s + 22 + i]! << 8) | buf[s + 23 + i]!;
    const newmss = (mtu - start - 20) & 0xffff;
    if (oldmss <= newmss) break;
    buf[s + 22 + i] = newmss >> 8;
    buf[s + 23 + i] = newmss & 0xff;
    let csum = (buf[s + 16]! << 8) | buf[s + 17]!;
    csum ^= 0xffff;
    csum += oldmss ^ 0xffff;
    csum += newmss;
    csum = (csum & 0xffff) + (csum >>> 16);
    csum += csum >>> 16;
    csum ^= 0xffff;
    buf[s + 16] = (csum >>> 8) & 0xff;
    buf[s + 17] = csum & 0xff;
    return newmss;
  }
  return 0;
}
