import assert from "node:assert/strict";
import fc from "fast-check";
import {
  compareSubnets,
  formatSubnet,
  formatSubnetAddress,
  parseSubnet,
  prefixEquals,
  type Subnet,
  subnetContains,
  subnetHasHostBits,
  SubnetTable,
} from "../../lib/tinc/subnet.ts";

// The quirky rows (leading zeros, 16-bit truncation, MAC parts, "::" forms, bad dotted
// suffixes) were checked against a real tincd 1.0.36 as `Subnet =` lines.
Deno.test("parseSubnet/formatSubnet: tincd str2net/net2str examples", () => {
  const cases: [string, string | null][] = [
    ["10.77.0.1", "10.77.0.1/32#10"],
    ["10.77.0.1/32#10", "10.77.0.1/32#10"],
    ["10.0.0.0/8", "10.0.0.0/8#10"],
    ["10.0.0.0/8#5", "10.0.0.0/8#5"],
    ["0.0.0.0/0", "0.0.0.0/0#10"],
    ["10.0.0.0#7", "10.0.0.0/32#7"],
    ["10.0.0.0/8#-3", "10.0.0.0/8#-3"],
    ["10.0.0.0/33", null],
    ["10.0.0.0/-1", null],
    ["10.0.0.0/", null],
    ["10.0.0.0/8#", null],
    ["10.0.0.0/8x", null],
    ["10.0.0.0/8#5x", null],
    ["10.0.0", null],
    ["10.0.0.256", null],
    ["10.0.0.01", "10.0.0.1/32#10"], // sscanf %hu: leading zeros are fine (checked on tincd)
    [" 10.0.0.1", "10.0.0.1/32#10"],
    ["10.0.0.65536", "10.0.0.0/32#10"], // %hu keeps 16 bits (tincd accepts it too)
    ["", null],
    ["bogus", null],
    ["fe:fd:0:0:0:1", "fe:fd:0:0:0:1#10"],
    ["FE:FD:00:00:00:01#3", "fe:fd:0:0:0:1#3"],
    ["fe:fd:0:0:0:1/48", null],
    ["fe:fd:0:0:0", null],
    ["fe:fd:0:0:0:1:2", null],
    ["fe:fd:0:0:0:g", null],
    ["::", "0:0:0:0:0:0:0:0/128#10"],
    ["::1", "0:0:0:0:0:0:0:1/128#10"],
    ["fd00::/8", "fd00:0:0:0:0:0:0:0/8#10"],
    ["fd00:0001:0:0:0:0:0:00ab/64#2", "fd00:1:0:0:0:0:0:ab/64#2"],
    ["2001:db8::1:2/127", "2001:db8:0:0:0:0:1:2/127#10"],
    ["::ffff:1.2.3.4", "0:0:0:0:0:ffff:102:304/128#10"],
    ["1:2:3:4:5:6:1.2.3.4", "1:2:3:4:5:6:102:304/128#10"],
    ["1:2:3:4:5:6:7:8", "1:2:3:4:5:6:7:8/128#10"],
    ["1:2:3:4:5:6:7:8:9", null],
    ["1:2:3:4:5:6:7", null],
    ["1::2::3", null],
    ["12345::", "2345:0:0:0:0:0:0:0/128#10"],
    ["1:2::3:4", "1:2:0:0:0:0:3:4/128#10"],
    ["1:2:3:4:5:6:7::", "1:2:3:4:5:6:7:0/128#10"],
    ["::ffff:1.2.3.256", null],
    ["-1:0:0:0:0:0", "ff:0:0:0:0:0#10"],
    ["100:0:0:0:0:0", "0:0:0:0:0:0#10"],
    ["0X10:0:0:0:0:0", "10:0:0:0:0:0#10"],
    ["fd00::/129", null],
    ["1.2.3.4::", null],
    [":1", null],
  ];
  for (const [input, want] of cases) {
    const s = parseSubnet(input);
    assert.equal(s === null ? null : formatSubnet(s), want, input);
  }
});

Deno.test("parseSubnet defaults and formatSubnetAddress", () => {
  const s = parseSubnet("192.168.1.0/24")!;
  assert.equal(s.type, "ipv4");
  assert.equal(s.prefix, 24);
  assert.equal(s.weight, 10);
  assert.deepEqual([...s.address], [192, 168, 1, 0]);
  assert.equal(formatSubnetAddress(s), "192.168.1.0/24");
  assert.equal(parseSubnet("fe80::1")!.prefix, 128);
  assert.equal(formatSubnetAddress(parseSubnet("0:1:2:3:4:5#4")!), "0:1:2:3:4:5");
});

Deno.test("parseSubnet never throws and round-trips its own output", () => {
  fc.assert(
    fc.property(fc.string({ maxLength: 60 }), (s) => {
      const r = parseSubnet(s);
      if (r) assert.equal(formatSubnet(parseSubnet(formatSubnet(r))!), formatSubnet(r));
    }),
    { numRuns: 3000 },
  );
  const arbSubnet = fc.oneof(
    fc.tuple(fc.uint8Array({ minLength: 4, maxLength: 4 }), fc.nat(32), fc.integer()).map((
      [a, p, w],
    ): Subnet => ({ type: "ipv4", address: a, prefix: p, weight: w | 0 })),
    fc.tuple(fc.uint8Array({ minLength: 16, maxLength: 16 }), fc.nat(128), fc.nat(1000)).map((
      [a, p, w],
    ): Subnet => ({ type: "ipv6", address: a, prefix: p, weight: w })),
    fc.tuple(fc.uint8Array({ minLength: 6, maxLength: 6 }), fc.nat(1000)).map((
      [a, w],
    ): Subnet => ({ type: "mac", address: a, prefix: 48, weight: w })),
  );
  fc.assert(
    fc.property(arbSubnet, (s) => {
      const back = parseSubnet(formatSubnet(s));
      assert.ok(back, formatSubnet(s));
      assert.equal(compareSubnets(back, s), 0);
    }),
    { numRuns: 2000 },
  );
});

Deno.test("subnetContains and host bits", () => {
  const p = (s: string) => parseSubnet(s)!;
  assert.ok(subnetContains(p("10.0.0.0/8"), p("10.1.2.0/24")));
  assert.ok(subnetContains(p("10.0.0.0/8"), p("10.0.0.0/8")));
  assert.ok(!subnetContains(p("10.1.2.0/24"), p("10.0.0.0/8")));
  assert.ok(!subnetContains(p("10.0.0.0/8"), p("11.0.0.0/24")));
  assert.ok(subnetContains(p("10.0.0.0/9"), p("10.127.0.1")));
  assert.ok(!subnetContains(p("10.0.0.0/9"), p("10.128.0.1")));
  assert.ok(subnetContains(p("0.0.0.0/0"), p("1.2.3.4")));
  assert.ok(!subnetContains(p("0.0.0.0/0"), p("::1")));
  assert.ok(subnetContains(p("fd00::/8"), p("fdff::1/64")));
  assert.ok(!subnetContains(p("fd00::/8"), p("fe00::1")));
  assert.ok(subnetContains(p("1:2:3:4:5:6"), p("1:2:3:4:5:6#7")));
  assert.ok(!subnetContains(p("1:2:3:4:5:6"), p("1:2:3:4:5:7")));
  assert.ok(subnetHasHostBits(p("10.0.0.1/8")));
  assert.ok(!subnetHasHostBits(p("10.0.0.0/8")));
  assert.ok(subnetHasHostBits(p("fd00::1/64")));
  assert.ok(!prefixEquals(new Uint8Array([0x80]), 0, new Uint8Array([0]), 0, 1));
});

interface Owner {
  name: string;
  reachable: boolean;
}

Deno.test("SubnetTable precedence: prefix, weight, reachability, last match", () => {
  const a: Owner = { name: "a", reachable: true };
  const b: Owner = { name: "b", reachable: true };
  const c: Owner = { name: "c", reachable: false };
  const t = new SubnetTable<Owner>();
  assert.ok(t.add(a, parseSubnet("10.0.0.0/8")!));
  assert.ok(t.add(b, parseSubnet("10.1.0.0/16#20")!));
  assert.ok(t.add(c, parseSubnet("10.1.0.0/16#5")!));
  assert.ok(!t.add(a, parseSubnet("10.0.0.0/8")!));
  const ip = new Uint8Array([0, 10, 1, 2, 3]);
  assert.equal(t.lookupIpv4(ip, 1)!.owner, b); // c has lower weight but is unreachable
  c.reachable = true;
  t.flushCache();
  assert.equal(t.lookupIpv4(ip, 1)!.owner, c);
  b.reachable = false;
  c.reachable = false;
  t.flushCache();
  assert.equal(t.lookupIpv4(ip, 1)!.owner, a);
  a.reachable = false;
  t.flushCache();
  assert.equal(t.lookupIpv4(ip, 1)!.owner, a); // nobody reachable: the last match
  assert.equal(t.lookupIpv4(new Uint8Array([11, 0, 0, 1]), 0), null);
  assert.ok(t.remove(a, parseSubnet("10.0.0.0/8#10")!));
  assert.ok(!t.remove(a, parseSubnet("10.0.0.0/8#10")!));
  assert.equal(t.lookupIpv4(ip, 1)!.owner, b);
  assert.deepEqual(t.removeOwner(b).map(formatSubnet), ["10.1.0.0/16#20"]);
  assert.equal(t.size, 1);
  assert.ok(t.find(c, parseSubnet("10.1.0.0/16#5")!));
  assert.equal(t.find(c, parseSubnet("10.1.0.0/16#6")!), null);

  const m = new SubnetTable<Owner>();
  const mac = parseSubnet("fe:fd:0:0:0:1")!;
  m.add(a, mac);
  m.add(b, parseSubnet("fe:fd:0:0:0:1#3")!);
  a.reachable = true;
  b.reachable = true;
  assert.equal(m.lookupMac(new Uint8Array([0xfe, 0xfd, 0, 0, 0, 1]), 0)!.owner, b);
  assert.equal(m.lookupMac(new Uint8Array([0xfe, 0xfd, 0, 0, 0, 2]), 0), null);
  const v6 = new SubnetTable<Owner>();
  v6.add(a, parseSubnet("fd00::/8")!);
  v6.add(b, parseSubnet("fd00:1::/32")!);
  assert.equal(v6.lookupIpv6(parseSubnet("fd00:1::5")!.address, 0)!.owner, b);
  assert.equal(v6.lookupIpv6(parseSubnet("fd00:2::5")!.address, 0)!.owner, a);
  assert.deepEqual(v6.ofOwner(b).map(formatSubnet), ["fd00:1:0:0:0:0:0:0/32#10"]);
});

function bytesOrder(a: Uint8Array, b: Uint8Array): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

// A slow reference: filter all matches, sort by the documented rules, take the first reachable.
function referenceLookup(
  entries: { s: Subnet; o: Owner }[],
  addr: Uint8Array,
): { s: Subnet; o: Owner } | null {
  const matches = entries.filter((e) => {
    for (let bit = 0; bit < e.s.prefix; bit++) {
      const x = (addr[bit >> 3]! >> (7 - (bit & 7))) & 1;
      const y = (e.s.address[bit >> 3]! >> (7 - (bit & 7))) & 1;
      if (x !== y) return false;
    }
    return true;
  });
  matches.sort((x, y) =>
    y.s.prefix - x.s.prefix ||
    bytesOrder(x.s.address, y.s.address) ||
    x.s.weight - y.s.weight ||
    (x.o.name < y.o.name ? -1 : x.o.name > y.o.name ? 1 : 0)
  );
  return matches.find((m) => m.o.reachable) ?? matches.at(-1) ?? null;
}

Deno.test("SubnetTable lookup matches a slow reference on random tables", () => {
  const rnd = fc.sample(fc.integer({ min: 0, max: 0xffffffff }), 1)[0]!;
  let seed = rnd >>> 0 || 1;
  const next = () => {
    seed ^= seed << 13;
    seed ^= seed >>> 17;
    seed ^= seed << 5;
    return (seed >>> 0) / 0x100000000;
  };
  for (let round = 0; round < 40; round++) {
    const owners: Owner[] = Array.from({ length: 6 }, (_, i) => ({
      name: `n${i}`,
      reachable: next() < 0.6,
    }));
    const t = new SubnetTable<Owner>();
    const entries: { s: Subnet; o: Owner }[] = [];
    for (let i = 0; i < 30; i++) {
      const addr = new Uint8Array([10, Math.floor(next() * 4), Math.floor(next() * 4), 0]);
      const prefix = [8, 16, 24, 30, 32][Math.floor(next() * 5)]!;
      const s: Subnet = { type: "ipv4", address: addr, prefix, weight: Math.floor(next() * 3) };
      const o = owners[Math.floor(next() * owners.length)]!;
      if (t.add(o, s)) entries.push({ s, o });
    }
    for (let q = 0; q < 50; q++) {
      const addr = new Uint8Array([10, Math.floor(next() * 4), Math.floor(next() * 4), 0]);
      const want = referenceLookup(entries, addr);
      const got = t.lookupIpv4(addr, 0);
      assert.equal(got?.owner ?? null, want?.o ?? null);
      if (want) assert.equal(compareSubnets(got!.subnet, want.s), 0);
    }
  }
});
