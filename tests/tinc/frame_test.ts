import assert from "node:assert/strict";
import {
  arpRequestTarget,
  clampMss,
  ICMP6_PACKET_TOO_BIG,
  ICMP_DEST_UNREACH,
  ICMP_FRAG_NEEDED,
  inetChecksum,
  makeArpReply,
  makeNeighborAdvert,
  neighborSolicitTarget,
  writeIcmp4Unreachable,
  writeIcmp6Unreachable,
} from "../../lib/tinc/frame.ts";

function hex(s: string): Uint8Array {
  return Uint8Array.from(s.replace(/\s+/g, "").match(/../g)!.map((b) => parseInt(b, 16)));
}

/** Straightforward RFC 1071 checksum, independent of the code under test. */
function rfc1071(parts: Uint8Array[]): number {
  const all = new Uint8Array(parts.reduce((n, p) => n + p.length + (p.length & 1), 0));
  let o = 0;
  for (const p of parts) {
    all.set(p, o);
    o += p.length + (p.length & 1);
  }
  let sum = 0;
  for (let i = 0; i < all.length; i += 2) sum += (all[i]! << 8) | all[i + 1]!;
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

function u32(n: number): Uint8Array {
  return new Uint8Array([n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255]);
}

// The ICMP echo of the real capture (tinc-protocol.md §8.4), as a router-mode frame.
const ECHO = hex(
  "000000000000 000000000000 0800" +
    "45000054 4cff4000 4001d90d 0a4d0001 0a4d0002" +
    "080051b8 2dc40001 6746026b 00000000 44fe0b00 00000000" +
    "101112131415161718191a1b1c1d1e1f202122232425262728292a2b2c2d2e2f3031323334353637",
);

Deno.test("inetChecksum matches the capture's IPv4 header and RFC 1071", () => {
  assert.equal(ECHO.length, 98);
  assert.equal(inetChecksum(ECHO, 14, 20), 0); // a valid header sums to zero
  const h = ECHO.slice(14, 34);
  h[10] = h[11] = 0;
  assert.equal(inetChecksum(h, 0, 20), 0xd90d);
  const odd = new Uint8Array([1, 2, 3, 4, 5]);
  assert.equal(inetChecksum(odd, 0, 5), rfc1071([odd]));
  // chaining: sum(a) then b == sum(a‖b) for even-length a
  const a = new Uint8Array([9, 8, 7, 6]);
  assert.equal(
    inetChecksum(odd, 0, 5, inetChecksum(a, 0, 4)),
    rfc1071([new Uint8Array([...a, ...odd])]),
  );
});

Deno.test("ICMPv4 errors: swapped addresses, quoted original, valid checksums, next-hop MTU", () => {
  const out = new Uint8Array(2000);
  const n = writeIcmp4Unreachable(ECHO, 0, 98, 14, ICMP_DEST_UNREACH, 6, out, 10);
  assert.equal(n, 14 + 20 + 8 + 84);
  const r = out.subarray(10, 10 + n);
  assert.deepEqual([...r.subarray(26, 30)], [10, 77, 0, 2]); // src = old dst
  assert.deepEqual([...r.subarray(30, 34)], [10, 77, 0, 1]);
  assert.equal(r[23], 1);
  assert.equal(r[22], 255);
  assert.equal((r[16]! << 8) | r[17]!, 20 + 8 + 84);
  assert.equal(inetChecksum(r, 14, 20), 0);
  assert.equal(r[34], 3);
  assert.equal(r[35], 6);
  assert.equal(inetChecksum(r, 34, n - 34), 0);
  assert.deepEqual(r.subarray(42), ECHO.subarray(14));
  // frag needed: caller passes len = the MTU to report (+14)
  const big = new Uint8Array(1500 + 14);
  big.set(ECHO.subarray(0, 34));
  const m = writeIcmp4Unreachable(big, 0, 1000, 14, ICMP_DEST_UNREACH, ICMP_FRAG_NEEDED, out, 0);
  assert.equal(m, 14 + 20 + 8 + 548); // quoted part capped at 576 - 28
  assert.equal((out[40]! << 8) | out[41]!, 1000 - 14);
  assert.equal(inetChecksum(out, 34, m - 34), 0);
});

function ipv6Frame(src: number[], dst: number[], next: number, payload: Uint8Array): Uint8Array {
  const f = new Uint8Array(14 + 40 + payload.length);
  f[12] = 0x86;
  f[13] = 0xdd;
  f[14] = 0x60;
  f[18] = payload.length >> 8;
  f[19] = payload.length & 255;
  f[20] = next;
  f[21] = 255;
  f.set(src, 22);
  f.set(dst, 38);
  f.set(payload, 54);
  return f;
}

function icmp6Valid(f: Uint8Array, off: number, icmpLen: number): boolean {
  const ip = off + 14;
  return rfc1071([
    f.subarray(ip + 8, ip + 24),
    f.subarray(ip + 24, ip + 40),
    u32(icmpLen),
    u32(58),
    f.subarray(ip + 40, ip + 40 + icmpLen),
  ]) === 0;
}

const A6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 1];
const B6 = [0xfd, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 2];

Deno.test("ICMPv6 packet too big: MTU field, addresses, pseudo-header checksum", () => {
  const f = ipv6Frame(A6, B6, 17, new Uint8Array(1400).fill(0xab));
  const out = new Uint8Array(2000);
  const n = writeIcmp6Unreachable(f, 0, 1294, 14, ICMP6_PACKET_TOO_BIG, 0, out, 0);
  assert.equal(n, 14 + 40 + 8 + (576 - 48));
  assert.deepEqual([...out.subarray(22, 38)], B6);
  assert.deepEqual([...out.subarray(38, 54)], A6);
  assert.equal(out[20], 58);
  assert.equal(out[54], ICMP6_PACKET_TOO_BIG);
  assert.equal((out[58]! << 24 | out[59]! << 16 | out[60]! << 8 | out[61]!) >>> 0, 1280);
  assert.ok(icmp6Valid(out, 0, n - 54));
});

Deno.test("ARP request → tincd's reply in place", () => {
  const f = new Uint8Array(14 + 28);
  f.set([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 2, 0, 0, 0, 0, 5, 0x08, 0x06]);
  f.set([0, 1, 8, 0, 6, 4, 0, 1, 2, 0, 0, 0, 0, 5, 10, 0, 0, 5, 0, 0, 0, 0, 0, 0, 10, 0, 0, 9], 14);
  const t = arpRequestTarget(f, 0, f.length);
  assert.equal(t, 14 + 24);
  makeArpReply(f, 0);
  assert.deepEqual([...f.subarray(0, 6)], [2, 0, 0, 0, 0, 5]);
  assert.deepEqual([...f.subarray(6, 12)], [2, 0, 0, 0, 0, 0xfa]);
  assert.equal(f[21], 2); // op = reply
  assert.deepEqual([...f.subarray(22, 28)], [2, 0, 0, 0, 0, 0xfa]); // sender hw = fake
  assert.deepEqual([...f.subarray(28, 32)], [10, 0, 0, 9]); // sender ip = asked address
  assert.deepEqual([...f.subarray(32, 38)], [2, 0, 0, 0, 0, 5]);
  assert.deepEqual([...f.subarray(38, 42)], [10, 0, 0, 5]);
  const bad = f.slice();
  bad[21] = 2;
  assert.equal(arpRequestTarget(bad, 0, bad.length), -1);
  assert.equal(arpRequestTarget(f, 0, 30), -1);
});

Deno.test("Neighbour solicitation → advertisement with a valid checksum", () => {
  const ns = new Uint8Array(32);
  ns[0] = 135;
  ns.set(B6, 8);
  ns.set([1, 1, 2, 0, 0, 0, 0, 5], 24);
  const f = ipv6Frame(A6, B6, 58, ns);
  f.set([2, 0, 0, 0, 0, 5], 6);
  const sum = rfc1071([f.subarray(22, 38), f.subarray(38, 54), u32(32), u32(58), ns]);
  f[56] = sum >> 8;
  f[57] = sum & 255;
  assert.equal(neighborSolicitTarget(f, 0, f.length), 54 + 8);
  makeNeighborAdvert(f, 0, f.length);
  assert.equal(f[54], 136);
  assert.equal(f[58], 0x40);
  assert.deepEqual([...f.subarray(22, 38)], B6); // source = target
  assert.deepEqual([...f.subarray(38, 54)], A6);
  assert.equal(f[78], 2); // target link-layer option
  assert.deepEqual([...f.subarray(80, 86)], [2, 0, 0, 0, 0, 0xfa]);
  assert.ok(icmp6Valid(f, 0, 32));
  f[57]! ^= 1;
  f[54] = 135;
  assert.equal(neighborSolicitTarget(f, 0, f.length), -1);
});

function tcpSyn(options: number[], ipv6 = false): Uint8Array {
  const tcpLen = 20 + options.length;
  const ipLen = ipv6 ? 40 : 20;
  const f = new Uint8Array(14 + ipLen + tcpLen);
  const ip = 14;
  if (ipv6) {
    f.set([0x86, 0xdd], 12);
    f[ip] = 0x60;
    f[ip + 5] = tcpLen;
    f[ip + 6] = 6;
    f.set(A6, ip + 8);
    f.set(B6, ip + 24);
  } else {
    f.set([0x08, 0x00], 12);
    f.set([0x45, 0, 0, ipLen + tcpLen, 0, 0, 0x40, 0, 64, 6, 0, 0, 10, 0, 0, 1, 10, 0, 0, 2], ip);
  }
  const t = ip + ipLen;
  f.set(
    [0x30, 0x39, 0, 80, 0, 0, 0, 1, 0, 0, 0, 0, (5 + options.length / 4) << 4, 2, 0xff, 0xff],
    t,
  );
  f.set(options, t + 20);
  const sum = tcpChecksum(f, ipv6);
  f[t + 16] = sum >> 8;
  f[t + 17] = sum & 255;
  return f;
}

function tcpChecksum(f: Uint8Array, ipv6: boolean): number {
  const t = 14 + (ipv6 ? 40 : 20);
  const tcp = f.slice(t);
  tcp[16] = tcp[17] = 0;
  const pseudo = ipv6
    ? [f.subarray(22, 38), f.subarray(38, 54), u32(tcp.length), u32(6)]
    : [f.subarray(26, 34), new Uint8Array([0, 6, tcp.length >> 8, tcp.length & 255])];
  return rfc1071([...pseudo, tcp]);
}

Deno.test("MSS clamping: rewrites MSS-first SYNs with a valid checksum, keeps tincd's quirk", () => {
  const f = tcpSyn([2, 4, 0x05, 0xb4, 1, 1, 4, 2]);
  assert.equal(clampMss(f, 0, f.length, 1451), 1397);
  assert.equal((f[56]! << 8) | f[57]!, 1397);
  assert.equal((f[50]! << 8) | f[51]!, tcpChecksum(f, false));
  // already small enough: untouched
  const g = tcpSyn([2, 4, 0x05, 0x00]);
  assert.equal(clampMss(g, 0, g.length, 1451), 0);
  // MSS after two NOPs: the length byte is read at a fixed offset → not clamped (tincd quirk)
  const q = tcpSyn([1, 1, 2, 4, 0x05, 0xb4, 0, 0]);
  const before = q.slice();
  assert.equal(clampMss(q, 0, q.length, 1451), 0);
  assert.deepEqual(q, before);
  // IPv6 assumes a 40-byte header
  const v6 = tcpSyn([2, 4, 0x05, 0xa0], true);
  assert.equal(clampMss(v6, 0, v6.length, 1400), 1400 - 54 - 20);
  assert.equal((v6[70]! << 8) | v6[71]!, tcpChecksum(v6, true));
  // not TCP
  const udp = tcpSyn([2, 4, 5, 0xb4]);
  udp[23] = 17;
  assert.equal(clampMss(udp, 0, udp.length, 1000), 0);
});
