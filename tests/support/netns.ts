/**
 * Network-namespace test fixtures: a "lab" of namespaces joined by veth pairs, processes
 * started and stopped by PID inside them, a ping helper and RSA keys for tinc nodes.
 *
 * Every name this module creates starts with `tt-` plus a random tag, so parallel tests
 * and other engineers' namespaces never collide. Underlay addresses come from 192.0.2.0/24
 * (one /30 per link), overlay addresses from 10.77.0.0/16, and both exist only inside the
 * namespaces. Always `await lab.destroy()` in a `finally`.
 *
 * @module
 */

/** Why privileged tests cannot run here, or null when they can. */
export function privilegedSkipReason(
  needs: { tincd?: boolean; tun?: boolean } = {},
): string | null {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  if (Deno.uid() !== 0) return "not root (network namespaces need CAP_NET_ADMIN)";
  for (const tool of ["ip", "ping"]) {
    if (!which(tool)) return `${tool} is not installed (apt-get install iproute2 iputils-ping)`;
  }
  if (needs.tincd && !fileExists(TINCD)) return `tincd is not installed at ${TINCD}`;
  if (needs.tun && !fileExists("/dev/net/tun")) return "/dev/net/tun is missing";
  return null;
}

/** Prints the reason a privileged test is skipped (once per reason) and returns `ignore`. */
export function skipUnlessPrivileged(needs: { tincd?: boolean; tun?: boolean } = {}): boolean {
  const reason = privilegedSkipReason(needs);
  if (reason !== null && !printedReasons.has(reason)) {
    printedReasons.add(reason);
    // deno-lint-ignore no-console
    console.log(`skipping privileged tests: ${reason}`);
  }
  return reason !== null;
}
const printedReasons = new Set<string>();

export const TINCD = Deno.env.get("TT_TINCD") ?? "/usr/sbin/tincd";
export const REPO_ROOT = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
export const DENO = Deno.execPath();

function which(tool: string): boolean {
  for (const dir of (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
    if (fileExists(`${dir}/${tool}`)) return true;
  }
  return false;
}

function fileExists(path: string): boolean {
  try {
    Deno.statSync(path);
    return true;
  } catch {
    return false;
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Result of a finished command. */
export interface CommandResult {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs a command to completion (in the root namespace unless it is `ip netns exec`). */
export async function run(argv: string[], opts: { check?: boolean } = {}): Promise<CommandResult> {
  const [cmd, ...args] = argv;
  const out = await new Deno.Command(cmd!, {
    args,
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  })
    .output();
  const result = {
    code: out.code,
    stdout: new TextDecoder().decode(out.stdout),
    stderr: new TextDecoder().decode(out.stderr),
  };
  if ((opts.check ?? true) && result.code !== 0) {
    throw new Error(`Command failed (${result.code}): ${argv.join(" ")}: ${result.stderr.trim()}`);
  }
  return result;
}

/** Runs a command inside a namespace. */
export function runIn(ns: string, argv: string[], opts: { check?: boolean } = {}) {
  return run(["ip", "netns", "exec", ns, ...argv], opts);
}

/** A process we started, known by its PID. */
export class Proc {
  readonly pid: number;
  readonly status: Promise<Deno.CommandStatus>;
  #child: Deno.ChildProcess;
  #exited = false;
  constructor(readonly name: string, readonly log: string, child: Deno.ChildProcess) {
    this.#child = child;
    this.pid = child.pid;
    this.status = child.status.then((s) => {
      this.#exited = true;
      return s;
    });
  }
  get running(): boolean {
    return !this.#exited;
  }
  /** SIGTERM, then SIGKILL after `graceMs`; resolves once the process is gone. */
  async stop(graceMs = 3000): Promise<Deno.CommandStatus> {
    if (!this.#exited) {
      this.#signal("SIGTERM");
      const timer = sleep(graceMs).then(() => "timeout" as const);
      if ((await Promise.race([this.status, timer])) === "timeout") this.#signal("SIGKILL");
    }
    return await this.status;
  }
  /** kill -9, as a crash would. */
  async kill9(): Promise<Deno.CommandStatus> {
    if (!this.#exited) this.#signal("SIGKILL");
    return await this.status;
  }
  signal(sig: Deno.Signal): void {
    if (!this.#exited) this.#signal(sig);
  }
  #signal(sig: Deno.Signal): void {
    try {
      this.#child.kill(sig);
    } catch {
      // already gone
    }
  }
  /** The log so far. */
  readLog(): string {
    try {
      return Deno.readTextFileSync(this.log);
    } catch {
      return "";
    }
  }
}

/** Waits until `cond()` is true, polling; returns false on timeout. */
export async function waitFor(
  cond: () => boolean | Promise<boolean>,
  timeoutMs: number,
  stepMs = 100,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return true;
    await sleep(stepMs);
  }
  return await cond();
}

/** Outcome of one `ping` run. */
export interface PingResult {
  sent: number;
  received: number;
  output: string;
}

/**
 * Pings `target` from inside `ns`. `size` is the ICMP payload (IP packet = size + 28);
 * `dontFragment` sets DF so that a too-small path MTU shows up as loss instead of
 * fragments.
 */
export async function ping(
  ns: string,
  target: string,
  opts: {
    count?: number;
    size?: number;
    intervalS?: number;
    waitS?: number;
    dontFragment?: boolean;
  } = {},
): Promise<PingResult> {
  const count = opts.count ?? 3;
  const args = ["ping", "-n", "-q", "-c", String(count), "-i", String(opts.intervalS ?? 0.2)];
  args.push("-W", String(opts.waitS ?? 1));
  // bound the whole run so a dead path cannot hang a test
  args.push("-w", String(Math.ceil(count * (opts.intervalS ?? 0.2) + (opts.waitS ?? 1) + 2)));
  if (opts.size !== undefined) args.push("-s", String(opts.size));
  if (opts.dontFragment) args.push("-M", "do");
  args.push(target);
  const r = await runIn(ns, args, { check: false });
  const m = /(\d+) packets transmitted, (\d+) received/.exec(r.stdout);
  return {
    sent: m ? Number(m[1]) : 0,
    received: m ? Number(m[2]) : 0,
    output: r.stdout + r.stderr,
  };
}

/** Pings once at a time until a reply comes back; false after `timeoutMs`. */
export function waitPing(ns: string, target: string, timeoutMs: number, size?: number) {
  return waitFor(
    async () => {
      const r = await ping(ns, target, { count: 1, waitS: 1, ...(size ? { size } : {}) });
      return r.received > 0;
    },
    timeoutMs,
    50,
  );
}

/** An RSA key pair on disk (PKCS#1 PEM) plus its public numbers. */
export interface RsaKeyFiles {
  /** PKCS#1 `BEGIN RSA PRIVATE KEY` (what `tincd -K` writes). */
  readonly privatePem: string;
  /** PKCS#1 `BEGIN RSA PUBLIC KEY` text (what goes into a tinc hosts file). */
  readonly publicPem: string;
  readonly n: bigint;
  readonly e: bigint;
}

/** Makes an RSA key with openssl (the same PKCS#1 files `tincd -K` writes). */
export async function makeRsaKey(dir: string, name: string, bits = 2048): Promise<RsaKeyFiles> {
  const privatePem = `${dir}/${name}.priv`;
  await run(["openssl", "genrsa", "-traditional", "-out", privatePem, String(bits)]);
  await Deno.chmod(privatePem, 0o600);
  const pub = await run(["openssl", "rsa", "-in", privatePem, "-RSAPublicKey_out"]);
  const mod = await run(["openssl", "rsa", "-in", privatePem, "-noout", "-modulus"]);
  const text = await run(["openssl", "rsa", "-in", privatePem, "-noout", "-text"]);
  const hex = /Modulus=([0-9A-Fa-f]+)/.exec(mod.stdout)?.[1];
  const e = /publicExponent: (\d+)/.exec(text.stdout)?.[1];
  if (!hex || !e) throw new Error(`Cannot read the modulus of ${privatePem}`);
  return { privatePem, publicPem: pub.stdout, n: BigInt("0x" + hex), e: BigInt(e) };
}

/** Where one node sits in the lab. */
export interface LabNode {
  /** The node's id in the lab ("a", "b", ...). */
  readonly id: string;
  /** Its namespace. */
  readonly ns: string;
  /** Its index (0-based), which picks its overlay addresses. */
  readonly index: number;
  /** The address inside the overlay given to its interface: 10.77.(index+1).1. */
  readonly overlay: string;
  /** The subnet it owns: 10.77.(index+1).0/24. */
  readonly subnet: string;
}

/** The overlay range every lab node routes into its VPN interface. */
export const OVERLAY_PREFIX = "10.77.0.0/16";

/**
 * Namespaces joined by veth pairs, one /30 of 192.0.2.0/24 per link. Nodes without a link
 * between them cannot reach each other (forwarding is off in new namespaces).
 */
export class Lab {
  readonly tag: string;
  readonly dir: string;
  readonly nodes = new Map<string, LabNode>();
  /** `${a}>${b}` → the address of a on its link to b. */
  readonly #linkAddr = new Map<string, string>();
  readonly #procs: Proc[] = [];
  #destroyed = false;

  private constructor(tag: string, dir: string) {
    this.tag = tag;
    this.dir = dir;
  }

  /**
   * Creates the namespaces and links. `links` are pairs of node ids; each end gets an
   * interface named `ul-<peer>`.
   */
  static async create(
    label: string,
    spec: { nodes: string[]; links: [string, string][] },
  ): Promise<Lab> {
    const tag = `tt-${label.slice(0, 6)}${crypto.randomUUID().slice(0, 4)}`;
    const dir = await Deno.makeTempDir({ prefix: `${tag}-` });
    const lab = new Lab(tag, dir);
    if (Deno.env.get("TT_KEEP")) {
      // deno-lint-ignore no-console
      console.log(`lab ${label}: ${dir}`);
    }
    try {
      for (const [index, id] of spec.nodes.entries()) {
        const ns = `${tag}-${id}`;
        const node: LabNode = {
          id,
          ns,
          index,
          overlay: `10.77.${index + 1}.1`,
          subnet: `10.77.${index + 1}.0/24`,
        };
        lab.nodes.set(id, node);
        await run(["ip", "netns", "add", ns]);
        await run(["ip", "-n", ns, "link", "set", "lo", "up"]);
        // keep the overlay quiet: no IPv6 router solicitations on the tun
        await runIn(ns, ["sysctl", "-qw", "net.ipv6.conf.all.disable_ipv6=1"], { check: false });
        await runIn(ns, ["sysctl", "-qw", "net.ipv6.conf.default.disable_ipv6=1"], {
          check: false,
        });
      }
      for (const [k, [a, b]] of spec.links.entries()) {
        const na = lab.node(a), nb = lab.node(b);
        const addrA = `192.0.2.${4 * k + 1}`, addrB = `192.0.2.${4 * k + 2}`;
        // created directly inside the namespaces: nothing ever appears in the root namespace
        await run([
          "ip",
          "-n",
          na.ns,
          "link",
          "add",
          `ul-${b}`,
          "type",
          "veth",
          "peer",
          "name",
          `ul-${a}`,
          "netns",
          nb.ns,
        ]); // prettier-ignore
        await run(["ip", "-n", na.ns, "addr", "add", `${addrA}/30`, "dev", `ul-${b}`]);
        await run(["ip", "-n", nb.ns, "addr", "add", `${addrB}/30`, "dev", `ul-${a}`]);
        await run(["ip", "-n", na.ns, "link", "set", `ul-${b}`, "up"]);
        await run(["ip", "-n", nb.ns, "link", "set", `ul-${a}`, "up"]);
        lab.#linkAddr.set(`${a}>${b}`, addrA);
        lab.#linkAddr.set(`${b}>${a}`, addrB);
      }
      for (const [a, b] of spec.links) {
        const target = lab.#linkAddr.get(`${b}>${a}`)!;
        if (!(await waitPing(lab.node(a).ns, target, 5000))) {
          throw new Error(`Underlay ${a} -> ${b} (${target}) does not answer`);
        }
      }
    } catch (e) {
      await lab.destroy();
      throw e;
    }
    return lab;
  }

  node(id: string): LabNode {
    const n = this.nodes.get(id);
    if (!n) throw new Error(`No node "${id}" in lab ${this.tag}`);
    return n;
  }

  /** The underlay address of `id` on its link to `from`, or null without a direct link. */
  addressOf(id: string, from: string): string | null {
    return this.#linkAddr.get(`${id}>${from}`) ?? null;
  }

  /** Every underlay address of `id`. */
  addressesOf(id: string): string[] {
    return [...this.#linkAddr.entries()].filter(([k]) => k.startsWith(`${id}>`)).map(([, v]) => v);
  }

  /**
   * Starts `argv` inside node `id`'s namespace with stdout+stderr appended to `log`.
   * The PID is the program's own (`ip netns exec` and `sh -c exec` both exec).
   */
  spawn(
    id: string,
    name: string,
    argv: string[],
    opts: { log?: string; env?: Record<string, string>; cwd?: string } = {},
  ): Proc {
    if (this.#destroyed) throw new Error(`Lab ${this.tag} is destroyed`);
    const log = opts.log ?? `${this.dir}/${name}.log`;
    const child = new Deno.Command("ip", {
      args: [
        "netns",
        "exec",
        this.node(id).ns,
        "sh",
        "-c",
        'exec "$@" >>"$TT_LOG" 2>&1 </dev/null',
        "sh",
        ...argv,
      ], // prettier-ignore
      env: { ...opts.env, TT_LOG: log },
      ...(opts.cwd ? { cwd: opts.cwd } : {}),
      stdin: "null",
      stdout: "null",
      stderr: "null",
    }).spawn();
    const proc = new Proc(name, log, child);
    this.#procs.push(proc);
    return proc;
  }

  /** Runs a command inside node `id`'s namespace. */
  exec(id: string, argv: string[], opts: { check?: boolean } = {}) {
    return runIn(this.node(id).ns, argv, opts);
  }

  /** Pings from node `from` to the overlay address of node `to` (or any address). */
  ping(from: string, to: string, opts: Parameters<typeof ping>[2] = {}) {
    return ping(this.node(from).ns, this.nodes.get(to)?.overlay ?? to, opts);
  }

  waitPing(from: string, to: string, timeoutMs: number, size?: number) {
    return waitPing(this.node(from).ns, this.nodes.get(to)?.overlay ?? to, timeoutMs, size);
  }

  /**
   * Stops every process we started (TERM, then KILL), kills anything left inside our
   * namespaces (children of ours: scripts, pings), deletes the namespaces and the
   * directory (unless TT_KEEP is set, to read logs).
   */
  async destroy(): Promise<void> {
    if (this.#destroyed) return;
    this.#destroyed = true;
    await Promise.all(this.#procs.map((p) => p.stop(2000)));
    for (const node of this.nodes.values()) {
      const pids = await run(["ip", "netns", "pids", node.ns], { check: false });
      for (const pid of pids.stdout.split(/\s+/).filter(Boolean)) {
        try {
          Deno.kill(Number(pid), "SIGKILL");
        } catch {
          // gone meanwhile
        }
      }
      await run(["ip", "netns", "del", node.ns], { check: false });
    }
    if (!Deno.env.get("TT_KEEP")) await Deno.remove(this.dir, { recursive: true });
  }

  /** The tail of every log under the lab directory, for failure messages. */
  logs(lines = 40): string {
    let text = `\n(lab directory ${this.dir}${
      Deno.env.get("TT_KEEP") ? "" : ", removed: set TT_KEEP=1"
    })`;
    const walk = (dir: string) => {
      for (const e of Deno.readDirSync(dir)) {
        const path = `${dir}/${e.name}`;
        if (e.isDirectory) walk(path);
        else if (e.isFile && e.name.endsWith(".log")) {
          const body = Deno.readTextFileSync(path).split("\n").slice(-lines).join("\n");
          text += `\n===== ${path.slice(this.dir.length + 1)} (last ${lines} lines)\n${body}`;
        }
      }
    };
    walk(this.dir);
    return text;
  }

  /** The node's RSA key, made on first use and kept for the lab's life (restarts reuse it). */
  async key(id: string): Promise<RsaKeyFiles> {
    let k = this.#keys.get(id);
    if (!k) {
      k = makeRsaKey(this.dir, id);
      this.#keys.set(id, k);
    }
    return await k;
  }
  readonly #keys = new Map<string, Promise<RsaKeyFiles>>();
}
