/**
 * tincd 1.0.36's route(): where a frame goes, in router, switch and hub mode (src/route.c).
 *
 * API: `new Router(myself, subnets, config, actions)`, then
 * - `route(source, buf, off, len, now): number` — decides and acts through `actions`
 *   (`sendPacket` = tincd's send_packet, `broadcast` = broadcast_packet); returns a ROUTE_*
 *   code saying what it did (for logs and tests). ICMP errors and ARP/NDP answers are sent back
 *   to `source` with `sendPacket`. `buf` may be modified in place (ARP/NDP answers, MSS
 *   clamping); ICMP errors and IPv4 fragments are built in the router's own scratch buffer
 *   (with FRAME_HEADROOM in front, so they can be encrypted in place).
 * - Switch mode learns source MACs of frames from `myself`: a new one is reported with
 *   `actions.learnedMac(subnet)` (the control plane adds it to the table under myself and sends
 *   ADD_SUBNET); `ageMacs(now)` reports expired ones with `actions.expiredMac(subnet)` (DEL_SUBNET,
 *   remove). `expireMac(subnet)` is tincd's fast handoff (another node claims the MAC).
 *
 * @module
 */
import type { BroadcastMode, RoutingMode } from "./config.ts";
import { type Subnet, type SubnetOwner, SubnetTable } from "./subnet.ts";
import {
  arpRequestTarget,
  clampMss,
  ETH_HLEN,
  ETH_P_8021Q,
  ETH_P_ARP,
  ETH_P_IP,
  ETH_P_IPV6,
  ethertype,
  ICMP6_DST_UNREACH,
  ICMP6_DST_UNREACH_ADDR,
  ICMP6_DST_UNREACH_ADMIN,
  ICMP6_DST_UNREACH_NOROUTE,
  ICMP6_PACKET_TOO_BIG,
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  ICMP_NET_ANO,
  ICMP_NET_UNKNOWN,
  ICMP_NET_UNREACH,
  inetChecksum,
  IP6_HLEN,
  IP_HLEN,
  IPPROTO_ICMPV6,
  makeArpReply,
  makeNeighborAdvert,
  ND_NEIGHBOR_SOLICIT,
  neighborSolicitTarget,
  writeIcmp4Unreachable,
  writeIcmp6Unreachable,
} from "./frame.ts";
import { FRAME_HEADROOM, MAX_FRAME } from "./types.ts";
import { MTU } from "./pmtu.ts";

/** OPTION_CLAMP_MSS in ACK/edge options. */
export const OPTION_CLAMP_MSS = 0x8;

export const ROUTE_UNICAST = 1;
export const ROUTE_BROADCAST = 2;
export const ROUTE_ARP_REPLY = 3;
export const ROUTE_NDP_REPLY = 4;
export const ROUTE_ICMP = 5; // an ICMP/ICMPv6 error went back to the source
export const ROUTE_FRAGMENTED = 6;
export const ROUTE_DROP_SHORT = -1;
export const ROUTE_DROP_TYPE = -2; // unknown ethertype in router mode
export const ROUTE_DROP_LOOP = -3; // owner == source, or via == source
export const ROUTE_DROP_LOCAL = -4; // ARP/NDP for our own address, or from a remote node
export const ROUTE_DROP_BAD_REQUEST = -5; // malformed ARP/NDP, unknown target
export const ROUTE_DROP_RATELIMIT = -6; // an ICMP error suppressed by ratelimit(3)
export const ROUTE_DROP_DIRECTONLY = -7; // switch mode: DirectOnly and owner ≠ via

/** What route needs of a node (the control plane's Node satisfies it). */
export interface RouteNode extends SubnetOwner {
  readonly via: RouteNode | null;
  readonly nexthop: RouteNode | null;
  readonly options: number;
}

export interface RouterConfig {
  readonly mode: RoutingMode;
  readonly broadcast: BroadcastMode;
  readonly directOnly: boolean;
  /** Seconds (MACExpire). */
  readonly macExpire: number;
}

export interface RouteActions<N extends RouteNode> {
  /** tincd send_packet: to `myself` means the local device. */
  sendPacket(to: N, buf: Uint8Array, off: number, len: number): void;
  /** tincd broadcast_packet. */
  broadcast(from: N, buf: Uint8Array, off: number, len: number): void;
  /** The node's path MTU (tincd n->mtu); MTU for myself. */
  mtuOf(n: N): number;
  learnedMac(subnet: Subnet): void;
  expiredMac(subnet: Subnet): void;
}

interface LearnedMac {
  readonly subnet: Subnet;
  expires: number;
}

export class Router<N extends RouteNode> {
  readonly #scratch = new Uint8Array(FRAME_HEADROOM + MAX_FRAME + 64);
  readonly #macs = new Map<number, LearnedMac>();
  #rateSecond = -1;
  #rateCount = 0;

  constructor(
    readonly myself: N,
    readonly subnets: SubnetTable<N>,
    readonly config: RouterConfig,
    readonly actions: RouteActions<N>,
  ) {}

  route(source: N, buf: Uint8Array, off: number, len: number, now: number): number {
    if (len < ETH_HLEN) return ROUTE_DROP_SHORT;
    switch (this.config.mode) {
      case "router": {
        const type = ethertype(buf, off);
        if (type === ETH_P_IP) return this.#routeIpv4(source, buf, off, len, now);
        if (type === ETH_P_IPV6) return this.#routeIpv6(source, buf, off, len, now);
        if (type === ETH_P_ARP) return this.#routeArp(source, buf, off, len);
        return ROUTE_DROP_TYPE;
      }
      case "switch":
        return this.#routeMac(source, buf, off, len, now);
      case "hub":
        this.actions.broadcast(source, buf, off, len);
        return ROUTE_BROADCAST;
    }
  }

  /** tincd's ratelimit(3): at most 3 ICMP errors per second. */
  #ratelimited(now: number): boolean {
    const sec = Math.floor(now / 1000);
    if (sec === this.#rateSecond) {
      if (this.#rateCount >= 3) return true;
    } else {
      this.#rateSecond = sec;
      this.#rateCount = 0;
    }
    this.#rateCount++;
    return false;
  }

  /**
   * An ICMP (IPv4 frame) or ICMPv6 (IPv6 frame) error about the frame, sent back to `source`;
   * the frame's own ethertype (after any VLAN tag) says which.
   */
  #icmp(
    source: N,
    buf: Uint8Array,
    off: number,
    len: number,
    ethLen: number,
    type: number,
    code: number,
    now: number,
  ): number {
    if (this.#ratelimited(now)) return ROUTE_DROP_RATELIMIT;
    const write = ethertype(buf, off + ethLen - ETH_HLEN) === ETH_P_IPV6
      ? writeIcmp6Unreachable
      : writeIcmp4Unreachable;
    const n = write(buf, off, len, ethLen, type, code, this.#scratch, FRAME_HEADROOM);
    this.actions.sendPacket(source, this.#scratch, FRAME_HEADROOM, n);
    return ROUTE_ICMP;
  }

  /** ICMP6_DST_UNREACH with `code`, about an untagged IPv6 frame. */
  #unreach6(source: N, buf: Uint8Array, off: number, len: number, code: number, now: number) {
    return this.#icmp(source, buf, off, len, ETH_HLEN, ICMP6_DST_UNREACH, code, now);
  }

  #viaOf(owner: N): N {
    if (owner === this.myself) return owner;
    return (owner.via === this.myself ? owner.nexthop : owner.via) as N;
  }

  #clamp(source: N, via: N, buf: Uint8Array, off: number, len: number): void {
    if (!(via.options & OPTION_CLAMP_MSS)) return;
    let mtu = source === this.myself ? MTU : this.actions.mtuOf(source);
    const viaMtu = via === this.myself ? MTU : this.actions.mtuOf(via);
    if (viaMtu < mtu) mtu = viaMtu;
    clampMss(buf, off, len, mtu);
  }

  #routeIpv4(source: N, buf: Uint8Array, off: number, len: number, now: number): number {
    if (len < ETH_HLEN + IP_HLEN) return ROUTE_DROP_SHORT;
    const d = off + 30;
    if (
      this.config.broadcast !== "no" &&
      ((buf[d]! & 0xf0) === 0xe0 ||
        (buf[d] === 255 && buf[d + 1] === 255 && buf[d + 2] === 255 && buf[d + 3] === 255))
    ) {
      this.actions.broadcast(source, buf, off, len);
      return ROUTE_BROADCAST;
    }
    const entry = this.subnets.lookupIpv4(buf, d);
    if (!entry) {
      return this.#icmp(source, buf, off, len, ETH_HLEN, ICMP_DEST_UNREACH, ICMP_NET_UNKNOWN, now);
    }
    const owner = entry.owner;
    if (owner === source) return ROUTE_DROP_LOOP;
    if (!owner.reachable) {
      return this.#icmp(source, buf, off, len, ETH_HLEN, ICMP_DEST_UNREACH, ICMP_NET_UNREACH, now);
    }
    const via = this.#viaOf(owner);
    if (via === source) return ROUTE_DROP_LOOP;
    if (this.config.directOnly && owner !== via) {
      return this.#icmp(source, buf, off, len, ETH_HLEN, ICMP_DEST_UNREACH, ICMP_NET_ANO, now);
    }
    if (via && via !== this.myself) {
      const limit = Math.max(this.actions.mtuOf(via), 590);
      if (len > limit) {
        if (buf[off + 20]! & 0x40) {
          return this.#icmp(
            source,
            buf,
            off,
            limit,
            ETH_HLEN,
            ICMP_DEST_UNREACH,
            ICMP_FRAG_NEEDED,
            now,
          );
        }
        return this.#fragment(via, buf, off, len, ETH_HLEN);
      }
    }
    this.#clamp(source, via, buf, off, len);
    this.actions.sendPacket(owner, buf, off, len);
    return ROUTE_UNICAST;
  }

  #routeIpv6(source: N, buf: Uint8Array, off: number, len: number, now: number): number {
    if (len < ETH_HLEN + IP6_HLEN) return ROUTE_DROP_SHORT;
    if (
      buf[off + 20] === IPPROTO_ICMPV6 && len >= ETH_HLEN + IP6_HLEN + 8 &&
      buf[off + 54] === ND_NEIGHBOR_SOLICIT
    ) {
      return this.#routeNeighborSol(source, buf, off, len);
    }
    if (this.config.broadcast !== "no" && buf[off + 38] === 255) {
      this.actions.broadcast(source, buf, off, len);
      return ROUTE_BROADCAST;
    }
    const entry = this.subnets.lookupIpv6(buf, off + 38);
    if (!entry) {
      return this.#unreach6(source, buf, off, len, ICMP6_DST_UNREACH_ADDR, now);
    }
    const owner = entry.owner;
    if (owner === source) return ROUTE_DROP_LOOP;
    if (!owner.reachable) {
      return this.#unreach6(source, buf, off, len, ICMP6_DST_UNREACH_NOROUTE, now);
    }
    const via = this.#viaOf(owner);
    if (via === source) return ROUTE_DROP_LOOP;
    if (this.config.directOnly && owner !== via) {
      return this.#unreach6(source, buf, off, len, ICMP6_DST_UNREACH_ADMIN, now);
    }
    if (via && via !== this.myself) {
      const limit = Math.max(this.actions.mtuOf(via), 1294);
      if (len > limit) {
        return this.#icmp(source, buf, off, limit, ETH_HLEN, ICMP6_PACKET_TOO_BIG, 0, now);
      }
    }
    this.#clamp(source, via, buf, off, len);
    this.actions.sendPacket(owner, buf, off, len);
    return ROUTE_UNICAST;
  }

  #routeArp(source: N, buf: Uint8Array, off: number, len: number): number {
    if (len < ETH_HLEN + 28) return ROUTE_DROP_SHORT;
    if (source !== this.myself) return ROUTE_DROP_LOCAL;
    const t = arpRequestTarget(buf, off, len);
    if (t < 0) return ROUTE_DROP_BAD_REQUEST;
    const entry = this.subnets.lookupIpv4(buf, t);
    if (!entry) return ROUTE_DROP_BAD_REQUEST;
    if (entry.owner === this.myself) return ROUTE_DROP_LOCAL;
    makeArpReply(buf, off);
    this.actions.sendPacket(source, buf, off, len);
    return ROUTE_ARP_REPLY;
  }

  #routeNeighborSol(source: N, buf: Uint8Array, off: number, len: number): number {
    if (len < ETH_HLEN + IP6_HLEN + 24) return ROUTE_DROP_SHORT;
    if (source !== this.myself) return ROUTE_DROP_LOCAL;
    const t = neighborSolicitTarget(buf, off, len);
    if (t < 0) return ROUTE_DROP_BAD_REQUEST;
    const entry = this.subnets.lookupIpv6(buf, t);
    if (!entry) return ROUTE_DROP_BAD_REQUEST;
    if (entry.owner === this.myself) return ROUTE_DROP_LOCAL;
    makeNeighborAdvert(buf, off, len);
    this.actions.sendPacket(source, buf, off, len);
    return ROUTE_NDP_REPLY;
  }

  /** fragment_ipv4_packet: IPv4 without DF, larger than the MTU of `via`. */
  #fragment(via: N, buf: Uint8Array, off: number, len: number, ethLen: number): number {
    const ip = off + ethLen;
    if ((buf[ip]! & 0xf) !== IP_HLEN / 4) return ROUTE_DROP_BAD_REQUEST;
    let todo = ((buf[ip + 2]! << 8) | buf[ip + 3]!) - IP_HLEN;
    if (ethLen + IP_HLEN + todo !== len) return ROUTE_DROP_BAD_REQUEST;
    const maxlen = (this.actions.mtuOf(via) - ethLen - IP_HLEN) & ~7;
    if (maxlen <= 0) return ROUTE_DROP_BAD_REQUEST;
    let ipOff = (buf[ip + 6]! << 8) | buf[ip + 7]!;
    const origf = ipOff & ~0x1fff;
    ipOff &= 0x1fff;
    let from = ip + IP_HLEN;
    const f = this.#scratch;
    const fo = FRAME_HEADROOM;
    while (todo > 0) {
      const n = todo > maxlen ? maxlen : todo;
      f.set(buf.subarray(off, ip + IP_HLEN), fo); // Ethernet + IPv4 headers
      f.set(buf.subarray(from, from + n), fo + ethLen + IP_HLEN);
      todo -= n;
      from += n;
      const h = fo + ethLen;
      const total = IP_HLEN + n;
      f[h + 2] = total >> 8;
      f[h + 3] = total & 0xff;
      const fl = ipOff | origf | (todo ? 0x2000 : 0);
      f[h + 6] = fl >> 8;
      f[h + 7] = fl & 0xff;
      f[h + 10] = 0;
      f[h + 11] = 0;
      const sum = inetChecksum(f, h, IP_HLEN);
      f[h + 10] = sum >> 8;
      f[h + 11] = sum & 0xff;
      this.actions.sendPacket(via, f, fo, ethLen + total);
      ipOff += n >> 3;
    }
    return ROUTE_FRAGMENTED;
  }

  // --- switch mode -------------------------------------------------------------------------

  static #macKey(buf: Uint8Array, at: number): number {
    return (buf[at]! * 0x10000000000) + (buf[at + 1]! * 0x100000000) +
      ((buf[at + 2]! << 24) >>> 0) + (buf[at + 3]! << 16) + (buf[at + 4]! << 8) + buf[at + 5]!;
  }

  #learn(buf: Uint8Array, at: number, now: number): void {
    const key = Router.#macKey(buf, at);
    const known = this.#macs.get(key);
    const expires = now + this.config.macExpire * 1000;
    if (known) {
      if (known.expires) known.expires = expires;
      return;
    }
    const subnet: Subnet = {
      type: "mac",
      address: buf.slice(at, at + 6),
      prefix: 48,
      weight: 10,
    };
    this.#macs.set(key, { subnet, expires });
    this.actions.learnedMac(subnet);
  }

  /** age_subnets(): report and forget learned MACs whose time is up. */
  ageMacs(now: number): void {
    for (const [key, m] of this.#macs) {
      if (m.expires && m.expires < now) {
        this.#macs.delete(key);
        this.actions.expiredMac(m.subnet);
      }
    }
  }

  /** Fast handoff: another node announced this MAC; ours expires at the next ageMacs. */
  expireMac(subnet: Subnet): void {
    if (subnet.type !== "mac") return;
    const m = this.#macs.get(Router.#macKey(subnet.address, 0));
    if (m && m.expires) m.expires = 1;
  }

  /** Learned MACs (for state dumps). */
  learnedMacs(): Subnet[] {
    return [...this.#macs.values()].map((m) => m.subnet);
  }

  #routeMac(source: N, buf: Uint8Array, off: number, len: number, now: number): number {
    if (source === this.myself) this.#learn(buf, off + 6, now);
    const entry = this.subnets.lookupMac(buf, off);
    if (!entry) {
      this.actions.broadcast(source, buf, off, len);
      return ROUTE_BROADCAST;
    }
    const owner = entry.owner;
    if (owner === source) return ROUTE_DROP_LOOP;
    let type = ethertype(buf, off);
    const via = this.#viaOf(owner);
    if (this.config.directOnly && owner !== via) return ROUTE_DROP_DIRECTONLY;
    if (via && via !== this.myself) {
      const mtu = this.actions.mtuOf(via);
      if (len > mtu) {
        let ethLen = ETH_HLEN;
        if (type === ETH_P_8021Q) {
          type = (buf[off + 16]! << 8) | buf[off + 17]!;
          ethLen += 4;
        }
        if (type === ETH_P_IP && len > 576 + ethLen) {
          if (buf[off + 6 + ethLen]! & 0x40) {
            return this.#icmp(
              source,
              buf,
              off,
              mtu,
              ethLen,
              ICMP_DEST_UNREACH,
              ICMP_FRAG_NEEDED,
              now,
            );
          }
          return this.#fragment(via, buf, off, len, ethLen);
        } else if (type === ETH_P_IPV6 && len > 1280 + ethLen) {
          return this.#icmp(source, buf, off, mtu, ethLen, ICMP6_PACKET_TOO_BIG, 0, now);
        }
      }
    }
    this.#clamp(source, via, buf, off, len);
    this.actions.sendPacket(owner, buf, off, len);
    return ROUTE_UNICAST;
  }
}
