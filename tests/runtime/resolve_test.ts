import assert from "node:assert/strict";
import {
  HostResolver,
  type Lookup,
  type LookupAddress,
  numericAddress,
  resolveEngineHosts,
  resolveIntervalMs,
  systemLookup,
} from "../../lib/runtime/resolve.ts";
import { hostConfig } from "../tinc/_mesh.ts";
import {
  ENGINE_DEFAULTS,
  type EngineConfig,
  type HostAddress,
  type HostConfig,
} from "../../lib/tinc/config.ts";

/** A site with a toy key (nothing here signs or encrypts). */
function host(name: string, addresses: HostAddress[], connectTo = true): HostConfig {
  const publicKey = { n: 3233n, e: 17n, size: 2 };
  return hostConfig({ name, ip: "0.0.0.0", host: { publicKey, addresses } }, connectTo);
}

function engineConfig(hosts: HostConfig[]): EngineConfig {
  return {
    ...ENGINE_DEFAULTS,
    name: "alpha",
    privateKey: {
      n: 3233n,
      e: 17n,
      d: 2753n,
      p: 61n,
      q: 53n,
      dp: 53n,
      dq: 49n,
      qinv: 38n,
      size: 2,
    },
    port: 655,
    subnets: ["10.77.1.0/24"],
    hosts,
  };
}

/** A resolver from a table; names missing from it fail like getaddrinfo does. Counts calls. */
function fakeLookup(table: Record<string, string[]>): Lookup & { calls: string[] } {
  const calls: string[] = [];
  const f = (name: string): Promise<LookupAddress[]> => {
    calls.push(name);
    const got = table[name];
    if (!got) {
      return Promise.reject(
        Object.assign(new Error(`getaddrinfo ENOTFOUND ${name}`), { code: "ENOTFOUND" }),
      );
    }
    return Promise.resolve(
      got.map((address) => ({ address, family: address.includes(":") ? 6 : 4 })),
    );
  };
  return Object.assign(f, { calls });
}

const hostsOf = (c: EngineConfig, name: string) =>
  c.hosts.find((h) => h.name === name)!.addresses.map((a) => `${a.host} ${a.port}`);

Deno.test("numericAddress: the engine's notion of numeric, canonical text", () => {
  assert.equal(numericAddress("192.0.2.7"), "192.0.2.7");
  assert.equal(numericAddress("2001:DB8:0:0::1"), "2001:db8::1");
  assert.equal(numericAddress("peer.example.org"), null);
  assert.equal(numericAddress("256.1.1.1"), null);
  assert.equal(
    numericAddress("fe80::1%eth0"),
    "fe80::1",
    "the scope is dropped, as the engine does",
  );
});

Deno.test("resolveEngineHosts: numeric addresses are untouched and the resolver is not asked", async () => {
  const lookup = fakeLookup({});
  const cfg = engineConfig([
    host("beta", [{ host: "192.0.2.2", port: 655 }, { host: "2001:db8::2", port: 656 }]),
  ]);
  const r = await resolveEngineHosts(cfg, { lookup });
  assert.deepEqual(lookup.calls, []);
  assert.deepEqual(r.notes, []);
  assert.equal(r.config.hosts[0], cfg.hosts[0], "the same host object");
  assert.deepEqual(r.config.hosts[0]!.addresses, cfg.hosts[0]!.addresses);
});

Deno.test("resolveEngineHosts: names expand in place, in the resolver's order, v4 and v6, same port", async () => {
  const lookup = fakeLookup({
    "beta.test": ["2001:db8::b", "192.0.2.11", "192.0.2.12"],
    "beta-backup.test": ["198.51.100.9"],
  });
  const cfg = engineConfig([
    host("beta", [
      { host: "192.0.2.1", port: 655 },
      { host: "beta.test", port: 7000 },
      { host: "203.0.113.5", port: 655 },
      { host: "beta-backup.test", port: 655 },
    ]),
  ]);
  const r = await resolveEngineHosts(cfg, { lookup });
  assert.deepEqual(hostsOf(r.config, "beta"), [
    "192.0.2.1 655",
    "2001:db8::b 7000",
    "192.0.2.11 7000",
    "192.0.2.12 7000",
    "203.0.113.5 655",
    "198.51.100.9 655",
  ]);
  assert.deepEqual(r.notes, []);
  // The input is not modified.
  assert.equal(cfg.hosts[0]!.addresses[1]!.host, "beta.test");
  assert.deepEqual([...r.answers.keys()].sort(), ["beta-backup.test", "beta.test"]);
});

Deno.test("resolveEngineHosts: identical results are kept once; a name shared by sites is looked up once", async () => {
  const lookup = fakeLookup({
    "a.test": ["192.0.2.1", "192.0.2.1", "192.0.2.2"],
    "b.test": ["192.0.2.2", "192.0.2.3"],
  });
  const cfg = engineConfig([
    host("beta", [
      { host: "a.test", port: 655 },
      { host: "192.0.2.2", port: 655 },
      { host: "b.test", port: 655 },
      { host: "b.test", port: 656 },
    ]),
    host("gamma", [{ host: "a.test", port: 655 }]),
  ]);
  const r = await resolveEngineHosts(cfg, { lookup });
  assert.deepEqual(hostsOf(r.config, "beta"), [
    "192.0.2.1 655",
    "192.0.2.2 655",
    "192.0.2.3 655",
    "192.0.2.2 656",
    "192.0.2.3 656",
  ]);
  assert.deepEqual(hostsOf(r.config, "gamma"), ["192.0.2.1 655", "192.0.2.2 655"]);
  assert.deepEqual(lookup.calls.sort(), ["a.test", "b.test"]);
});

Deno.test("resolveEngineHosts: a failure keeps the entry (the engine skips it) and adds a note", async () => {
  const lookup = fakeLookup({ "ok.test": ["192.0.2.5"] });
  const cfg = engineConfig([
    host("beta", [{ host: "gone.test", port: 655 }, { host: "ok.test", port: 655 }]),
    host("gamma", [{ host: "gone.test", port: 700 }]),
  ]);
  const r = await resolveEngineHosts(cfg, { lookup });
  assert.deepEqual(hostsOf(r.config, "beta"), ["gone.test 655", "192.0.2.5 655"]);
  assert.deepEqual(hostsOf(r.config, "gamma"), ["gone.test 700"]);
  assert.deepEqual(r.notes, [
    "cannot resolve gone.test for site beta: ENOTFOUND",
    "cannot resolve gone.test for site gamma: ENOTFOUND",
  ]);
});

Deno.test("resolveEngineHosts: an answer without a usable address is a failure", async () => {
  const lookup = fakeLookup({ "weird.test": ["300.1.1.1", "not-an-ip"] });
  const r = await resolveEngineHosts(
    engineConfig([host("beta", [{ host: "weird.test", port: 655 }])]),
    { lookup },
  );
  assert.deepEqual(hostsOf(r.config, "beta"), ["weird.test 655"]);
  assert.deepEqual(r.notes, ["cannot resolve weird.test for site beta: no usable address"]);
});

Deno.test("resolveEngineHosts: a lookup that never answers times out; the others still resolve", async () => {
  const table = fakeLookup({ "fast.test": ["192.0.2.9"] });
  const lookup: Lookup = (name) =>
    name === "dead.test" ? new Promise<never>(() => {}) : table(name);
  const cfg = engineConfig([
    host("beta", [{ host: "dead.test", port: 655 }, { host: "fast.test", port: 655 }]),
  ]);
  const t0 = performance.now();
  const r = await resolveEngineHosts(cfg, { lookup, timeoutMs: 50 });
  const took = performance.now() - t0;
  assert.ok(took >= 45 && took < 2000, `took ${took} ms`);
  assert.deepEqual(hostsOf(r.config, "beta"), ["dead.test 655", "192.0.2.9 655"]);
  assert.deepEqual(r.notes, ["cannot resolve dead.test for site beta: no answer in 0.05 s"]);
});

Deno.test("resolveEngineHosts: sites we do not connect to, and ourselves, are left alone", async () => {
  const lookup = fakeLookup({});
  const cfg = engineConfig([
    host("beta", [{ host: "mobile.test", port: 655 }], false),
    host("alpha", [{ host: "me.test", port: 655 }]),
  ]);
  const r = await resolveEngineHosts(cfg, { lookup });
  assert.deepEqual(lookup.calls, []);
  assert.deepEqual(r.notes, []);
  assert.deepEqual(hostsOf(r.config, "beta"), ["mobile.test 655"]);
});

Deno.test("resolveEngineHosts: previous answers survive a failure and a reordering", async () => {
  const cfg = engineConfig([host("beta", [{ host: "rr.test", port: 655 }])]);
  const previous = new Map([["rr.test", ["192.0.2.1", "192.0.2.2"]]]);
  const reordered = await resolveEngineHosts(cfg, {
    lookup: fakeLookup({ "rr.test": ["192.0.2.2", "192.0.2.1"] }),
    previous,
  });
  assert.deepEqual(hostsOf(reordered.config, "beta"), ["192.0.2.1 655", "192.0.2.2 655"]);
  const moved = await resolveEngineHosts(cfg, {
    lookup: fakeLookup({ "rr.test": ["192.0.2.2", "192.0.2.3"] }),
    previous,
  });
  assert.deepEqual(hostsOf(moved.config, "beta"), ["192.0.2.2 655", "192.0.2.3 655"]);
  const failed = await resolveEngineHosts(cfg, { lookup: fakeLookup({}), previous });
  assert.deepEqual(hostsOf(failed.config, "beta"), ["192.0.2.1 655", "192.0.2.2 655"]);
  assert.deepEqual(failed.notes, [
    "cannot resolve rr.test for site beta: ENOTFOUND; keeping 192.0.2.1, 192.0.2.2",
  ]);
});

Deno.test("systemLookup: getaddrinfo answers from /etc/hosts (localhost) and fails for .invalid", async () => {
  const r = await resolveEngineHosts(
    engineConfig([
      host("beta", [{ host: "localhost", port: 655 }, { host: "no-such-host.invalid", port: 655 }]),
    ]),
    { lookup: systemLookup },
  );
  const got = hostsOf(r.config, "beta");
  assert.ok(got.includes("127.0.0.1 655") || got.includes("::1 655"), got.join(", "));
  assert.equal(got.at(-1), "no-such-host.invalid 655");
  assert.match(r.notes[0] ?? "", /^cannot resolve no-such-host\.invalid for site beta: /);
});

Deno.test("HostResolver: refresh reports changed sites; a persistent failure is reported once", async () => {
  const table: Record<string, string[]> = { "dyn.test": ["192.0.2.1"] };
  const lookup: Lookup = (name) => fakeLookup(table)(name);
  const warned: string[] = [];
  const cfg = engineConfig([
    host("beta", [{ host: "dyn.test", port: 655 }]),
    host("gamma", [{ host: "192.0.2.50", port: 655 }]),
    host("delta", [{ host: "broken.test", port: 655 }]),
  ]);
  const resolver = new HostResolver(cfg, { lookup, warn: (n) => warned.push(n) });
  assert.equal(resolver.config, cfg);
  const first = await resolver.refresh();
  assert.deepEqual(first.changedSites, ["beta"]);
  assert.deepEqual(hostsOf(resolver.config, "beta"), ["192.0.2.1 655"]);
  assert.deepEqual(warned, ["cannot resolve broken.test for site delta: ENOTFOUND"]);

  const same = await resolver.refresh(undefined, false);
  assert.deepEqual(same.changedSites, []);
  assert.equal(warned.length, 1, "not repeated");

  table["dyn.test"] = ["192.0.2.99"];
  const moved = await resolver.refresh(undefined, false);
  assert.deepEqual(moved.changedSites, ["beta"]);
  assert.deepEqual(hostsOf(moved.config, "beta"), ["192.0.2.99 655"]);

  // SIGHUP with a new source: its names are used from now on; notes are repeated.
  const next = engineConfig([host("beta", [{ host: "dyn.test", port: 700 }]), cfg.hosts[2]!]);
  const reloaded = await resolver.refresh(next);
  assert.deepEqual(reloaded.changedSites, ["beta"]);
  assert.deepEqual(hostsOf(resolver.config, "beta"), ["192.0.2.99 700"]);
  assert.equal(warned.length, 2);
});

Deno.test("HostResolver: refreshes never interleave", async () => {
  let active = 0, maxActive = 0;
  const lookup: Lookup = async () => {
    active++;
    maxActive = Math.max(maxActive, active);
    await new Promise((r) => setTimeout(r, 10));
    active--;
    return [{ address: "192.0.2.1", family: 4 }];
  };
  const resolver = new HostResolver(
    engineConfig([host("beta", [{ host: "x.test", port: 655 }])]),
    { lookup },
  );
  await Promise.all([resolver.refresh(), resolver.refresh(), resolver.refresh()]);
  assert.equal(maxActive, 1);
});

Deno.test("HostResolver: start() re-resolves periodically and calls back only on a change", async () => {
  const table: Record<string, string[]> = { "dyn.test": ["192.0.2.1"] };
  let lookups = 0;
  const lookup: Lookup = (name) => {
    lookups++;
    return fakeLookup(table)(name);
  };
  const resolver = new HostResolver(
    engineConfig([host("beta", [{ host: "dyn.test", port: 655 }])]),
    { lookup, intervalMs: 20 },
  );
  await resolver.refresh();
  const changes: string[][] = [];
  let notify = () => {};
  resolver.start((config, sites) => {
    changes.push([...sites, ...hostsOf(config, "beta")]);
    notify();
  });
  try {
    // Several unchanged rounds first: no callback.
    while (lookups < 4) await new Promise((r) => setTimeout(r, 10));
    assert.deepEqual(changes, []);
    const changed = new Promise<void>((r) => (notify = r));
    table["dyn.test"] = ["2001:db8::7"];
    await changed;
    assert.deepEqual(changes, [["beta", "2001:db8::7 655"]]);
  } finally {
    resolver.stop();
  }
  const after = lookups;
  await new Promise((r) => setTimeout(r, 60));
  assert.ok(lookups <= after + 1, "stopped");
});

Deno.test("resolveIntervalMs: 5 minutes unless TINCTURE_RESOLVE_INTERVAL gives seconds", () => {
  const saved = Deno.env.get("TINCTURE_RESOLVE_INTERVAL");
  try {
    Deno.env.delete("TINCTURE_RESOLVE_INTERVAL");
    assert.equal(resolveIntervalMs(), 300_000);
    Deno.env.set("TINCTURE_RESOLVE_INTERVAL", "2");
    assert.equal(resolveIntervalMs(), 2000);
    Deno.env.set("TINCTURE_RESOLVE_INTERVAL", "nonsense");
    assert.equal(resolveIntervalMs(), 300_000);
  } finally {
    if (saved === undefined) Deno.env.delete("TINCTURE_RESOLVE_INTERVAL");
    else Deno.env.set("TINCTURE_RESOLVE_INTERVAL", saved);
  }
});
