// Test helpers: engine configs and small meshes over lib/net/memory.ts.
import {
  DEFAULT_TRANSFORM,
  ENGINE_DEFAULTS,
  type EngineConfig,
  type HostConfig,
} from "../../lib/tinc/config.ts";
import { TincEngine } from "../../lib/tinc/engine.ts";
import { MemoryHost, MemoryNetwork, type MemoryNetworkOptions } from "../../lib/net/memory.ts";
import type { Logger, LogLevel } from "../../lib/tinc/types.ts";
import type { CryptoBackend } from "../../lib/crypto/types.ts";
import { keyFor, testCrypto } from "./_crypto.ts";
import { publicKeyOf } from "../../lib/crypto/rsa_key.ts";

export interface NodeSpec {
  name: string;
  ip: string;
  port?: number;
  subnets?: string[];
  connectTo?: string[];
  /** Extra EngineConfig fields. */
  config?: Partial<EngineConfig>;
  /** Per-host overrides as seen by everyone else. */
  host?: Partial<HostConfig>;
}

export function hostConfig(spec: NodeSpec, connectTo: boolean): HostConfig {
  return {
    name: spec.name,
    publicKey: spec.host?.publicKey ?? publicKeyOf(keyFor(spec.name)),
    addresses: [{ host: spec.ip, port: spec.port ?? 655 }],
    connectTo,
    allowedSubnets: null,
    transform: DEFAULT_TRANSFORM,
    indirectData: false,
    tcpOnly: false,
    clampMss: true,
    weight: null,
    pmtu: null,
    ...spec.host,
  };
}

export function engineConfig(spec: NodeSpec, all: NodeSpec[]): EngineConfig {
  return {
    ...ENGINE_DEFAULTS,
    name: spec.name,
    privateKey: keyFor(spec.name),
    port: spec.port ?? 655,
    subnets: spec.subnets ?? [],
    hosts: all.filter((s) => s.name !== spec.name).map((s) =>
      hostConfig(s, (spec.connectTo ?? []).includes(s.name))
    ),
    ...spec.config,
  };
}

/** A logger that keeps lines (and prints them when TINCTURE_LOG is set). */
export class MemoryLog implements Logger {
  readonly lines: string[] = [];
  constructor(readonly prefix: string) {}
  enabled(_l: LogLevel): boolean {
    return true;
  }
  log(level: LogLevel, _cat: string, message: string): void {
    this.lines.push(`${level}: ${message}`);
    // deno-lint-ignore no-console
    if (Deno.env.get("TINCTURE_LOG")) console.error(`[${this.prefix}] ${level}: ${message}`);
  }
  has(re: RegExp): boolean {
    return this.lines.some((l) => re.test(l));
  }
}

export interface Mesh {
  net: MemoryNetwork;
  hosts: Record<string, MemoryHost>;
  engines: Record<string, TincEngine>;
  logs: Record<string, MemoryLog>;
}

export function buildMesh(
  specs: NodeSpec[],
  opts: MemoryNetworkOptions & { crypto?: (name: string) => CryptoBackend } = {},
): Mesh {
  const net = new MemoryNetwork(opts);
  const mesh: Mesh = { net, hosts: {}, engines: {}, logs: {} };
  for (const spec of specs) {
    const log = new MemoryLog(spec.name);
    mesh.logs[spec.name] = log;
    const cfg = engineConfig(spec, specs);
    const crypto = opts.crypto?.(spec.name) ?? testCrypto();
    mesh.hosts[spec.name] = net.addHost(spec.ip, spec.port ?? 655, (out, now) => {
      const e = new TincEngine(cfg, { crypto, out, log, now });
      mesh.engines[spec.name] = e;
      return e;
    });
  }
  return mesh;
}

/** A router-mode frame: 12 zero bytes, ethertype 0x0800, IPv4 header src→dst, payload. */
export function ipv4Frame(src: string, dst: string, payload = 32, fill = 0xab): Uint8Array {
  const f = new Uint8Array(14 + 20 + payload);
  f[12] = 0x08;
  f[13] = 0x00;
  f[14] = 0x45;
  const total = 20 + payload;
  f[16] = total >> 8;
  f[17] = total & 0xff;
  f[22] = 64;
  f[23] = 1;
  f.set(src.split(".").map(Number), 26);
  f.set(dst.split(".").map(Number), 30);
  f.fill(fill, 34);
  return f;
}

export function sameBytes(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}
