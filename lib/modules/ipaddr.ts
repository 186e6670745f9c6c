/**
 * IP addresses and subnets as secnet 0.6.7 parses them:
 *  - string_item_to_ipaddr: `sscanf("%u.%u.%u.%u")`, so leading blanks, signs and trailing
 *    junk pass, and each part is reduced modulo 2^32 before the `> 255` range check;
 *  - string_item_to_subnet: the same with `/%u`, `default`, and a leading `!`;
 *  - ipsets (union, subtraction, subset) over the IPv4 space;
 *  - string_item_to_iaddr: adns_text2addr with `ipv4_quadonly` (inet_pton, plus `%scope`).
 *
 * @module
 */

import { cfgfatal } from "../conf/errors.ts";
import type { Item } from "../conf/value.ts";
import { formatIPv6 } from "../tinc/address.ts";
import type { IpAddressSpec, SubnetText } from "./specs.ts";

const isCSpace = (c: string | undefined) =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";
const isDigit = (c: string | undefined) => c !== undefined && c >= "0" && c <= "9";

const U64_MAX = (1n << 64n) - 1n;

/**
 * glibc scanf's `%u` at `pos`: skips C whitespace, takes an optional sign and decimal digits
 * (strtoul semantics: saturate at ULONG_MAX, negate modulo 2^64), stores the low 32 bits.
 * Returns null when no digits follow.
 */
function scanU(s: string, pos: number): { value: number; end: number } | null {
  let i = pos;
  while (isCSpace(s[i])) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  const start = i;
  while (isDigit(s[i])) i++;
  if (i === start) return null;
  let v = BigInt(s.slice(start, i));
  if (v > U64_MAX) v = U64_MAX;
  else if (neg) v = ((1n << 64n) - v) & U64_MAX;
  return { value: Number(v & 0xffffffffn), end: i };
}

/** sscanf(s, "%u.%u.%u.%u/%u"): the values matched before the first mismatch. */
export function scanDotted(s: string, withLen: boolean): number[] {
  const out: number[] = [];
  const seps = withLen ? [".", ".", ".", "/"] : [".", ".", "."];
  let pos = 0;
  for (let k = 0; k <= seps.length; k++) {
    const r = scanU(s, pos);
    if (!r) break;
    out.push(r.value);
    pos = r.end;
    if (k === seps.length) break;
    if (s[pos] !== seps[k]) break;
    pos++;
  }
  return out;
}

/** An IPv4 address as a number 0..2^32-1, dotted. */
export function ipv4ToString(a: number): string {
  return `${a >>> 24}.${(a >>> 16) & 255}.${(a >>> 8) & 255}.${a & 255}`;
}

/** string_item_to_ipaddr(item, desc). */
export function stringItemToIpaddr(item: Item, facility: string): number {
  if (item.type !== "string") cfgfatal(item.loc, facility, "expecting a string (IP address)");
  const m = scanDotted(item.value, false);
  if (m.length < 4) cfgfatal(item.loc, facility, `"${item.value}" is not a valid IP address`);
  if (m.some((x) => x > 255)) cfgfatal(item.loc, facility, `"${item.value}": range error`);
  return ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
}

export interface Subnet {
  readonly prefix: number;
  readonly len: number;
}

/** string_item_to_subnet: the subnet and whether it was written with `!`. */
export function stringItemToSubnet(item: Item, facility: string): { sn: Subnet; invert: boolean } {
  if (item.type !== "string") {
    cfgfatal(item.loc, facility, "expecting a string (subnet specification)");
  }
  let s = item.value;
  if (s === "default") return { sn: { prefix: 0, len: 0 }, invert: false };
  let invert = false;
  if (s.startsWith("!")) {
    invert = true;
    s = s.slice(1);
  }
  const m = scanDotted(s, true);
  if (m.length < 4) cfgfatal(item.loc, facility, `"${s}" is not a valid subnet specification`);
  const n = m.length < 5 ? 32 : m[4]!;
  if (m.slice(0, 4).some((x) => x > 255) || n > 32) {
    cfgfatal(item.loc, facility, `"${s}": range error`);
  }
  const prefix = ((m[0]! << 24) | (m[1]! << 16) | (m[2]! << 8) | m[3]!) >>> 0;
  const mask = n === 0 ? 0 : (0xffffffff << (32 - n)) >>> 0;
  if ((prefix & ~mask) >>> 0 !== 0) {
    cfgfatal(item.loc, facility, `"${s}": prefix not fully contained in mask`);
  }
  return { sn: { prefix, len: n }, invert };
}

/** A set of IPv4 addresses: sorted, disjoint, non-adjacent inclusive ranges. */
export type IpSet = ReadonlyArray<readonly [number, number]>;

export const IPSET_ALL: IpSet = [[0, 0xffffffff]];

export function ipsetFromSubnet(sn: Subnet): IpSet {
  const size = 2 ** (32 - sn.len);
  return [[sn.prefix, sn.prefix + size - 1]];
}

function normalise(rs: Array<[number, number]>): IpSet {
  rs.sort((a, b) => a[0] - b[0]);
  const out: Array<[number, number]> = [];
  for (const r of rs) {
    const last = out[out.length - 1];
    if (last && r[0] <= last[1] + 1) last[1] = Math.max(last[1], r[1]);
    else out.push([r[0], r[1]]);
  }
  return out;
}

export function ipsetUnion(a: IpSet, b: IpSet): IpSet {
  return normalise([...a, ...b].map(([x, y]) => [x, y]));
}

export function ipsetSubtract(a: IpSet, b: IpSet): IpSet {
  let cur: Array<[number, number]> = a.map(([x, y]) => [x, y]);
  for (const [bx, by] of b) {
    const next: Array<[number, number]> = [];
    for (const [x, y] of cur) {
      if (by < x || bx > y) next.push([x, y]);
      else {
        if (x < bx) next.push([x, bx - 1]);
        if (by < y) next.push([by + 1, y]);
      }
    }
    cur = next;
  }
  return cur;
}

/** ipset_is_subset(super, sub). */
export function ipsetIsSubset(sup: IpSet, sub: IpSet): boolean {
  return ipsetSubtract(sub, sup).length === 0;
}

/** ipset_to_subnet_list: the minimal CIDR cover, as `a.b.c.d/n` texts. */
export function ipsetToSubnets(set: IpSet): SubnetText[] {
  const out: SubnetText[] = [];
  for (const [x, y] of set) {
    let a = x;
    while (a <= y) {
      let len = 32;
      // Grow the block while it stays aligned and inside [a, y].
      while (len > 0) {
        const size = 2 ** (32 - (len - 1));
        if (a % size !== 0 || a + size - 1 > y) break;
        len--;
      }
      out.push(`${ipv4ToString(a)}/${len}`);
      a += 2 ** (32 - len);
    }
  }
  return out;
}

/** string_list_to_ipset(list, loc, module, param): errors use `param` as the facility. */
export function stringListToIpset(list: readonly Item[], param: string): IpSet {
  let r: IpSet = [];
  for (const it of list) {
    const { sn, invert } = stringItemToSubnet(it, param);
    r = invert ? ipsetSubtract(r, ipsetFromSubnet(sn)) : ipsetUnion(r, ipsetFromSubnet(sn));
  }
  return r;
}

// --- inet_pton and adns_text2addr

/** glibc inet_pton(AF_INET): exactly four decimal parts 0..255 without leading zeros. */
export function inetPton4(s: string): Uint8Array | null {
  const parts = s.split(".");
  if (parts.length !== 4) return null;
  const out = new Uint8Array(4);
  for (let i = 0; i < 4; i++) {
    const p = parts[i]!;
    if (!/^[0-9]{1,3}$/.test(p) || (p.length > 1 && p[0] === "0")) return null;
    const v = Number(p);
    if (v > 255) return null;
    out[i] = v;
  }
  return out;
}

/** glibc inet_pton(AF_INET6), including a trailing dotted quad. */
export function inetPton6(s: string): Uint8Array | null {
  if (s.length === 0) return null;
  const out = new Uint8Array(16);
  let words: string[];
  let gap = -1;
  const dbl = s.indexOf("::");
  if (dbl >= 0) {
    if (s.indexOf("::", dbl + 1) >= 0) return null;
    const head = s.slice(0, dbl), tail = s.slice(dbl + 2);
    const hw = head === "" ? [] : head.split(":");
    const tw = tail === "" ? [] : tail.split(":");
    gap = hw.length;
    words = [...hw, ...tw];
  } else {
    words = s.split(":");
  }
  const bytes: number[] = [];
  for (let i = 0; i < words.length; i++) {
    const w = words[i]!;
    if (i === words.length - 1 && w.includes(".")) {
      const v4 = inetPton4(w);
      if (!v4) return null;
      bytes.push(...v4);
      continue;
    }
    if (!/^[0-9A-Fa-f]{1,4}$/.test(w)) return null;
    const v = parseInt(w, 16);
    bytes.push(v >> 8, v & 255);
  }
  if (gap >= 0) {
    if (bytes.length > 14) return null;
    const headBytes = bytes.slice(0, gap * 2);
    const tailBytes = bytes.slice(gap * 2);
    out.set(headBytes, 0);
    out.set(tailBytes, 16 - tailBytes.length);
  } else {
    if (bytes.length !== 16) return null;
    out.set(bytes);
  }
  return out;
}

function ipv6ToString(b: Uint8Array): string {
  const w: number[] = [];
  for (let i = 0; i < 16; i += 2) w.push((b[i]! << 8) | b[i + 1]!);
  return formatIPv6(w);
}

/**
 * adns_text2addr(text, port, adns_qf_addrlit_ipv4_quadonly): an IPv4 dotted quad or an
 * IPv6 address with an optional `%scope`. Returns the address, or the errno name adns
 * gives (EINVAL, ENOSYS) with the note adns writes to stderr.
 */
export function text2addr(
  text: string,
): { ok: IpAddressSpec } | { errno: "EINVAL" | "ENOSYS"; note: string } {
  const pct = text.indexOf("%");
  if (pct >= 0) {
    const addr = text.slice(0, pct), scope = text.slice(pct + 1);
    const b = inetPton6(addr);
    if (!b) {
      return { errno: "EINVAL", note: `adns_text2addr: invalid: inet_pton rejected: \`${text}'` };
    }
    const numeric = /^[0-9]+$/.test(scope);
    const linkLocal = b[0] === 0xfe && (b[1]! & 0xc0) === 0x80;
    if (!numeric && !linkLocal) {
      return {
        errno: "ENOSYS",
        note: `adns_text2addr: cannot convert non-numeric scope in non-link-local addr \`${text}'`,
      };
    }
    return { ok: { family: 6, ip: ipv6ToString(b), scope } };
  }
  if (text.includes(":")) {
    const b = inetPton6(text);
    if (b) return { ok: { family: 6, ip: ipv6ToString(b), scope: null } };
  } else {
    const b = inetPton4(text);
    if (b) return { ok: { family: 4, ip: Array.from(b).join("."), scope: null } };
  }
  return { errno: "EINVAL", note: `adns_text2addr: invalid: inet_pton rejected: \`${text}'` };
}

const ERRNO_TEXT = { EINVAL: "Invalid argument", ENOSYS: "Function not implemented" } as const;

/** string_item_to_iaddr(item, port, ia, desc). */
export function stringItemToIaddr(item: Item, facility: string): IpAddressSpec {
  if (item.type !== "string") {
    cfgfatal(item.loc, facility, "expecting a string IP (v4 or v6) address");
  }
  const r = text2addr(item.value);
  if ("ok" in r) return r.ok;
  cfgfatal(item.loc, facility, `invalid IP (v4 or v6) address: ${ERRNO_TEXT[r.errno]}`);
}
