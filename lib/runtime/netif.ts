/**
 * Interface set-up through iproute2 (`ip`, path configurable like secnet's ip-path):
 * addresses (IPv4 and IPv6), MTU, link up, routes; and undoing all of it on exit.
 *
 * Idempotent by construction, so a restart after kill -9 finds nothing stale: set-up first
 * flushes addresses and routes on the device (a persistent tun keeps them), then uses
 * `replace`. A non-persistent tun disappears with its last fd, routes included; our fds are
 * O_CLOEXEC so no `ip` child ever keeps it alive.
 *
 * @module
 */

/** One address on the interface: `local/prefix`, optionally point-to-point to `peer`. */
export interface InterfaceAddress {
  readonly local: string;
  readonly prefixLength: number;
  readonly peer?: string;
}

export interface InterfaceConfig {
  readonly name: string;
  readonly mtu: number;
  readonly addresses: readonly InterfaceAddress[];
  /** Routes through the device, CIDR ("10.0.0.0/8", "fd00::/64", "default"). */
  readonly routes: readonly string[];
  /** Route metric (secnet `priority`), default none. */
  readonly metric?: number;
  /** Drop the kernel's IPv6 link-local/RS chatter on IPv4-only devices (default: no IPv6 given). */
  readonly disableIpv6?: boolean;
}

/** What an `ip` run printed, for error messages. */
export class IpCommandError extends Error {
  constructor(readonly args: readonly string[], readonly code: number, readonly stderr: string) {
    super(`ip ${args.join(" ")} failed (${code}): ${stderr.trim()}`);
    this.name = "IpCommandError";
  }
}

const decoder = new TextDecoder();

/** Runs `ip` commands; `run` is replaceable so tests can record instead of execute. */
export class NetIf {
  constructor(
    readonly ipPath = "ip",
    readonly run: (args: readonly string[]) => Promise<void> = (args) => runIp(ipPath, args),
  ) {}

  /** Brings the device up with its addresses, MTU and routes. */
  async configure(cfg: InterfaceConfig): Promise<void> {
    await this.flush(cfg.name);
    const v6 = cfg.addresses.some((a) => a.local.includes(":")) ||
      cfg.routes.some((r) => r.includes(":"));
    if (cfg.disableIpv6 ?? !v6) {
      await this.run(["link", "set", "dev", cfg.name, "addrgenmode", "none"]).catch(() => {});
    }
    await this.run(["link", "set", "dev", cfg.name, "mtu", String(cfg.mtu)]);
    for (const a of cfg.addresses) {
      const args = ["addr", "replace", `${a.local}/${a.prefixLength}`];
      if (a.peer) args.push("peer", a.peer);
      await this.run([...family(a.local), ...args, "dev", cfg.name]);
    }
    await this.run(["link", "set", "dev", cfg.name, "up"]);
    for (const r of cfg.routes) {
      const args = [...family(r), "route", "replace", r, "dev", cfg.name];
      if (cfg.metric !== undefined) args.push("metric", String(cfg.metric));
      await this.run(args);
    }
  }

  /** Removes our routes and addresses and takes the link down; errors are ignored. */
  async deconfigure(cfg: InterfaceConfig): Promise<void> {
    for (const r of cfg.routes) {
      await this.run([...family(r), "route", "del", r, "dev", cfg.name]).catch(() => {});
    }
    await this.flush(cfg.name);
    await this.run(["link", "set", "dev", cfg.name, "down"]).catch(() => {});
  }

  /** Forgets whatever a previous run left on the device (persistent tun, same name). */
  async flush(name: string): Promise<void> {
    for (const f of ["-4", "-6"]) {
      await this.run([f, "route", "flush", "dev", name]).catch(() => {});
      await this.run([f, "addr", "flush", "dev", name]).catch(() => {});
    }
  }

  /** Deletes a device by name if it exists (e.g. a stale persistent tun); true if deleted. */
  async deleteLink(name: string): Promise<boolean> {
    try {
      await this.run(["link", "del", "dev", name]);
      return true;
    } catch {
      return false;
    }
  }
}

function family(addr: string): string[] {
  return addr.includes(":") ? ["-6"] : [];
}

async function runIp(ipPath: string, args: readonly string[]): Promise<void> {
  const out = await new Deno.Command(ipPath, {
    args: [...args],
    stdin: "null",
    stdout: "null",
    stderr: "piped",
  }).output();
  if (!out.success) throw new IpCommandError(args, out.code, decoder.decode(out.stderr));
}

/** Splits "10.1.2.3/24" into its parts (prefix defaults to 32 / 128). */
export function parseCidr(s: string): { ip: string; prefixLength: number } {
  const slash = s.indexOf("/");
  const ip = slash < 0 ? s : s.slice(0, slash);
  const prefixLength = slash < 0 ? (ip.includes(":") ? 128 : 32) : Number(s.slice(slash + 1));
  return { ip, prefixLength };
}
