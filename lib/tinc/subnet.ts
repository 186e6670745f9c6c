/**
 * tinc subnets: parsing and printing as tincd 1.0.36 does (str2net / net2str), containment,
 * and the subnet table with tincd's lookup precedence.
 *
 * API:
 * - `parseSubnet(str): Subnet | null` — tinc syntax (`10.0.0.0/8#5`, `fe80::1`, `::ffff:1.2.3.4/128`,
 *   `fe:fd:0:0:0:1`); `/prefix` and `#weight` optional (defaults 32/128 and 10); null when tincd
 *   would refuse it. Never throws. It follows 1.0.36's sscanf-based str2net, quirks included:
 *   leading zeros and blanks are accepted ("10.0.0.01"), fields are truncated to 16 bits
 *   ("12345::" is 2345::), a MAC part keeps its low byte.
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

/**
 * sscanf("%hx" / "%hu") of one field at s[i]: blanks, a sign, "0x" for hex, digits; the value
 * is strtoul's, truncated to 16 bits. Returns [value, next index] or null.
 */
function scanShort(s: string, i: number, base: 10 | 16): [number, number] | null {
  while (i < s.length && isSpace(s.charCodeAt(i))) i++;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  if (
    base === 16 && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") &&
    i + 2 < s.length && hexVal(s.charCodeAt(i + 2)) >= 0
  ) i += 2;
  const start = i;
  let low = 0;
  let approx = 0;
  for (; i < s.length; i++) {
    const d = hexVal(s.charCodeAt(i));
    if (d < 0 || d >= base) break;
    low = (low * base + d) % 0x10000;
    approx = approx * base + d;
  }
  if (i === start) return null;
  if (approx > 18446744073709551615) return [0xffff, i]; // strtoul saturates at ULONG_MAX
  return [neg ? (0x10000 - low) % 0x10000 : low, i];
}

/** sscanf(s, lead + "%h?" + sep + ... ) with `count` fields that must consume all of s. */
function scanFields(
  s: string,
  lead: string,
  count: number,
  sep: string,
  base: 10 | 16,
): number[] | null {
  if (!s.startsWith(lead)) return null;
  let i = lead.length;
  const out: number[] = [];
  for (let k = 0; k < count; k++) {
    if (k > 0) {
      if (s[i] !== sep) return null;
      i++;
    }
    const f = scanShort(s, i, base);
    if (!f) return null;
    out.push(f[0]);
    i = f[1];
  }
  return i === s.length ? out : null;
}

/** The IPv6 part of tincd 1.0.36's str2net: dotted-quad suffix, "::" expansion, 8 × %hx. */
function parseIpv6(str: string): Uint8Array | null {
  const lastColon = str.lastIndexOf(":");
  if (lastColon >= 0) {
    const q = scanFields(str.slice(lastColon), ":", 4, ".", 10);
    if (q) {
      if (q.some((x) => x > 255)) return null;
      const h = (x: number) => x.toString(16).padStart(2, "0");
      str = `${str.slice(0, lastColon)}:${h(q[0]!)}${h(q[1]!)}:${h(q[2]!)}${h(q[3]!)}`;
    }
  }
  const dbl = str.indexOf("::");
  if (dbl >= 0) {
    // 8 minus the number of runs of non-colon characters
    let zeros = 8;
    for (let i = 0; i < str.length; i++) {
      if (str[i] !== ":") {
        zeros--;
        while (i + 1 < str.length && str[i + 1] !== ":") i++;
      }
    }
    if (zeros < 1) return null;
    str = str.slice(0, dbl + 1) + "0:".repeat(zeros - 1) + "0" + str.slice(dbl + 1);
    if (str[0] === ":") str = str.slice(1);
    if (str.endsWith(":")) str = str.slice(0, -1);
  }
  const x = scanFields(str, "", 8, ":", 16);
  if (!x) return null;
  const out = new Uint8Array(16);
  for (let k = 0; k < 8; k++) {
    out[2 * k] = x[k]! >> 8;
    out[2 * k + 1] = x[k]! & 0xff;
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
  const mac = scanFields(str, "", 6, ":", 16);
  if (mac) {
    if (prefix >= 0) return null;
    // tincd stores each %hx value into a byte
    return { type: "mac", address: Uint8Array.from(mac, (x) => x & 0xff), prefix: 48, weight };
  }
  const v4 = scanFields(str, "", 4, ".", 10);
  if (v4) {
    if (prefix === -1) prefix = 32;
    if (prefix > 32) return null;
    if (v4.some((x) => x > 255)) return null;
    return { type: "ipv4", address: Uint8Array.from(v4), prefix, weight };
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
