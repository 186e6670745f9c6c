/**
 * tinc subnets: parsing and printing as tincd 1.0.36 does (str2net / net2str), containment,
 * and the subnet table with tincd's lookup precedence.
 *
 * API:
 * - `parseSubnet(str): Subnet | null` — tinc syntax (`10.0.0.0/8#5`, `fe80::1`, `::ffff:1.2.3.4/128`,
 *   `fe:fd:0:0:0:1`); `/prefix` and `#weight` optional (defaults 32/128 and 10); null when tincd
 *   would refuse it. Never throws.
 * - `formatSubnet(s): string` — net2str: IPv4 `a.b.c.d/p#w`, IPv6 eight `%x` groups, MAC `%x:`×6
 *   `#w`; always with `#weight`.
 * - `subnetContains(outer, inner)` — inner lies within outer (same type).
 * - `subnetEquals(a, b)` — same type, address, prefix and weight (tincd's lookup_subnet).
 * - `class SubnetTable<O extends SubnetOwner>` — all known subnets with their owners, kept in
 *   tincd's order (type, prefix desc, address, weight asc, owner name). `lookupIpv4/Ipv6/Mac` read
 *   the address straight from a packet buffer and return the first match whose owner is
 *   reachable, else the last match, else null. The control plane must call `flushCache()`
 *   whenever reachability changes (tincd flushes on every graph()); add/remove flush themselves.
 *
 * @module
 */

export type SubnetType = "mac" | "ipv4" | "ipv6";

export interface Subnet {
  readonly type: SubnetType;
  /** 6 bytes (MAC), 4 (IPv4) or 16 (IPv6), network order. */
  readonly address: Uint8Array;
  /** Bits; 48 for MAC (never printed). */
  readonly prefix: number;
  /** Lower wins among equal prefixes; default 10. */
  readonly weight: number;
}

/** Anything that owns subnets: the control plane's Node satisfies this. */
export interface SubnetOwner {
  readonly name: string;
  readonly reachable: boolean;
}

export const DEFAULT_SUBNET_WEIGHT = 10;

const TYPE_RANK: Record<SubnetType, number> = { mac: 0, ipv4: 1, ipv6: 2 };

// --- parsing -------------------------------------------------------------------------------

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** sscanf("%d%n") over the whole string: optional blanks and sign, then digits, then nothing. */
function scanInt(s: string): number | null {
  let i = 0;
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  const start = i;
  let v = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) break;
    v = v * 10 + (c - 0x30);
    i++;
  }
  if (i === start || i !== s.length || v > (neg ? 0x80000000 : 0x7fffffff)) return null;
  return neg ? -v : v;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** Six `%hx` separated by ':' covering the whole string (tincd accepts one-digit parts). */
function parseMac(s: string): Uint8Array | null {
  const parts = s.split(":");
  if (parts.length !== 6) return null;
  const out = new Uint8Array(6);
  for (let k = 0; k < 6; k++) {
    const p = parts[k]!;
    let i = 0;
    while (i < p.length && isSpace(p.charCodeAt(i))) i++;
    if (p[i] === "+") i++;
    if (
      p[i] === "0" && (p[i + 1] === "x" || p[i + 1] === "X") && hexVal(p.charCodeAt(i + 2)) >= 0
    ) {
      i += 2;
    }
    const start = i;
    let v = 0;
    while (i < p.length && hexVal(p.charCodeAt(i)) >= 0) {
      v = (v * 16 + hexVal(p.charCodeAt(i))) % 0x10000;
      i++;
    }
    if (i === start || i !== p.length) return null;
    out[k] = v & 0xff; // tincd stores the %hx value into a byte
  }
  return out;
}

/** inet_pton(AF_INET): exactly four decimal octets, no leading zeros, each ≤ 255. */
function parseIpv4Into(s: string, out: Uint8Array, at: number): boolean {
  const parts = s.split(".");
  if (parts.length !== 4) return false;
  for (let k = 0; k < 4; k++) {
    const p = parts[k]!;
    if (p.length === 0 || p.length > 3 || (p.length > 1 && p[0] === "0")) return false;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const c = p.charCodeAt(i);
      if (c < 0x30 || c > 0x39) return false;
      v = v * 10 + c - 0x30;
    }
    if (v > 255) return false;
    out[at + k] = v;
  }
  return true;
}

/** inet_pton(AF_INET6): hex groups of 1-4 digits, at most one "::", optional dotted-quad tail. */
function parseIpv6(s: string): Uint8Array | null {
  const out = new Uint8Array(16);
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
  const head = dbl >= 0 ? s.slice(0, dbl) : s;
  const tail = dbl >= 0 ? s.slice(dbl + 2) : "";
  const headParts = head === "" ? [] : head.split(":");
  const tailParts = tail === "" ? [] : tail.split(":");
  if (dbl < 0 && headParts.length === 0) return null;
  const words: number[] = [];
  const tailWords: number[] = [];
  const all = [
    ...headParts.map((p) => ({ p, t: false })),
    ...tailParts.map((p) => ({ p, t: true })),
  ];
  for (let k = 0; k < all.length; k++) {
    const { p, t } = all[k]!;
    const dest = t ? tailWords : words;
    if (p.includes(".")) {
      // a dotted quad only ends the address, never before "::"
      if (k !== all.length - 1 || (dbl >= 0 && !t)) return null;
      const b = new Uint8Array(4);
      if (!parseIpv4Into(p, b, 0)) return null;
      dest.push((b[0]! << 8) | b[1]!, (b[2]! << 8) | b[3]!);
      continue;
    }
    if (p.length === 0 || p.length > 4) return null;
    let v = 0;
    for (let i = 0; i < p.length; i++) {
      const h = hexVal(p.charCodeAt(i));
      if (h < 0) return null;
      v = v * 16 + h;
    }
    dest.push(v);
  }
  const n = words.length + tailWords.length;
  if (dbl >= 0 ? n > 7 : n !== 8) return null;
  for (let k = 0; k < words.length; k++) {
    out[2 * k] = words[k]! >> 8;
    out[2 * k + 1] = words[k]! & 0xff;
  }
  const base = 8 - tailWords.length;
  for (let k = 0; k < tailWords.length; k++) {
    out[2 * (base + k)] = tailWords[k]! >> 8;
    out[2 * (base + k) + 1] = tailWords[k]! & 0xff;
  }
  return out;
}

/** tincd str2net: returns null where tincd returns false. */
export function parseSubnet(input: string): Subnet | null {
  if (typeof input !== "string") return null;
  let str = input;
  let weight = DEFAULT_SUBNET_WEIGHT;
  const hash = str.indexOf("#");
  if (hash >= 0) {
    const w = scanInt(str.slice(hash + 1));
    if (w === null) return null;
    weight = w;
    str = str.slice(0, hash);
  }
  let prefix = -1;
  const slash = str.indexOf("/");
  if (slash >= 0) {
    const p = scanInt(str.slice(slash + 1));
    if (p === null || p < 0) return null;
    prefix = p;
    str = str.slice(0, slash);
  }
  const mac = parseMac(str);
  if (mac) {
    if (prefix >= 0) return null;
    return { type: "mac", address: mac, prefix: 48, weight };
  }
  const v4 = new Uint8Array(4);
  if (parseIpv4Into(str, v4, 0)) {
    if (prefix === -1) prefix = 32;
    if (prefix > 32) return null;
    return { type: "ipv4", address: v4, prefix, weight };
  }
  const v6 = parseIpv6(str);
  if (v6) {
    if (prefix === -1) prefix = 128;
    if (prefix > 128) return null;
    return { type: "ipv6", address: v6, prefix, weight };
  }
  return null;
}

/** tincd net2str. */
export function formatSubnet(s: Subnet): string {
  const a = s.address;
  switch (s.type) {
    case "mac": {
      const parts: string[] = [];
      for (let i = 0; i < 6; i++) parts.push(a[i]!.toString(16));
      return `${parts.join(":")}#${s.weight}`;
    }
    case "ipv4":
      return `${a[0]}.${a[1]}.${a[2]}.${a[3]}/${s.prefix}#${s.weight}`;
    case "ipv6": {
      const parts: string[] = [];
      for (let i = 0; i < 16; i += 2) parts.push(((a[i]! << 8) | a[i + 1]!).toString(16));
      return `${parts.join(":")}/${s.prefix}#${s.weight}`;
    }
  }
}

/** Formats without `#weight` (what tincd passes to scripts as SUBNET). */
export function formatSubnetAddress(s: Subnet): string {
  const full = formatSubnet(s);
  return full.slice(0, full.lastIndexOf("#"));
}

// --- comparisons ---------------------------------------------------------------------------

/** First `bits` bits of a[ao..] and b[bo..] are equal (tincd maskcmp). */
export function prefixEquals(
  a: Uint8Array,
  ao: number,
  b: Uint8Array,
  bo: number,
  bits: number,
): boolean {
  let i = 0;
  for (; bits >= 8; bits -= 8, i++) if (a[ao + i] !== b[bo + i]) return false;
  if (bits > 0) {
    const m = (0xff00 >> bits) & 0xff;
    if (((a[ao + i]! ^ b[bo + i]!) & m) !== 0) return false;
  }
  return true;
}

/** Whether every address of `inner` lies inside `outer`. */
export function subnetContains(outer: Subnet, inner: Subnet): boolean {
  if (outer.type !== inner.type) return false;
  if (outer.type === "mac") return prefixEquals(outer.address, 0, inner.address, 0, 48);
  if (inner.prefix < outer.prefix) return false;
  return prefixEquals(outer.address, 0, inner.address, 0, outer.prefix);
}

export function subnetEquals(a: Subnet, b: Subnet): boolean {
  return a.type === b.type && a.prefix === b.prefix && a.weight === b.weight &&
    prefixEquals(a.address, 0, b.address, 0, a.address.length * 8);
}

/** Host bits set below the prefix (tincd refuses these in config files only). */
export function subnetHasHostBits(s: Subnet): boolean {
  if (s.type === "mac") return false;
  const a = s.address;
  for (let bit = s.prefix; bit < a.length * 8; bit++) {
    if ((a[bit >> 3]! >> (7 - (bit & 7))) & 1) return true;
  }
  return false;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return 0;
}

/** tincd's subnet tree order, without the owner. */
export function compareSubnets(a: Subnet, b: Subnet): number {
  let r = TYPE_RANK[a.type] - TYPE_RANK[b.type];
  if (r !== 0) return r;
  if (a.type !== "mac") {
    r = b.prefix - a.prefix;
    if (r !== 0) return r;
  }
  r = compareBytes(a.address, b.address);
  if (r !== 0) return r;
  return a.weight - b.weight;
}

// --- table ---------------------------------------------------------------------------------

export interface SubnetEntry<O extends SubnetOwner> {
  readonly subnet: Subnet;
  readonly owner: O;
}

function compareEntries<O extends SubnetOwner>(a: SubnetEntry<O>, b: SubnetEntry<O>): number {
  const r = compareSubnets(a.subnet, b.subnet);
  if (r !== 0) return r;
  return a.owner.name < b.owner.name ? -1 : a.owner.name > b.owner.name ? 1 : 0;
}

/** All subnets of all nodes, in tincd's lookup order. */
export class SubnetTable<O extends SubnetOwner> {
  #macs: SubnetEntry<O>[] = [];
  #v4: SubnetEntry<O>[] = [];
  #v6: SubnetEntry<O>[] = [];
  // One-entry caches per family (tincd keeps two); flushed on any change.
  #cache4Key = -1;
  #cache4: SubnetEntry<O> | null = null;
  #cache6Key = new Uint8Array(16);
  #cache6Valid = false;
  #cache6: SubnetEntry<O> | null = null;

  #list(type: SubnetType): SubnetEntry<O>[] {
    return type === "mac" ? this.#macs : type === "ipv4" ? this.#v4 : this.#v6;
  }

  get size(): number {
    return this.#macs.length + this.#v4.length + this.#v6.length;
  }

  /** Adds (owner, subnet); returns false if exactly that pair is already present. */
  add(owner: O, subnet: Subnet): boolean {
    const list = this.#list(subnet.type);
    const e: SubnetEntry<O> = { subnet, owner };
    let lo = 0, hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (compareEntries(list[mid]!, e) < 0) lo = mid + 1;
      else hi = mid;
    }
    if (lo < list.length && compareEntries(list[lo]!, e) === 0 && list[lo]!.owner === owner) {
      return false;
    }
    list.splice(lo, 0, e);
    this.flushCache();
    return true;
  }

  /** Removes (owner, subnet equal by value); returns whether it was there. */
  remove(owner: O, subnet: Subnet): boolean {
    const list = this.#list(subnet.type);
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (e.owner === owner && subnetEquals(e.subnet, subnet)) {
        list.splice(i, 1);
        this.flushCache();
        return true;
      }
    }
    return false;
  }

  /** Removes every subnet of `owner`; returns them. */
  removeOwner(owner: O): Subnet[] {
    const gone: Subnet[] = [];
    for (const list of [this.#macs, this.#v4, this.#v6]) {
      for (let i = list.length - 1; i >= 0; i--) {
        if (list[i]!.owner === owner) gone.unshift(list.splice(i, 1)[0]!.subnet);
      }
    }
    if (gone.length) this.flushCache();
    return gone;
  }

  /** The entry for exactly this owner and subnet (tincd lookup_subnet), or null. */
  find(owner: O, subnet: Subnet): SubnetEntry<O> | null {
    for (const e of this.#list(subnet.type)) {
      if (e.owner === owner && subnetEquals(e.subnet, subnet)) return e;
    }
    return null;
  }

  /** Subnets of one owner, in table order. */
  ofOwner(owner: O): Subnet[] {
    const r: Subnet[] = [];
    for (const e of this.entries()) if (e.owner === owner) r.push(e.subnet);
    return r;
  }

  /** Every entry in tincd's order (MAC, IPv4, IPv6). */
  *entries(): IterableIterator<SubnetEntry<O>> {
    yield* this.#macs;
    yield* this.#v4;
    yield* this.#v6;
  }

  flushCache(): void {
    this.#cache4Key = -1;
    this.#cache4 = null;
    this.#cache6Valid = false;
    this.#cache6 = null;
  }

  static #scan<O extends SubnetOwner>(
    list: SubnetEntry<O>[],
    buf: Uint8Array,
    off: number,
  ): SubnetEntry<O> | null {
    let found: SubnetEntry<O> | null = null;
    for (let i = 0; i < list.length; i++) {
      const e = list[i]!;
      if (prefixEquals(buf, off, e.subnet.address, 0, e.subnet.prefix)) {
        found = e;
        if (e.owner.reachable) break;
      }
    }
    return found;
  }

  /** Owner lookup for the IPv4 address at buf[off, off+4). */
  lookupIpv4(buf: Uint8Array, off: number): SubnetEntry<O> | null {
    const key =
      ((buf[off]! << 24) | (buf[off + 1]! << 16) | (buf[off + 2]! << 8) | buf[off + 3]!) >>>
      0;
    if (key === this.#cache4Key) return this.#cache4;
    const r = SubnetTable.#scan(this.#v4, buf, off);
    this.#cache4Key = key;
    this.#cache4 = r;
    return r;
  }

  /** Owner lookup for the IPv6 address at buf[off, off+16). */
  lookupIpv6(buf: Uint8Array, off: number): SubnetEntry<O> | null {
    if (this.#cache6Valid && prefixEquals(buf, off, this.#cache6Key, 0, 128)) return this.#cache6;
    const r = SubnetTable.#scan(this.#v6, buf, off);
    this.#cache6Key.set(buf.subarray(off, off + 16));
    this.#cache6Valid = true;
    this.#cache6 = r;
    return r;
  }

  /** Owner lookup for the MAC address at buf[off, off+6) (exact match). */
  lookupMac(buf: Uint8Array, off: number): SubnetEntry<O> | null {
    return SubnetTable.#scan(this.#macs, buf, off);
  }
}
