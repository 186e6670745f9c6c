/**
 * EngineConfig: everything the tinc engine needs, as plain data. The daemon builds it from
 * secnet-language specs (lib/runtime/mesh_config.ts); tests build it by hand.
 *
 * Names follow tinc 1.0.36's options (tinc.conf / hosts/NAME); defaults are tincd's.
 *
 * @module
 */
import type { RsaPrivateKey, RsaPublicKey } from "../crypto/types.ts";

export type RoutingMode = "router" | "switch" | "hub";
export type BroadcastMode = "mst" | "direct" | "no";

/** What a packet key is made of: the parameters sent in ANS_KEY (tinc's Cipher/Digest/...). */
export interface PacketTransform {
  /** OpenSSL short name ("aes-256-cbc", "bf-cbc", "none") or a tincture extension ("serpent-256-cbc"). */
  readonly cipher: string;
  /** "sha256", "sha1", "md5", "none". */
  readonly digest: string;
  /** Bytes of HMAC kept, 0..digest size. */
  readonly macLength: number;
  /** 0 none, 1-9 zlib, 10-11 LZO. */
  readonly compression: number;
}

/** tincd 1.0.36's default: aes-256-cbc + sha256, MAC 4, no compression. */
export const DEFAULT_TRANSFORM: PacketTransform = {
  cipher: "aes-256-cbc",
  digest: "sha256",
  macLength: 4,
  compression: 0,
};

/** An address to connect to (tinc `Address = host [port]`). */
export interface HostAddress {
  readonly host: string;
  readonly port: number;
}

/** A node whose key we know (tinc hosts/NAME; a secnet `site`). */
export interface HostConfig {
  readonly name: string;
  readonly publicKey: RsaPublicKey;
  /** Where to reach it; we make outgoing connections only when `connectTo` and this is non-empty. */
  readonly addresses: readonly HostAddress[];
  readonly connectTo: boolean;
  /**
   * Subnets this host may own (tinc syntax, e.g. "10.1.0.0/16"): an ADD_SUBNET it originates
   * that is not inside one of these is refused. null means anything inside remoteSubnets.
   */
  readonly allowedSubnets: readonly string[] | null;
  /** Parameters of the key we hand this host (what it must use when sending to us). */
  readonly transform: PacketTransform;
  readonly indirectData: boolean;
  readonly tcpOnly: boolean;
  readonly clampMss: boolean;
  /** Overrides the measured ACK weight (tinc Weight). */
  readonly weight: number | null;
  /** Initial path MTU cap for this host (tinc PMTU), or null. */
  readonly pmtu: number | null;
}

export interface EngineConfig {
  /** Our node name ([A-Za-z0-9_]+). */
  readonly name: string;
  readonly privateKey: RsaPrivateKey;
  /** The port we listen on (TCP and UDP) and announce in ACK. */
  readonly port: number;
  readonly mode: RoutingMode;
  /** Our own subnets, tinc syntax ("10.0.1.0/24", "10.0.1.1#5", MAC ...). */
  readonly subnets: readonly string[];
  /** What any node may claim (secnet remote-networks); null = anything. */
  readonly remoteSubnets: readonly string[] | null;
  readonly hosts: readonly HostConfig[];
  /** Default transform for hosts learned through the mesh (not configured as sites). */
  readonly transform: PacketTransform;
  /** Seconds between packet rekeys (KeyExpire, 3600). */
  readonly keyExpire: number;
  /** Seconds (PingInterval 60, PingTimeout 5). */
  readonly pingInterval: number;
  readonly pingTimeout: number;
  /** Bytes of replay window (16 = 128 packets); 0 disables the check. */
  readonly replayWindow: number;
  readonly pmtuDiscovery: boolean;
  readonly tcpOnly: boolean;
  readonly indirectData: boolean;
  readonly clampMss: boolean;
  /** Reconnect back-off cap in seconds (MaxTimeout 900). */
  readonly maxTimeout: number;
  readonly broadcast: BroadcastMode;
  readonly directOnly: boolean;
  readonly strictSubnets: boolean;
  readonly tunnelServer: boolean;
  /** Switch-mode MAC aging in seconds (MACExpire 600). */
  readonly macExpire: number;
  /** Meta output buffer cap in bytes (MaxOutputBufferSize). */
  readonly maxOutputBufferSize: number;
}

/** tincd 1.0.36's defaults for everything that has one. */
export const ENGINE_DEFAULTS = {
  mode: "router",
  remoteSubnets: null,
  transform: DEFAULT_TRANSFORM,
  keyExpire: 3600,
  pingInterval: 60,
  pingTimeout: 5,
  replayWindow: 16,
  pmtuDiscovery: true,
  tcpOnly: false,
  indirectData: false,
  clampMss: true,
  maxTimeout: 900,
  broadcast: "mst",
  directOnly: false,
  strictSubnets: false,
  tunnelServer: false,
  macExpire: 600,
  maxOutputBufferSize: 10 * 1518,
} as const satisfies Partial<EngineConfig>;
