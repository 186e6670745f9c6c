/**
 * Plain-data specs: what each closure kind stands for once secnet's checks have passed. The
 * config evaluator stores one of these in `Closure.spec`; the daemon
 * (lib/runtime/mesh_config.ts) turns them into sockets, devices and EngineConfig.
 *
 * Nothing here holds a resource: evaluating a config opens no socket or device.
 *
 * Closure kind → spec type:
 *  BUFFER → BufferSpec, RANDOMSRC → RandomSpec, RESOLVER → ResolverSpec, COMM → CommSpec,
 *  LOG → LogSpec, PURE netlink device → NetlinkDeviceSpec, NETLINK → NetlinkSpec,
 *  TRANSFORM → TransformSpec, SIGPUBKEY → RsaPublicSpec, SIGPRIVKEY → RsaPrivateSpec,
 *  DH → DhSpec, HASH → HashSpec, PRIVCACHE → PrivCacheSpec, SITE → SiteSpec.
 *
 * @module
 */

import type { RsaPrivateKey, RsaPublicKey } from "../crypto/types.ts";
import type { Loc } from "../conf/loc.ts";

/** sysbuffer([size[, { lockdown }]]). */
export interface BufferSpec {
  readonly type: "buffer";
  readonly size: number;
  readonly lockdown: boolean;
}

/** randomfile(path[, blocking]): the file was checked to be openable. */
export interface RandomSpec {
  readonly type: "randomfile";
  readonly path: string;
  readonly blocking: boolean;
}

/** adns { config "..." }: resolv.conf text, or null for /etc/resolv.conf. */
export interface ResolverSpec {
  readonly type: "adns";
  readonly config: string | null;
}

/** An IP address literal, as secnet's string_item_to_iaddr accepts it. */
export interface IpAddressSpec {
  readonly family: 4 | 6;
  /** Canonical text (dotted quad, or inet_ntop-style IPv6 without the scope). */
  readonly ip: string;
  /** IPv6 scope id (numeric `%N`, or an interface name for link-local addresses). */
  readonly scope: string | null;
}

export interface UdpSpec {
  readonly type: "udp";
  /** 0..2^31-1 as secnet reads it (no 0..65535 check in 0.6.7). */
  readonly port: number;
  /** Addresses to bind; null = secnet's default (any-v6 and any-v4). */
  readonly addresses: readonly IpAddressSpec[] | null;
  readonly authbind: string | null;
  /** `proxy "ipv4", port`. */
  readonly proxy: { readonly ip: string; readonly port: number } | null;
  readonly buffer: BufferSpec;
}

export interface PolypathSpec {
  readonly type: "polypath";
  readonly port: number;
  readonly authbind: string | null;
  readonly maxInterfaces: number;
  /** Interface patterns (`!`, `+`, `@` prefixes), or null for secnet's default list. */
  readonly interfaces: readonly string[] | null;
  readonly monitorCommand: readonly string[];
  readonly permitLoopback: boolean;
  readonly buffer: BufferSpec;
}

export type CommSpec = UdpSpec | PolypathSpec;

/** Message classes a logfile shows, in the order of secnet's M_* bits: class i is bit 1 << i. */
export const LOG_CLASSES = [
  "debug-config",
  "debug-phase",
  "debug",
  "info",
  "notice",
  "warning",
  "error",
  "security",
  "fatal",
] as const;
export type LogClass = typeof LOG_CLASSES[number];

export interface LogfileSpec {
  readonly type: "logfile";
  /** null: stderr. */
  readonly filename: string | null;
  readonly prefix: string;
  readonly classes: readonly LogClass[];
}

export interface SyslogSpec {
  readonly type: "syslog";
  readonly ident: string | null;
  readonly facility: string;
}

export type LogSpec = LogfileSpec | SyslogSpec;

/** An IPv4 subnet, `a.b.c.d/len`. */
export type SubnetText = string;

export interface TunSpec {
  readonly flavour: "linux" | "bsd" | "streams";
  readonly device: string;
  readonly interface: string | null;
  readonly interfaceSearch: boolean;
  readonly ifconfigType: "ioctl" | "bsd" | "linux" | "solaris-2.5";
  readonly routeType: "ioctl" | "bsd" | "linux" | "solaris-2.5";
  readonly ifconfigPath: string;
  readonly routePath: string;
  readonly ipPath: string;
  readonly buffer: BufferSpec;
}

export interface UservSpec {
  readonly uservPath: string;
  readonly serviceUser: string;
  readonly serviceName: string;
  readonly buffer: BufferSpec;
}

/**
 * A netlink device (null-netlink, tun, tun-old, userv-ipif): what the PURE closure they
 * return stands for (or, in point-to-point mode, the device of the one NetlinkSpec).
 */
export interface NetlinkDeviceSpec {
  readonly type: "null-netlink" | "tun" | "userv-ipif";
  /** `name`, default "null-netlink" / "netlink-tun" / "netlink-userv-ipif". */
  readonly name: string;
  /** Our side (`networks`), as a minimal list of subnets; default everything. */
  readonly networks: readonly SubnetText[];
  /** What sites may route (`remote-networks`); default everything. */
  readonly remoteNetworks: readonly SubnetText[];
  readonly localAddress: string;
  /** Exactly one of these two is set. */
  readonly secnetAddress: string | null;
  readonly ptpAddress: string | null;
  readonly mtu: number;
  /**
   * tincture extension: tinc's routing mode for the mesh ("router" unless `mode` says).
   */
  readonly mode: "router" | "switch" | "hub";
  readonly tun: TunSpec | null;
  readonly userv: UservSpec | null;
  readonly loc: Loc;
}

/** A netlink client (NETLINK closure): one site's routes on a device. */
export interface NetlinkSpec {
  readonly type: "netlink";
  readonly device: NetlinkDeviceSpec;
  readonly name: string;
  /** The routes, as a minimal list of subnets. */
  readonly routes: readonly SubnetText[];
  readonly soft: boolean;
  readonly allowRoute: boolean;
  readonly priority: number;
  /** 0 in the config means the device's mtu; this is already resolved. */
  readonly mtu: number;
}

/** secnet's own transforms (tincture nodes can use them between themselves). */
export interface SecnetTransformSpec {
  readonly type: "eax-serpent" | "serpent256-cbc";
  readonly capabNum: number;
  readonly maxSequenceSkew: number;
  readonly dedupe: boolean;
  /** eax-serpent only (16 for serpent256-cbc, which has a CBC-MAC). */
  readonly tagLength: number;
  /** eax-serpent: padding rounding (1 when 0 is given); serpent256-cbc: 16. */
  readonly paddingRounding: number;
}

/** tincture extension `tinc-transform { cipher; digest; mac-length; compression; }`. */
export interface TincTransformSpec {
  readonly type: "tinc";
  readonly cipher: string;
  readonly digest: string;
  readonly macLength: number;
  readonly compression: number;
}

export type TransformSpec = SecnetTransformSpec | TincTransformSpec;

export type HashName = "sha1" | "md5";

export interface HashSpec {
  readonly type: "hash";
  readonly name: HashName;
  /** Output length in bytes. */
  readonly length: number;
}

export interface RsaPublicSpec {
  readonly type: "rsa-public";
  readonly key: RsaPublicKey;
  /** The `hash` secnet signs with (sha1 unless a deprecated `hash` key said md5). */
  readonly hash: HashName;
  /** Where it came from: rsa-public, make-public, tinc-public-key. */
  readonly source: "rsa-public" | "make-public" | "tinc-public-key";
}

export interface RsaPrivateSpec {
  readonly type: "rsa-private";
  readonly key: RsaPrivateKey;
  readonly hash: HashName;
  readonly file: string;
  /** "ssh1": secnet's format; "pem": tincture extension (tinc's PEM files). */
  readonly format: "ssh1" | "pem";
  /** False when `rsa-private(F, false)` skipped the consistency check. */
  readonly checked: boolean;
}

export interface DhSpec {
  readonly type: "diffie-hellman";
  readonly p: bigint;
  readonly g: bigint;
  /** Bytes: floor(bits/8) as secnet's `len`, and ceil(bits/8). */
  readonly len: number;
  readonly ceilLen: number;
}

export interface PrivCacheSpec {
  readonly type: "priv-cache";
  readonly privkeys: string;
  readonly size: number;
  readonly maxBytes: number;
}

/** The per-site key set from a `peer-keys` file. */
export interface PeerKeysSpec {
  readonly path: string;
  /** Keys that could be loaded; empty when the file was missing or unreadable. */
  readonly keys: readonly RsaPublicKey[];
}

export type SiteLogEvent =
  | "unexpected"
  | "setup-init"
  | "setup-timeout"
  | "activate-key"
  | "timeout-key"
  | "security"
  | "state-change"
  | "packet-drop"
  | "dump-packets"
  | "errors"
  | "peer-addrs"
  | "sigkeys";

export interface SiteSpec {
  readonly type: "site";
  readonly localName: string;
  readonly name: string;
  readonly log: LogSpec;
  readonly logEvents: readonly SiteLogEvent[];
  readonly keepalive: boolean;
  readonly mobile: boolean;
  readonly localMobile: boolean;
  readonly link: NetlinkSpec;
  readonly comms: readonly CommSpec[];
  readonly resolver: ResolverSpec;
  readonly random: RandomSpec;
  /** Our key: fixed (`local-key`), or looked up through `key-cache`. */
  readonly localKey: RsaPrivateSpec | null;
  readonly keyCache: PrivCacheSpec | null;
  /** The peer's key: fixed (`key`) unless `peer-keys` is given. */
  readonly key: RsaPublicSpec | null;
  readonly peerKeys: PeerKeysSpec | null;
  /** `address` entries as written (literals in [ ], or DNS names). */
  readonly addresses: readonly string[];
  readonly port: number | null;
  /** Per-comm `comm-info` (polypath dedicated-interface-addr). */
  readonly commInfo: readonly ({ readonly dedicatedInterfaceAddr: IpAddressSpec | null } | null)[];
  readonly transforms: readonly TransformSpec[];
  readonly dh: DhSpec;
  /** Milliseconds. */
  readonly keyLifetime: number;
  readonly setupRetries: number;
  readonly setupTimeout: number;
  readonly waitTime: number;
  readonly renegotiateTime: number;
  readonly mtuTarget: number;
  /** Seconds. */
  readonly mobilePeerExpiry: number;
  readonly peersMax: number;
  /**
   * tincture extensions (tinc host options; secnet ignores unknown keys). null = tincd's
   * default / the mesh-wide setting.
   */
  readonly tinc: TincSiteOptions;
}

export interface TincSiteOptions {
  readonly indirectData: boolean | null;
  readonly tcpOnly: boolean | null;
  readonly pmtuDiscovery: boolean | null;
  readonly clampMss: boolean | null;
  readonly weight: number | null;
  readonly pmtu: number | null;
  /** Whether we make outgoing connections to this site (tinc ConnectTo); default true. */
  readonly connect: boolean;
}
