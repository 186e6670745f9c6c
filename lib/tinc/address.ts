/**
 * Edge addresses as ADD_EDGE carries them: two strings (host, port) printed numerically.
 * A non-numeric host is kept verbatim and re-sent, but never used for UDP (AF_UNKNOWN).
 *
 * @module
 */
import { type SockAddr, sockAddr } from "./types.ts";

export interface EdgeAddress {
  readonly host: string;
  readonly port: string;
  /** The numeric socket address, or null when host/port are not numeric (AF_UNKNOWN). */
  readonly sock: SockAddr | null;
}

const IPV4 = /^(\d{1,3})\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/;

/** Whether `s` is a numeric IPv4 address as getaddrinfo(AI_NUMERICHOST) accepts it. */
export function isIPv4(s: string): boolean {
  const m = IPV4.exec(s);
  if (!m) return false;
  for (let i = 1; i <= 4; i++) if (Number(m[i]) > 255) return false;
  return true;
}

/** Whether `s` is a numeric IPv6 address (optionally with a %scope, which tinc strips). */
export function isIPv6(s: string): boolean {
  return parseIPv6(s) !== null;
}

/** Parses a numeric IPv6 address into 8 groups, or null. */
export function parseIPv6(text: string): number[] | null {
  let s = text;
  const pct = s.indexOf("%");
  if (pct >= 0) s = s.slice(0, pct);
  if (s.length === 0 || s.length > 45) return null;
  let tail4: number[] | null = null;
  const lastColon = s.lastIndexOf(":");
  if (lastColon < 0) return null;
  const last = s.slice(lastColon + 1);
  if (last.includes(".")) {
    if (!isIPv4(last)) return null;
    tail4 = last.split(".").map(Number);
    s = s.slice(0, lastColon + 1) + "0:0";
  }
  const dbl = s.indexOf("::");
  if (dbl >= 0 && s.indexOf("::", dbl + 1) >= 0) return null;
  const parseGroups = (part: string): number[] | null => {
    if (part === "") return [];
    const out: number[] = [];
    for (const g of part.split(":")) {
      if (!/^[0-9a-fA-F]{1,4}$/.test(g)) return null;
      out.push(parseInt(g, 16));
    }
    return out;
  };
  let groups: number[];
  if (dbl >= 0) {
    const head = parseGroups(s.slice(0, dbl));
    const tail = parseGroups(s.slice(dbl + 2));
    if (!head || !tail || head.length + tail.length > 7) return null;
    groups = [...head, ...new Array(8 - head.length - tail.length).fill(0), ...tail];
  } else {
    const all = parseGroups(s);
    if (!all || all.length !== 8) return null;
    groups = all;
  }
  if (tail4) {
    groups[6] = (tail4[0]! << 8) | tail4[1]!;
    groups[7] = (tail4[2]! << 8) | tail4[3]!;
  }
  return groups;
}

/** Formats IPv6 groups as getnameinfo(NI_NUMERICHOST) does (RFC 5952 compression). */
export function formatIPv6(groups: readonly number[]): string {
  // Find the longest run (>= 2) of zero groups.
  let bestStart = -1, bestLen = 0;
  for (let i = 0; i < 8;) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen && j - i >= 2) {
      bestStart = i;
      bestLen = j - i;
    }
    i = j;
  }
  const hex = (a: readonly number[]) => a.map((g) => g.toString(16)).join(":");
  if (bestStart < 0) return hex(groups);
  return hex(groups.slice(0, bestStart)) + "::" + hex(groups.slice(bestStart + bestLen));
}

/** Parses a numeric port 0..65535 as getaddrinfo(AI_NUMERICSERV) would; else null. */
export function parsePort(s: string): number | null {
  if (!/^\d{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n <= 65535 ? n : null;
}

/** The address of an ADD_EDGE (str2sockaddr): numeric host and port give a usable SockAddr. */
export function edgeAddress(host: string, port: string): EdgeAddress {
  const p = parsePort(port);
  let sock: SockAddr | null = null;
  if (p !== null) {
    if (isIPv4(host)) sock = sockAddr(host.split(".").map(Number).join("."), p);
    else {
      const g = parseIPv6(host);
      if (g) sock = sockAddr(formatIPv6(g), p);
    }
  }
  // Numeric addresses are re-printed canonically; unknown ones verbatim.
  if (sock) return { host: sock.ip, port: String(sock.port), sock };
  return { host, port, sock: null };
}

/** The address for an edge we create: a SockAddr we observed. */
export function edgeAddressOf(sock: SockAddr): EdgeAddress {
  return { host: sock.ip, port: String(sock.port), sock };
}

/** Same address with another port (sockaddr_setport); keeps AF_UNKNOWN as is. */
export function withPort(addr: SockAddr, port: number): SockAddr {
  return sockAddr(addr.ip, port);
}
