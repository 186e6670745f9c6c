/**
 * Interface set-up through iproute2 (`ip`, path configurable like secnet's ip-path):
 * addresses (IPv4 and IPv6), MTU, link up, routes; and undoing all of it on exit.
 *
 * Idempotent by construction, so a restart after kill -9 finds nothing stale: set-up first
 * flushes addresses and routes on the device (a persistent tun keeps them), then uses
 * `replace`. A non-persistent tun disappears with its last fd, routes included; our fds are
 * O_CLOEXEC so no `ip` child ever keeps it alive.
 *
 * Start-up cost: every `ip` run is a fork/exec plus iproute2's own start (~3-7 ms of the one
 * core a daemon gets). The daemon sets the device up over rtnetlink (rtnetlink.ts, no
 * process) unless `ip-path` names another `ip`; when that is not possible or a request fails,
 * set-up is a single `ip -force -batch -` (one line per step; the lines that failed are read
 * back from its "Command failed -:N" reports, so errors read like iproute2's). A device
 * created by our own open (`fresh`) has nothing to flush; only a persistent one pays for the
 * per-family flushes, which `-batch` cannot express (no -4/-6 inside a batch).
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
  /**
   * The device was created by our own open (a non-persistent tun), so it carries no addresses
   * or routes yet and the flush is skipped. Default false: flush.
   */
  readonly fresh?: boolean;
}

/** Runs one `ip` command; rejects if it fails. */
export type IpRunner = (args: readonly string[]) => Promise<void>;

/** One failed line of a batch: its index in the batch and what `ip` said about it. */
export interface IpBatchFailure {
  readonly line: number;
  readonly message: string;
}

/**
 * Runs every line (like `ip -force -batch`: a failure does not stop the rest) and resolves
 * with the lines that failed.
 */
export type IpBatchRunner = (lines: readonly (readonly string[])[]) => Promise<IpBatchFailure[]>;

/** One step of a set-up: `optional` ones may fail (older kernels, nothing to delete). */
interface IpStep {
  readonly args: readonly string[];
  readonly optional: boolean;
}

/** What an `ip` run printed, for error messages. */
export class IpCommandError extends Error {
  constructor(readonly args: readonly string[], readonly code: number, readonly stderr: string) {
    super(`ip ${args.join(" ")} failed (${code}): ${stderr.trim()}`);
    this.name = "IpCommandError";
  }
}

const decoder = new TextDecoder();

/**
 * Runs `ip` commands. `run` (one command) and `batch` (many, one process) are replaceable so
 * tests can record instead of execute; with only `run` given, batches go through it line by
 * line.
 */
export class NetIf {
  readonly run: IpRunner;
  readonly batch: IpBatchRunner;

  /**
   * `direct`, when given, tries the set-up without `ip` first (rtnetlink.ts's
   * setupViaNetlink); false from it means "not done", and the batch runs instead.
   */
  constructor(
    readonly ipPath = "ip",
    run?: IpRunner,
    batch?: IpBatchRunner,
    readonly direct?: (cfg: InterfaceConfig) => boolean,
  ) {
    this.run = run ?? ((args) => runIp(ipPath, args));
    const each = (lines: readonly (readonly string[])[]) => runEach(this.run, lines);
    this.batch = batch ??
      (run ? each : (lines) => runIpBatch(ipPath, lines).then((r) => r ?? each(lines)));
  }

  /** Brings the device up with its addresses, MTU and routes. */
  async configure(cfg: InterfaceConfig): Promise<void> {
    if (!cfg.fresh) await this.flush(cfg.name);
    if (this.direct?.(cfg)) return;
    const steps = configureSteps(cfg);
    const failures = await this.batch(steps.map((s) => s.args));
    for (const f of failures) {
      const step = steps[f.line];
      if (step && !step.optional) throw new IpCommandError(step.args, 1, f.message);
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

/** The set-up after the flush, in order: addrgenmode (optional), mtu, addresses, up, routes. */
function configureSteps(cfg: InterfaceConfig): IpStep[] {
  const steps: IpStep[] = [];
  const v6 = cfg.addresses.some((a) => a.local.includes(":")) ||
    cfg.routes.some((r) => r.includes(":"));
  if (cfg.disableIpv6 ?? !v6) {
    steps.push({ args: ["link", "set", "dev", cfg.name, "addrgenmode", "none"], optional: true });
  }
  steps.push({ args: ["link", "set", "dev", cfg.name, "mtu", String(cfg.mtu)], optional: false });
  for (const a of cfg.addresses) {
    const args = ["addr", "replace", `${a.local}/${a.prefixLength}`];
    if (a.peer) args.push("peer", a.peer);
    steps.push({ args: [...family(a.local), ...args, "dev", cfg.name], optional: false });
  }
  steps.push({ args: ["link", "set", "dev", cfg.name, "up"], optional: false });
  for (const r of cfg.routes) {
    const args = [...family(r), "route", "replace", r, "dev", cfg.name];
    if (cfg.metric !== undefined) args.push("metric", String(cfg.metric));
    steps.push({ args, optional: false });
  }
  return steps;
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

/** A batch the slow way: one `run` per line, collecting the failures. */
async function runEach(
  run: IpRunner,
  lines: readonly (readonly string[])[],
): Promise<IpBatchFailure[]> {
  const failures: IpBatchFailure[] = [];
  for (let i = 0; i < lines.length; i++) {
    try {
      await run(lines[i]!);
    } catch (e) {
      failures.push({ line: i, message: e instanceof Error ? e.message : String(e) });
    }
  }
  return failures;
}

/** Words `ip -batch` would split, unquote or cut at a comment. */
const BATCH_UNSAFE = /[\s"'\\#]/;

/**
 * The whole batch through one `ip -force -batch -`, resolving with the failed lines. Batch
 * lines cannot carry options: a leading -6 is dropped (our -6 lines name an IPv6 address or
 * prefix, from which ip infers the family), any other option makes this resolve null. So do
 * words the batch syntax would split or cut (space, quotes, backslash, #) and an `ip` that
 * fails without naming a line (no -batch, e.g. busybox): the caller then runs the lines one
 * by one.
 */
export async function runIpBatch(
  ipPath: string,
  lines: readonly (readonly string[])[],
): Promise<IpBatchFailure[] | null> {
  if (lines.length === 0) return [];
  const words = lines.map((l) => (l[0] === "-6" ? l.slice(1) : l));
  if (words.some((l) => l.length === 0 || l[0]!.startsWith("-") || l.some(unsafeWord))) {
    return null;
  }
  let out: Deno.CommandOutput;
  try {
    const child = new Deno.Command(ipPath, {
      args: ["-force", "-batch", "-"],
      stdin: "piped",
      stdout: "null",
      stderr: "piped",
    }).spawn();
    const w = child.stdin.getWriter();
    await w.write(new TextEncoder().encode(words.map((l) => l.join(" ") + "\n").join("")));
    await w.close();
    out = await child.output();
  } catch {
    return null;
  }
  if (out.success) return [];
  const failures = parseBatchErrors(decoder.decode(out.stderr), words.length);
  // Failed without naming a line: not a batch-capable ip (or it died); go line by line.
  return failures.length > 0 ? failures : null;
}

function unsafeWord(w: string): boolean {
  return w.length === 0 || BATCH_UNSAFE.test(w);
}

/**
 * `ip -batch` stderr → failed lines (0-based): each failing line ends its messages with
 * "Command failed -:N" (N counted from 1); the text before it, back to the previous report,
 * is that line's message.
 */
export function parseBatchErrors(stderr: string, lineCount: number): IpBatchFailure[] {
  const failures: IpBatchFailure[] = [];
  let pending: string[] = [];
  for (const text of stderr.split("\n")) {
    const m = /^Command failed (?:-|\S*):(\d+)\s*$/.exec(text);
    if (m) {
      const line = Number(m[1]) - 1;
      if (line >= 0 && line < lineCount) {
        failures.push({ line, message: pending.join("\n").trim() || "failed" });
      }
      pending = [];
    } else if (text.trim() !== "") {
      pending.push(text);
    }
  }
  return failures;
}

/** Splits "10.1.2.3/24" into its parts (prefix defaults to 32 / 128). */
export function parseCidr(s: string): { ip: string; prefixLength: number } {
  const slash = s.indexOf("/");
  const ip = slash < 0 ? s : s.slice(0, slash);
  const prefixLength = slash < 0 ? (ip.includes(":") ? 128 : 32) : Number(s.slice(slash + 1));
  return { ip, prefixLength };
}
