import assert from "node:assert/strict";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import type { Loc } from "../../lib/conf/loc.ts";
import { makeClosure } from "../../lib/conf/closure.ts";
import { boolItem, closureItem, dictItem, numberItem, stringItem } from "../../lib/conf/value.ts";
import type {
  LogfileSpec,
  NetlinkDeviceSpec,
  NetlinkSpec,
  RsaPrivateSpec,
  RsaPublicSpec,
  SiteSpec,
  TransformSpec,
  UdpSpec,
} from "../../lib/modules/specs.ts";
import {
  buildMeshConfig,
  checkMeshConfig,
  packetTransform,
} from "../../lib/runtime/mesh_config.ts";
import { DEFAULT_TRANSFORM } from "../../lib/tinc/config.ts";

const at = (line: number): Loc => ({ file: "test.conf", line });

const LOG: LogfileSpec = { type: "logfile", filename: null, prefix: "", classes: ["info"] };
const PRIV: RsaPrivateSpec = {
  type: "rsa-private",
  key: { n: 3233n, e: 17n, d: 2753n, p: 61n, q: 53n, dp: 53n, dq: 49n, qinv: 38n, size: 2 },
  hash: "sha1",
  file: "alpha.key",
  format: "pem",
  checked: true,
};
const pub = (n: bigint): RsaPublicSpec => ({
  type: "rsa-public",
  key: { n, e: 65537n, size: 256 },
  hash: "sha1",
  source: "tinc-public-key",
});
const UDP: UdpSpec = {
  type: "udp",
  port: 0,
  addresses: [{ family: 4, ip: "192.0.2.1", scope: null }],
  authbind: null,
  proxy: null,
  buffer: { type: "buffer", size: 4096, lockdown: false },
};

function device(over: Partial<NetlinkDeviceSpec> = {}): NetlinkDeviceSpec {
  return {
    type: "tun",
    name: "netlink-tun",
    networks: ["10.77.1.0/24"],
    remoteNetworks: ["10.77.0.0/16"],
    localAddress: "10.77.1.1",
    secnetAddress: "10.77.1.2",
    ptpAddress: null,
    mtu: 1400,
    mode: "router",
    tun: {
      flavour: "linux",
      device: "/dev/net/tun",
      interface: "vpn0",
      interfaceSearch: false,
      ifconfigType: "ioctl",
      routeType: "ioctl",
      ifconfigPath: "ifconfig",
      routePath: "route",
      ipPath: "ip",
      buffer: { type: "buffer", size: 4096, lockdown: false },
    },
    userv: null,
    loc: at(5),
    ...over,
  };
}

const DEVICE = device();

function site(name: string, over: Partial<SiteSpec> = {}, routes = ["10.77.2.0/24"]): SiteSpec {
  const link: NetlinkSpec = {
    type: "netlink",
    device: DEVICE,
    name,
    routes,
    soft: false,
    allowRoute: false,
    priority: 0,
    mtu: 1400,
  };
  return {
    type: "site",
    localName: "alpha",
    name,
    log: LOG,
    logEvents: [],
    keepalive: false,
    mobile: false,
    localMobile: false,
    link,
    comms: [UDP],
    resolver: { type: "adns", config: null },
    random: { type: "randomfile", path: "/dev/urandom", blocking: false },
    localKey: PRIV,
    keyCache: null,
    key: pub(1000n + BigInt(name.length)),
    peerKeys: null,
    addresses: ["192.0.2.2"],
    port: 656,
    commInfo: [],
    transforms: [],
    dh: { type: "diffie-hellman", p: 23n, g: 5n, len: 1, ceilLen: 1 },
    keyLifetime: 3600000,
    setupRetries: 5,
    setupTimeout: 2000,
    waitTime: 20000,
    renegotiateTime: 3300000,
    mtuTarget: 0,
    mobilePeerExpiry: 120,
    peersMax: 4,
    tinc: {
      indirectData: null,
      tcpOnly: null,
      pmtuDiscovery: null,
      clampMss: null,
      weight: null,
      pmtu: null,
      connect: true,
    },
    ...over,
  };
}

/** A root as secnet leaves it: system { log; ... }, sites = [...]. */
function rootWith(sites: SiteSpec[], system: Record<string, unknown> = {}): Dict {
  const root = new Dict(null, newEnv(memoryHost({})));
  const sys = new Dict(root);
  sys.add("log", [closureItem(makeClosure("LOG", "logfile", LOG))]);
  let line = 2;
  for (const [k, v] of Object.entries(system)) {
    line++;
    if (typeof v === "number") sys.add(k, [numberItem(v, at(line))]);
    else if (typeof v === "boolean") sys.add(k, [boolItem(v, at(line))]);
    else sys.add(k, [stringItem(String(v), at(line))]);
  }
  root.add("system", [dictItem(sys, at(1))]);
  if (sites.length) {
    root.add(
      "sites",
      sites.map((s, i) => closureItem(makeClosure("SITE", `site ${i}`, { ...s, loc: at(20 + i) }))),
    );
  }
  return root;
}

Deno.test("buildMeshConfig() maps local-name, key, comm port, networks and sites", () => {
  const m = buildMeshConfig(rootWith([
    site("beta"),
    site("gamma", { addresses: [] }, [
      "10.77.3.0/24",
    ]),
  ]));
  assert.equal(m.engine.name, "alpha");
  assert.equal(m.engine.privateKey, PRIV.key);
  // port 0 in comm udp means tinc's 655
  assert.equal(m.engine.port, 655);
  assert.deepEqual(m.listen, { port: 655, addresses: ["192.0.2.1"] });
  assert.deepEqual(m.engine.subnets, ["10.77.1.0/24"]);
  assert.deepEqual(m.engine.remoteSubnets, ["10.77.0.0/16"]);
  assert.deepEqual(m.sites, ["beta", "gamma"]);
  const [beta, gamma] = m.engine.hosts;
  assert.deepEqual(beta!.addresses, [{ host: "192.0.2.2", port: 656 }]);
  assert.equal(beta!.connectTo, true);
  assert.deepEqual(beta!.allowedSubnets, ["10.77.2.0/24"]);
  assert.deepEqual(beta!.transform, DEFAULT_TRANSFORM);
  assert.equal(beta!.publicKey.n, 1004n);
  // no address: we never connect, it comes to us
  assert.equal(gamma!.connectTo, false);
  assert.equal(m.engine.keyExpire, 3600);
  assert.equal(m.engine.mode, "router");
  assert.equal(m.device.kind, "tun");
  assert.equal(m.device.ifname, "vpn0");
  assert.equal(m.device.mtu, 1400);
  assert.deepEqual(m.device.addresses, [
    { local: "10.77.1.1", peer: "10.77.1.2", prefixLength: 32 },
  ]);
  assert.deepEqual(
    new Set(m.device.routes),
    new Set(["10.77.0.0/16", "10.77.2.0/24", "10.77.3.0/24"]),
  );
  assert.equal(m.logs.length, 1);
});

Deno.test("buildMeshConfig() takes tinc host options and key-lifetime from sites", () => {
  const m = buildMeshConfig(rootWith([
    site("beta", {
      keyLifetime: 30000,
      tinc: {
        indirectData: true,
        tcpOnly: true,
        pmtuDiscovery: null,
        clampMss: false,
        weight: 7,
        pmtu: 1300,
        connect: false,
      },
    }),
    site("gamma", { keyLifetime: 60000 }),
  ]));
  const [beta, gamma] = m.engine.hosts;
  assert.equal(beta!.indirectData, true);
  assert.equal(beta!.tcpOnly, true);
  assert.equal(beta!.clampMss, false);
  assert.equal(beta!.weight, 7);
  assert.equal(beta!.pmtu, 1300);
  assert.equal(beta!.connectTo, false);
  assert.equal(gamma!.tcpOnly, false);
  assert.equal(gamma!.clampMss, true);
  // KeyExpire is mesh-wide in tinc: the shortest key-lifetime wins
  assert.equal(m.engine.keyExpire, 30);
});

Deno.test("buildMeshConfig() reads mesh-wide tinc options from system", () => {
  const m = buildMeshConfig(rootWith([site("beta")], {
    "key-expire": 20,
    "ping-interval": 10,
    "ping-timeout": 30,
    "tcp-only": true,
    "broadcast": "direct",
    "tunnel-server": true,
    "pidfile": "/run/t.pid",
    "userid": "nobody",
  }));
  assert.equal(m.engine.keyExpire, 20);
  assert.equal(m.engine.pingInterval, 10);
  // clamped to PingInterval as tincd does
  assert.equal(m.engine.pingTimeout, 10);
  assert.equal(m.engine.tcpOnly, true);
  assert.equal(m.engine.pmtuDiscovery, false);
  assert.equal(m.engine.hosts[0]!.tcpOnly, true);
  assert.equal(m.engine.broadcast, "direct");
  assert.equal(m.engine.strictSubnets, true);
  assert.equal(m.pidfile, "/run/t.pid");
  assert.equal(m.userid, "nobody");
});

Deno.test("buildMeshConfig() busy-poll: µs in system, 500 by default, 0 turns it off", () => {
  assert.equal(buildMeshConfig(rootWith([site("beta")])).busyPoll, 0.5);
  assert.equal(buildMeshConfig(rootWith([site("beta")], { "busy-poll": 0 })).busyPoll, 0);
  assert.equal(buildMeshConfig(rootWith([site("beta")], { "busy-poll": 10000 })).busyPoll, 10);
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta")], { "busy-poll": 10001 })),
    3,
    /busy-poll 10001 is more than 10000 µs/,
  );
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta")], { "busy-poll": "yes" })),
    3,
    /"busy-poll" must be a number/,
  );
});

Deno.test("buildMeshConfig() mobile sites are not dialled unless keepalive", () => {
  const m = buildMeshConfig(rootWith([
    site("beta", { mobile: true }),
    site("gamma", { mobile: true, keepalive: true }),
  ]));
  assert.deepEqual(m.engine.hosts.map((h) => h.connectTo), [false, true]);
});

Deno.test("buildMeshConfig() default networks own just local-address, routes unbounded", () => {
  const dev = device({ networks: ["0.0.0.0/0"], remoteNetworks: ["0.0.0.0/0"] });
  const s = site("beta", {}, ["0.0.0.0/0"]);
  const m = buildMeshConfig(rootWith([{ ...s, link: { ...s.link, device: dev } }]));
  assert.deepEqual(m.engine.subnets, ["10.77.1.1/32"]);
  assert.equal(m.engine.remoteSubnets, null);
  assert.equal(m.engine.hosts[0]!.allowedSubnets, null);
  // never 0.0.0.0/0 into the tun
  assert.deepEqual(m.device.routes, []);
});

Deno.test("packetTransform() maps tinc-transform and secnet's serpent transforms", () => {
  const tinc: TransformSpec = {
    type: "tinc",
    cipher: "aes-128-cbc",
    digest: "sha1",
    macLength: 10,
    compression: 9,
  };
  assert.deepEqual(packetTransform([tinc], undefined), {
    cipher: "aes-128-cbc",
    digest: "sha1",
    macLength: 10,
    compression: 9,
  });
  assert.deepEqual(packetTransform([], undefined), DEFAULT_TRANSFORM);
  const eax: TransformSpec = {
    type: "eax-serpent",
    capabNum: 9,
    maxSequenceSkew: 10,
    dedupe: true,
    tagLength: 16,
    paddingRounding: 16,
  };
  assert.equal(packetTransform([eax, tinc], undefined).cipher, "eax-serpent");
  assert.throws(
    () => packetTransform([{ ...tinc, compression: 12 }], at(9)),
    (e: ConfigError) => e.loc?.line === 9 && /compression 12/.test(e.message),
  );
});

function throwsAt(fn: () => unknown, line: number | undefined, re: RegExp) {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof ConfigError, String(e));
    assert.match(e.message, re);
    assert.equal(e.loc?.line, line);
    return true;
  });
}

Deno.test("buildMeshConfig() refuses what one tinc node cannot be, with the site's line", () => {
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta"), site("gamma", { localName: "other" })])),
    21,
    /local-name "other"/,
  );
  throwsAt(() => buildMeshConfig(rootWith([site("be-ta")])), 20, /not a valid tinc node name/);
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta"), site("beta")])),
    21,
    /listed twice/,
  );
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta", { localKey: null })])),
    20,
    /key-cache/,
  );
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta", { comms: [] })])),
    20,
    /needs a udp comm/,
  );
  const userv = device({ type: "userv-ipif", tun: null });
  const s = site("beta");
  throwsAt(
    () => buildMeshConfig(rootWith([{ ...s, link: { ...s.link, device: userv } }])),
    5,
    /userv-ipif/,
  );
  throwsAt(
    () => buildMeshConfig(rootWith([site("beta")], { broadcast: "maybe" })),
    3,
    /broadcast "maybe"/,
  );
});

Deno.test("buildMeshConfig() needs system and system/log", () => {
  const root = new Dict(null, newEnv(memoryHost({})));
  assert.throws(() => buildMeshConfig(root), /"system" dictionary/);
  root.add("system", [dictItem(new Dict(root), at(1))]);
  assert.throws(() => buildMeshConfig(root), /system\/log/);
});

/** A PKCS#8 PEM private key and its modulus, made with WebCrypto (no files, no openssl). */
async function webKey(): Promise<{ pem: string; n: bigint }> {
  const pair = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  const der = new Uint8Array(await crypto.subtle.exportKey("pkcs8", pair.privateKey));
  const b64 = btoa(String.fromCharCode(...der)).replace(/(.{64})/g, "$1\n");
  const jwk = await crypto.subtle.exportKey("jwk", pair.publicKey);
  const nBytes = atob(jwk.n!.replace(/-/g, "+").replace(/_/g, "/"));
  let n = 0n;
  for (const c of nBytes) n = (n << 8n) | BigInt(c.charCodeAt(0));
  return { pem: `-----BEGIN PRIVATE KEY-----\n${b64}\n-----END PRIVATE KEY-----\n`, n };
}

Deno.test("buildMeshConfig() on an evaluated secnet.conf: sites, tinc options, transforms", async () => {
  const { evaluateConfig } = await import("../../lib/conf/evaluate.ts");
  const ours = await webKey();
  const conf = `log logfile { filename "/dev/null"; class "info"; };
system { key-expire 40; ping-interval 20; };
local-name "alpha";
local-key rsa-private("alpha.pem");
comm udp { port 7655; address "192.0.2.1"; buffer sysbuffer(); };
resolver adns { };
random randomfile("/dev/urandom");
dh diffie-hellman("FFFFFFFFFFFFFFC5", "2", false);
transform tinc-transform { cipher "aes-256-cbc"; digest "sha256"; mac-length 4; };
netlink tun {
  interface "vpn0"; local-address "10.77.1.1"; secnet-address "10.77.1.2";
  networks "10.77.1.0/24"; remote-networks "10.77.0.0/16"; mtu 1400; mode "switch";
  buffer sysbuffer();
};
sites site {
  name "beta"; key rsa-public("65537", "${ours.n + 2n}");
  address "192.0.2.2"; port 655;
  link netlink { routes "10.77.2.0/24"; };
  tcp-only true; weight 5;
}, site {
  name "gamma"; key rsa-public("65537", "${ours.n + 4n}");
  link netlink { routes "10.77.3.0/24", "10.77.4.0/24"; };
  transform eax-serpent { }, tinc-transform { };
};
`;
  const host = memoryHost({ "secnet.conf": conf, "alpha.pem": ours.pem, "/dev/urandom": "x" });
  const { root } = evaluateConfig(conf, { file: "secnet.conf", host });
  const m = buildMeshConfig(root);
  assert.equal(m.engine.name, "alpha");
  assert.equal(m.engine.privateKey.n, ours.n);
  assert.equal(m.engine.port, 7655);
  assert.deepEqual(m.listen.addresses, ["192.0.2.1"]);
  assert.equal(m.engine.mode, "switch");
  assert.equal(m.device.mode, "switch");
  assert.equal(m.engine.keyExpire, 40);
  assert.equal(m.engine.pingInterval, 20);
  assert.deepEqual(m.engine.subnets, ["10.77.1.0/24"]);
  const [beta, gamma] = m.engine.hosts;
  assert.equal(beta!.name, "beta");
  assert.equal(beta!.publicKey.n, ours.n + 2n);
  assert.deepEqual(beta!.addresses, [{ host: "192.0.2.2", port: 655 }]);
  assert.equal(beta!.connectTo, true);
  assert.equal(beta!.tcpOnly, true);
  assert.equal(beta!.weight, 5);
  assert.deepEqual(beta!.transform, DEFAULT_TRANSFORM);
  assert.equal(gamma!.connectTo, false);
  assert.deepEqual(gamma!.allowedSubnets, ["10.77.3.0/24", "10.77.4.0/24"]);
  assert.equal(gamma!.transform.cipher, "eax-serpent");
  assert.deepEqual(
    new Set(m.device.routes),
    new Set(["10.77.0.0/16", "10.77.2.0/24", "10.77.3.0/24", "10.77.4.0/24"]),
  );
});

Deno.test("checkMeshConfig() returns the error instead of throwing it", () => {
  const good = checkMeshConfig(rootWith([site("beta")]));
  assert.ok(good.ok && good.mesh.engine.name === "alpha");
  const bad = checkMeshConfig(rootWith([site("be-ta")]));
  assert.ok(!bad.ok);
  assert.equal(bad.error.loc?.line, 20);
  assert.match(bad.error.message, /be-ta/);
});
