/**
 * secnet.conf → a running tinc mesh: turns the evaluated configuration (the root dictionary,
 * whose closures carry plain specs from lib/modules/specs.ts) into the tinc engine's
 * EngineConfig, the TUN device to open, the listening sockets, logs, pidfile and userid.
 *
 * The mapping (docs/config-mapping.md has a worked example):
 *  - `local-name` is our tinc node name, `local-key` our RSA key;
 *  - `comm udp { port; address; }` is where TCP (meta) and UDP (data) are served;
 *  - each `site` is a tinc host whose key we know: `address`/`port` (we connect to it), its
 *    `link` routes (the subnets it may own), `transform` (what it must use when sending to
 *    us), `key-lifetime` (KeyExpire), `mobile`/`keepalive`, and tinc's host options under
 *    secnet-style keys (indirect-data, tcp-only, pmtu-discovery, clamp-mss, weight, pmtu,
 *    connect);
 *  - the netlink (tun, null-netlink) is the device, our subnets (`networks`), what any node
 *    may claim (`remote-networks`), `local-address`, `mtu` and the routing mode.
 *
 * Pure data in, pure data out (no I/O), so `-j` can run it too: every problem it finds is a
 * ConfigError with the location of the closure or key at fault.
 *
 * @module
 */
import type { Dict } from "../conf/dict.ts";
import { ConfigError, type Diagnostic } from "../conf/errors.ts";
import { hasLoc, type Loc, NO_LOC } from "../conf/loc.ts";
import type { Item, List } from "../conf/value.ts";
import type {
  CommSpec,
  LogSpec,
  NetlinkDeviceSpec,
  SiteSpec,
  TransformSpec,
  UdpSpec,
} from "../modules/specs.ts";
import type { RsaPrivateKey } from "../crypto/types.ts";
import {
  type BroadcastMode,
  DEFAULT_TRANSFORM,
  ENGINE_DEFAULTS,
  type EngineConfig,
  type HostAddress,
  type HostConfig,
  type PacketTransform,
  type RoutingMode,
} from "../tinc/config.ts";
import { checkId } from "../tinc/names.ts";

/** tinc's default port, used when `comm udp` or a site gives none. */
export const TINC_PORT = 655;

/** One address on the device: `local` with `peer` as the point-to-point other end. */
export interface DeviceAddress {
  readonly local: string;
  /** secnet's secnet-address / ptp-address (the far end of the point-to-point link). */
  readonly peer: string | null;
  readonly prefixLength: number;
}

/** The local network device the daemon opens (the netlink closure). */
export interface DeviceConfig {
  /** "tun": a kernel TUN device; "null": no device (null-netlink, for tests). */
  readonly kind: "tun" | "null";
  readonly mode: RoutingMode;
  /** The netlink's `name` (for logs). */
  readonly name: string;
  /** tun `interface`, or null to let the kernel pick (tunN). */
  readonly ifname: string | null;
  /** tun `device`, e.g. /dev/net/tun. */
  readonly devicePath: string;
  readonly mtu: number;
  /** Addresses to give the interface (`local-address`, peer = secnet/ptp-address). */
  readonly addresses: readonly DeviceAddress[];
  /** Subnets to route into the interface: every site's routes, and remote-networks. */
  readonly routes: readonly string[];
  /** How to configure it: "ioctl"/"linux" (ip), or the external commands secnet would run. */
  readonly ifconfigType: string;
  readonly routeType: string;
  readonly ifconfigPath: string | null;
  readonly routePath: string | null;
  readonly ipPath: string | null;
}

/** Where we listen: TCP (meta) and UDP (data) on the same port. */
export interface ListenConfig {
  readonly port: number;
  /** Addresses to bind (numeric); empty = any (IPv4 and IPv6). */
  readonly addresses: readonly string[];
}

/** Everything the daemon needs, from one secnet.conf. */
export interface MeshConfig {
  readonly engine: EngineConfig;
  readonly device: DeviceConfig;
  readonly listen: ListenConfig;
  /** `system/log`: where the daemon logs (at least one). */
  readonly logs: readonly LogSpec[];
  readonly pidfile: string | null;
  readonly userid: string | null;
  /** Site names, in the order of the sites list. */
  readonly sites: readonly string[];
  /** `system/busy-poll` in ms: how long the data plane stays awake for an answer (event_loop.ts). */
  readonly busyPoll: number;
  /** Things worth a warning that are not errors (ignored secnet-only keys, ...). */
  readonly diagnostics: readonly Diagnostic[];
}

export interface MeshConfigOptions {
  /** The key naming the active sites (`-s`, default "sites"). */
  readonly sitesKey?: string;
}

/** Builds the daemon's configuration from the evaluated root dictionary. */
export function buildMeshConfig(root: Dict, options: MeshConfigOptions = {}): MeshConfig {
  const diagnostics: Diagnostic[] = [];
  const note = (loc: Loc | undefined, facility: string, message: string) =>
    diagnostics.push({ level: "warning", loc, facility, message });

  const system = systemDict(root);
  const logs = systemLogs(system);
  const pidfile = optionalString(system, "pidfile", "system");
  const userid = optionalString(system, "userid", "system");
  const busyPoll = busyPollMs(system);

  const sitesKey = options.sitesKey ?? "sites";
  const sites = siteSpecs(root, sitesKey);

  // Our identity, our sockets and our device: every site must agree on them (they are
  // usually inherited from the root); without sites, they are read from the root.
  const first = sites[0];
  const localName = first ? first.spec.localName : requiredString(root, "local-name", "mesh");
  const privateKey = first ? siteLocalKey(first) : rootLocalKey(root);
  const comms = first ? first.spec.comms : rootClosures<CommSpec>(root, "comm", "COMM");
  const link = first ? first.spec.link.device : rootDevice(root);
  for (const s of sites.slice(1)) {
    const loc = s.loc;
    if (s.spec.localName !== localName) {
      throw new ConfigError(
        loc,
        "site",
        `site "${s.spec.name}" has local-name "${s.spec.localName}" but site "${
          first!.spec.name
        }" has "${localName}": one daemon is one tinc node`,
      );
    }
    if (s.spec.link.device !== link && !sameDevice(s.spec.link.device, link)) {
      throw new ConfigError(
        loc,
        "site",
        `site "${s.spec.name}" uses netlink "${s.spec.link.device.name}" but site "${
          first!.spec.name
        }" uses "${link.name}": tincture drives one device`,
      );
    }
    const k = siteLocalKey(s);
    if (k.n !== privateKey.n) {
      throw new ConfigError(loc, "site", `site "${s.spec.name}" has a different local-key`);
    }
  }
  if (!checkId(localName)) {
    throw new ConfigError(
      first?.loc ?? locOf(root, "local-name"),
      "site",
      `local-name "${localName}" is not a valid tinc node name (letters, digits and _ only)`,
    );
  }

  const udp = comms.find((c): c is UdpSpec => c.type === "udp");
  if (!udp) {
    throw new ConfigError(
      first?.loc ?? locOf(root, "comm"),
      "comm",
      "tincture needs a udp comm (polypath is not supported): its port serves tinc's TCP and UDP",
    );
  }
  const port = udp.port === 0 ? TINC_PORT : udp.port;
  if (port > 65535) {
    throw new ConfigError(first?.loc ?? locOf(root, "comm"), "udp", `port ${port} is not 1..65535`);
  }
  const listen: ListenConfig = { port, addresses: (udp.addresses ?? []).map((a) => a.ip) };

  const everything = (nets: readonly string[]) => nets.length === 1 && nets[0] === "0.0.0.0/0";
  // networks defaults to "everything"; a tinc node claiming 0.0.0.0/0 would attract all
  // traffic of the mesh, so we then own just our local-address.
  const subnets = everything(link.networks) ? [`${link.localAddress}/32`] : [...link.networks];
  const remoteSubnets = everything(link.remoteNetworks) ? null : [...link.remoteNetworks];

  const settings = meshSettings(system);
  const rootTransform = rootClosures<TransformSpec>(root, "transform", "TRANSFORM", false);
  const meshTransform = rootTransform.length > 0
    ? packetTransform(rootTransform, locOf(root, "transform"))
    : DEFAULT_TRANSFORM;

  const names = new Set<string>();
  const hosts: HostConfig[] = [];
  let keyExpire: number | null = null;
  for (const s of sites) {
    const spec = s.spec;
    if (!checkId(spec.name)) {
      throw new ConfigError(
        s.loc,
        "site",
        `site name "${spec.name}" is not a valid tinc node name (letters, digits and _ only)`,
      );
    }
    if (names.has(spec.name)) {
      throw new ConfigError(s.loc, "site", `site "${spec.name}" is listed twice`);
    }
    names.add(spec.name);
    const publicKey = spec.key?.key ?? spec.peerKeys?.keys[0];
    if (!publicKey) {
      throw new ConfigError(
        s.loc,
        "site",
        `site "${spec.name}" has no usable public key (peer-keys file ${spec.peerKeys?.path} is empty)`,
      );
    }
    if (spec.peerKeys && spec.peerKeys.keys.length > 1) {
      note(s.loc, "site", `site "${spec.name}": tinc knows one key per host; using the first`);
    }
    const addresses: HostAddress[] = spec.addresses.map((a) => ({
      host: a.replace(/^\[(.*)\]$/, "$1"),
      port: spec.port ?? TINC_PORT,
    }));
    // A mobile peer comes to us; we go to it only if told to keep the link alive.
    const connectTo = spec.tinc.connect && addresses.length > 0 &&
      (!spec.mobile || spec.keepalive);
    const routes = [...spec.link.routes];
    if (spec.tinc.pmtuDiscovery !== null && spec.tinc.pmtuDiscovery !== settings.pmtuDiscovery) {
      note(
        s.loc,
        "site",
        `site "${spec.name}": pmtu-discovery is mesh-wide in tincture; set it in system`,
      );
    }
    hosts.push({
      name: spec.name,
      publicKey,
      addresses,
      connectTo,
      allowedSubnets: everything(routes) ? null : routes,
      transform: packetTransform(spec.transforms, s.loc),
      indirectData: spec.tinc.indirectData ?? settings.indirectData,
      tcpOnly: spec.tinc.tcpOnly ?? settings.tcpOnly,
      clampMss: spec.tinc.clampMss ?? settings.clampMss,
      weight: spec.tinc.weight,
      pmtu: spec.tinc.pmtu,
    });
    const lifetime = Math.max(1, Math.round(spec.keyLifetime / 1000));
    keyExpire = keyExpire === null ? lifetime : Math.min(keyExpire, lifetime);
  }
  if (names.has(localName)) {
    throw new ConfigError(first?.loc, "site", `a site is named like us ("${localName}")`);
  }

  // The device routes what the mesh may carry: every site's routes, and remote-networks
  // when it is bounded (routing 0.0.0.0/0 into the VPN would take the host's own traffic).
  const routes = new Set<string>(remoteSubnets ?? []);
  for (const h of hosts) for (const r of h.allowedSubnets ?? []) routes.add(r);
  for (const own of subnets) routes.delete(own);
  const device = deviceConfig(link, [...routes]);

  const engine: EngineConfig = {
    ...ENGINE_DEFAULTS,
    name: localName,
    privateKey,
    port,
    mode: link.mode,
    subnets,
    remoteSubnets,
    hosts,
    transform: meshTransform,
    keyExpire: settings.keyExpire ?? keyExpire ?? ENGINE_DEFAULTS.keyExpire,
    pingInterval: settings.pingInterval,
    pingTimeout: settings.pingTimeout,
    replayWindow: settings.replayWindow,
    pmtuDiscovery: settings.pmtuDiscovery,
    tcpOnly: settings.tcpOnly,
    indirectData: settings.indirectData,
    clampMss: settings.clampMss,
    maxTimeout: settings.maxTimeout,
    broadcast: settings.broadcast,
    directOnly: settings.directOnly,
    strictSubnets: settings.strictSubnets,
    tunnelServer: settings.tunnelServer,
    macExpire: settings.macExpire,
    maxOutputBufferSize: settings.maxOutputBufferSize,
  };
  return {
    engine,
    device,
    listen,
    logs,
    pidfile,
    userid,
    sites: hosts.map((h) => h.name),
    busyPoll,
    diagnostics,
  };
}

/** µs, as Linux's busy_poll; no more than 10 ms, which would be a core spinning at 100 pings/s. */
const BUSY_POLL_DEFAULT_US = 500;
const BUSY_POLL_MAX_US = 10_000;

function busyPollMs(system: Dict): number {
  const us = optionalNumber(system, "busy-poll", "system") ?? BUSY_POLL_DEFAULT_US;
  if (us > BUSY_POLL_MAX_US) {
    throw new ConfigError(
      locOf(system, "busy-poll"),
      "system",
      `busy-poll ${us} is more than ${BUSY_POLL_MAX_US} µs`,
    );
  }
  return us / 1000;
}

// --- transforms ---------------------------------------------------------------------------

/**
 * A site's transform list → the packet key parameters we hand that host. secnet lists
 * transforms in preference order; the first one tinc can express wins:
 *  - `tinc-transform { cipher; digest; mac-length; compression; }` as written;
 *  - `serpent256-cbc`: serpent-256-cbc + HMAC-SHA256 cut to 16 bytes (tincture nodes only);
 *  - `eax-serpent`: Serpent-EAX with its own 16-byte tag, so no HMAC (tincture nodes only).
 * None at all means tincd's default (aes-256-cbc, sha256, MAC 4).
 */
export function packetTransform(
  transforms: readonly TransformSpec[],
  loc: Loc | undefined,
): PacketTransform {
  const t = transforms[0];
  if (!t) return DEFAULT_TRANSFORM;
  switch (t.type) {
    case "tinc":
      if (t.macLength < 0 || t.macLength > 64) {
        throw new ConfigError(loc, "tinc-transform", `mac-length ${t.macLength} is not 0..64`);
      }
      if (t.compression < 0 || t.compression > 11) {
        throw new ConfigError(loc, "tinc-transform", `compression ${t.compression} is not 0..11`);
      }
      return {
        cipher: t.cipher,
        digest: t.digest,
        macLength: t.macLength,
        compression: t.compression,
      };
    case "serpent256-cbc":
      return { cipher: "serpent-256-cbc", digest: "sha256", macLength: 16, compression: 0 };
    case "eax-serpent":
      if (t.tagLength !== 16) {
        throw new ConfigError(loc, "eax-serpent", "tincture's eax-serpent has a 16-byte tag");
      }
      return { cipher: "eax-serpent", digest: "none", macLength: 0, compression: 0 };
  }
}

// --- the device ---------------------------------------------------------------------------

function deviceConfig(link: NetlinkDeviceSpec, routes: readonly string[]): DeviceConfig {
  if (link.type === "userv-ipif") {
    throw new ConfigError(
      link.loc,
      link.name,
      "userv-ipif is not supported by tincture: use tun (or null-netlink)",
    );
  }
  if (link.tun && link.tun.flavour !== "linux") {
    throw new ConfigError(
      link.loc,
      link.name,
      `tun flavour "${link.tun.flavour}" is not supported by tincture (Linux only)`,
    );
  }
  const peer = link.secnetAddress ?? link.ptpAddress;
  return {
    kind: link.type === "tun" ? "tun" : "null",
    mode: link.mode,
    name: link.name,
    ifname: link.tun?.interface ?? null,
    devicePath: link.tun?.device ?? "/dev/net/tun",
    mtu: link.mtu,
    addresses: [{ local: link.localAddress, peer, prefixLength: 32 }],
    routes,
    ifconfigType: link.tun?.ifconfigType ?? "ioctl",
    routeType: link.tun?.routeType ?? "ioctl",
    ifconfigPath: link.tun?.ifconfigPath ?? null,
    routePath: link.tun?.routePath ?? null,
    // "/dev/ip" is the closures' placeholder for "not configured": use ip from PATH then
    ipPath: link.tun?.ipPath && link.tun.ipPath !== "/dev/ip" ? link.tun.ipPath : null,
  };
}

function sameDevice(a: NetlinkDeviceSpec, b: NetlinkDeviceSpec): boolean {
  return a.type === b.type && a.name === b.name && a.localAddress === b.localAddress &&
    a.loc.file === b.loc.file && a.loc.line === b.loc.line;
}

// --- mesh-wide tinc settings (system dictionary, secnet-style names) ----------------------

interface MeshSettings {
  keyExpire: number | null;
  pingInterval: number;
  pingTimeout: number;
  replayWindow: number;
  pmtuDiscovery: boolean;
  tcpOnly: boolean;
  indirectData: boolean;
  clampMss: boolean;
  maxTimeout: number;
  broadcast: BroadcastMode;
  directOnly: boolean;
  strictSubnets: boolean;
  tunnelServer: boolean;
  macExpire: number;
  maxOutputBufferSize: number;
}

/**
 * tinc.conf's server options, read from `system` (and its parents, so also the root) under
 * secnet-style names: key-expire, ping-interval, ping-timeout, replay-window, pmtu-discovery,
 * tcp-only, indirect-data, clamp-mss, max-timeout, broadcast, direct-only, strict-subnets,
 * tunnel-server, mac-expire, max-output-buffer-size.
 */
function meshSettings(system: Dict): MeshSettings {
  const num = (k: string, d: number, min = 0) => {
    const v = optionalNumber(system, k, "system");
    if (v === null) return d;
    if (v < min) throw new ConfigError(locOf(system, k), "system", `${k} must be at least ${min}`);
    return v;
  };
  const bool = (k: string, d: boolean) => optionalBool(system, k, "system") ?? d;
  const tcpOnly = bool("tcp-only", ENGINE_DEFAULTS.tcpOnly);
  const pingInterval = num("ping-interval", ENGINE_DEFAULTS.pingInterval, 1);
  const tunnelServer = bool("tunnel-server", ENGINE_DEFAULTS.tunnelServer);
  const broadcast = optionalString(system, "broadcast", "system") ?? ENGINE_DEFAULTS.broadcast;
  if (broadcast !== "mst" && broadcast !== "direct" && broadcast !== "no") {
    throw new ConfigError(
      locOf(system, "broadcast"),
      "system",
      `broadcast "${broadcast}" is not mst, direct or no`,
    );
  }
  const keyExpire = optionalNumber(system, "key-expire", "system");
  return {
    keyExpire,
    pingInterval,
    // tincd clamps PingTimeout to [1, PingInterval]
    pingTimeout: Math.min(num("ping-timeout", ENGINE_DEFAULTS.pingTimeout, 1), pingInterval),
    replayWindow: num("replay-window", ENGINE_DEFAULTS.replayWindow),
    // TCPOnly turns PMTU discovery off unless asked for explicitly
    pmtuDiscovery: bool("pmtu-discovery", !tcpOnly),
    tcpOnly,
    indirectData: bool("indirect-data", ENGINE_DEFAULTS.indirectData),
    clampMss: bool("clamp-mss", ENGINE_DEFAULTS.clampMss),
    maxTimeout: num("max-timeout", ENGINE_DEFAULTS.maxTimeout, 1),
    broadcast,
    directOnly: bool("direct-only", ENGINE_DEFAULTS.directOnly),
    strictSubnets: bool("strict-subnets", ENGINE_DEFAULTS.strictSubnets) || tunnelServer,
    tunnelServer,
    macExpire: num("mac-expire", ENGINE_DEFAULTS.macExpire, 1),
    maxOutputBufferSize: num("max-output-buffer-size", ENGINE_DEFAULTS.maxOutputBufferSize, 1),
  };
}

// --- dictionary helpers -------------------------------------------------------------------

interface LocatedSite {
  readonly spec: SiteSpec;
  readonly loc: Loc | undefined;
}

function systemDict(root: Dict): Dict {
  const v = root.lookupPrimitive("system");
  const first = v?.[0];
  if (!first || first.type !== "dict") {
    throw new ConfigError(
      undefined,
      "secnet",
      'configuration does not include a "system" dictionary',
      {
        kind: "fatal",
        exitCode: 3,
      },
    );
  }
  return first.value;
}

function systemLogs(system: Dict): LogSpec[] {
  const v = system.lookup("log");
  if (!v) {
    throw new ConfigError(
      undefined,
      "secnet",
      "configuration does not include a system/log facility",
      {
        kind: "fatal",
        exitCode: 3,
      },
    );
  }
  return v.map((item) => {
    const spec = closureSpec<LogSpec>(item, "LOG");
    if (!spec) throw new ConfigError(item.loc, "system", "system/log must be log closures");
    return spec;
  });
}

function siteSpecs(root: Dict, key: string): LocatedSite[] {
  const v = root.lookup(key) ?? [];
  return v.map((item) => {
    const spec = closureSpec<SiteSpec>(item, "SITE");
    if (!spec) {
      throw new ConfigError(item.loc, "secnet", `${key}: every item must be a site closure`);
    }
    // The closures engineer may attach the site call's location to the spec.
    const loc = (spec as SiteSpec & { loc?: Loc }).loc;
    return { spec, loc: hasLoc(loc) ? loc : (hasLoc(item.loc) ? item.loc : locOf(root, key)) };
  });
}

function siteLocalKey(s: LocatedSite): RsaPrivateKey {
  if (s.spec.localKey) return s.spec.localKey.key;
  throw new ConfigError(
    s.loc,
    "site",
    `site "${s.spec.name}": key-cache is not supported by tincture; give local-key`,
  );
}

function rootLocalKey(root: Dict): RsaPrivateKey {
  const [spec] = rootClosures<{ type: "rsa-private"; key: RsaPrivateKey }>(
    root,
    "local-key",
    "SIGPRIVKEY",
  );
  return spec!.key;
}

function rootDevice(root: Dict): NetlinkDeviceSpec {
  const v = root.lookup("netlink");
  const item = v?.[0];
  if (!item) {
    throw new ConfigError(undefined, "mesh", 'no sites and no "netlink": nothing to run');
  }
  const spec = item.type === "closure"
    ? item.value.spec as { type?: string } | undefined
    : undefined;
  if (spec?.type === "netlink") return (spec as { device: NetlinkDeviceSpec }).device;
  if (spec && "localAddress" in spec) return spec as NetlinkDeviceSpec;
  throw new ConfigError(item.loc, "mesh", '"netlink" must be a netlink device');
}

function rootClosures<S>(root: Dict, key: string, kind: string, required = true): S[] {
  const v = root.lookup(key);
  if (!v) {
    if (!required) return [];
    throw new ConfigError(undefined, "mesh", `no sites and no "${key}" at the top level`);
  }
  return v.map((item) => {
    const spec = closureSpec<S>(item, kind);
    if (!spec) throw new ConfigError(item.loc, "mesh", `"${key}" must be ${kind} closures`);
    return spec;
  });
}

function closureSpec<S>(item: Item, kind: string): S | null {
  if (item.type !== "closure" || item.value.kind !== kind || item.value.spec === undefined) {
    return null;
  }
  return item.value.spec as S;
}

function single(dict: Dict, key: string, facility: string): Item | null {
  const v: List | undefined = dict.lookup(key);
  if (!v) return null;
  if (v.length !== 1) {
    throw new ConfigError(v[0]?.loc, facility, `parameter "${key}" has wrong number of values`);
  }
  return v[0]!;
}

function optionalString(dict: Dict, key: string, facility: string): string | null {
  const item = single(dict, key, facility);
  if (!item) return null;
  if (item.type !== "string") {
    throw new ConfigError(item.loc, facility, `"${key}" must be a string`);
  }
  return item.value;
}

function requiredString(dict: Dict, key: string, facility: string): string {
  const s = optionalString(dict, key, facility);
  if (s === null) throw new ConfigError(undefined, facility, `no sites and no "${key}"`);
  return s;
}

function optionalNumber(dict: Dict, key: string, facility: string): number | null {
  const item = single(dict, key, facility);
  if (!item) return null;
  if (item.type !== "number") {
    throw new ConfigError(item.loc, facility, `"${key}" must be a number`);
  }
  return item.value;
}

function optionalBool(dict: Dict, key: string, facility: string): boolean | null {
  const item = single(dict, key, facility);
  if (!item) return null;
  if (item.type !== "bool") {
    throw new ConfigError(item.loc, facility, `"${key}" must be a boolean`);
  }
  return item.value;
}

function locOf(dict: Dict, key: string): Loc | undefined {
  const loc = dict.lookup(key)?.[0]?.loc ?? NO_LOC;
  return hasLoc(loc) ? loc : undefined;
}

/**
 * For `-j`: whether the configuration can run as a tinc node, without throwing. secnet's own
 * checks decide the exit status; what only tincture refuses (a site name tinc cannot carry,
 * a polypath comm, userv-ipif, ...) is best shown as a warning with its location.
 */
export function checkMeshConfig(
  root: Dict,
  options: MeshConfigOptions = {},
): { ok: true; mesh: MeshConfig } | { ok: false; error: ConfigError } {
  try {
    return { ok: true, mesh: buildMeshConfig(root, options) };
  } catch (e) {
    if (e instanceof ConfigError) return { ok: false, error: e };
    throw e;
  }
}
