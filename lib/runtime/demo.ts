/**
 * `tincture` with no config (`--demo`): the three-node example mesh (examples/alpha, beta,
 * gamma) brought up, pinged across, its state shown, and torn down.
 *
 * As root with /dev/net/tun: one network namespace per node on a shared bridge (the
 * examples' underlay 192.0.2.0/24), a real tincture daemon in each on its example config, real
 * pings over the TUN devices, and each daemon's state dump (SIGUSR2). `--keep` leaves it all
 * running and says how to remove it. Otherwise (no root, no TUN, or `--memory`) the same three
 * configs run as engines in one process on the in-memory network (lib/net/memory.ts), with
 * simulated pings answered by the TUN twins. `--tincd NODE` has a real tincd 1.0 stand in for
 * that node (from examples/keys: its PEM key and the tinc hosts files).
 *
 * @module
 */
import { evaluateConfig } from "../conf/evaluate.ts";
import { type ConfHost, ConfHostError } from "../conf/host.ts";
import { ConfigError, renderError } from "../conf/errors.ts";
import { buildMeshConfig, type MeshConfig } from "./mesh_config.ts";
import { formatDump } from "./dump.ts";
import { MemoryNetwork } from "../net/memory.ts";
import { TincEngine } from "../tinc/engine.ts";
import { type Logger, NULL_LOGGER } from "../tinc/types.ts";
import { createCrypto } from "../crypto/mod.ts";

const NODES = ["alpha", "beta", "gamma"] as const;
const REPO = new URL("../../", import.meta.url).pathname.replace(/\/$/, "");
const enc = new TextEncoder();

function stdoutLine(text: string): void {
  const b = enc.encode(text + "\n");
  try {
    for (let off = 0; off < b.length;) off += Deno.stdout.writeSync(b.subarray(off));
  } catch {
    // stdout closed (| head): keep going, the teardown must still happen
  }
}
/** Where the demo prints (stdout unless runDemo was given a writer). */
let say: (text?: string) => void = (t = "") => stdoutLine(t);

/** One example node, as its config says. */
interface DemoNode {
  readonly name: string;
  readonly conf: string;
  readonly mesh: MeshConfig;
  /** Underlay address (comm udp address). */
  readonly underlay: string;
  /** Overlay address of its interface (netlink local-address). */
  readonly overlay: string;
}

/** Runs the demo; returns the exit status. `write` receives each output line (stdout). */
export async function runDemo(
  argv: string[],
  write: (line: string) => void = stdoutLine,
): Promise<number> {
  say = (t = "") => write(t);
  const values = {
    keep: false,
    memory: false,
    examples: `${REPO}/examples`,
    help: false,
    tincd: null as string | null,
  };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--keep") values.keep = true;
    else if (a === "--memory") values.memory = true;
    else if (a === "--help" || a === "-h") values.help = true;
    else if (a === "--examples" && argv[i + 1]) values.examples = argv[++i]!;
    else if (a.startsWith("--examples=")) values.examples = a.slice("--examples=".length);
    else if (a === "--tincd" && argv[i + 1]) values.tincd = argv[++i]!;
    else {
      say(`demo: unknown argument "${a}" (try --help)`);
      return 2;
    }
  }
  if (values.help) {
    say("usage: tincture [--demo] [--keep] [--memory] [--tincd NODE] [--examples DIR]");
    say("  brings up the alpha/beta/gamma example mesh, pings across it, shows its state;");
    say("  --tincd NODE: a real tincd 1.0 runs that node (network namespaces only)");
    return 0;
  }
  const dir = values.examples;
  let nodes: DemoNode[];
  try {
    nodes = NODES.map((n) => loadNode(dir, n));
  } catch (e) {
    if (e instanceof ConfigError) {
      say(`demo: the example configs do not load: ${renderError(e)}`);
      return 1;
    }
    throw e;
  }
  say(`tincture demo: ${nodes.map((n) => `${n.name} (${n.underlay}, ${n.overlay})`).join(", ")}`);
  const why = values.memory ? "--memory given" : privilegeProblem();
  if (values.tincd !== null && !nodes.some((n) => n.name === values.tincd)) {
    say(`demo: --tincd wants one of ${nodes.map((n) => n.name).join(", ")}`);
    return 2;
  }
  if (why === null) return await netnsDemo(dir, nodes, values.keep, values.tincd);
  if (values.tincd !== null) say(`(--tincd ${values.tincd} needs the namespace demo: ignored)`);
  say(`Not running the mesh in network namespaces: ${why}.`);
  say("Running the same three configs in memory instead (simulated network and TUN).\n");
  return memoryDemo(nodes);
}

/** Why the namespace demo cannot run, or null. */
function privilegeProblem(): string | null {
  if (Deno.build.os !== "linux") return "network namespaces need Linux";
  if (Deno.uid() !== 0) return "not root";
  try {
    Deno.statSync("/dev/net/tun");
  } catch {
    return "/dev/net/tun is missing";
  }
  for (const tool of ["ip", "ping"]) {
    const found = (Deno.env.get("PATH") ?? "/usr/sbin:/usr/bin:/sbin:/bin").split(":").some(
      (d) => {
        try {
          return Deno.statSync(`${d}/${tool}`).isFile;
        } catch {
          return false;
        }
      },
    );
    if (!found) return `${tool} is not installed`;
  }
  return null;
}

/** Evaluates examples/NAME/secnet.conf from the examples directory, as `-c` would. */
function loadNode(dir: string, name: string): DemoNode {
  const conf = `${name}/secnet.conf`;
  const host: ConfHost = {
    cwd: dir,
    readFile(path) {
      const p = path.startsWith("/") ? path : `${dir}/${path}`;
      try {
        return Deno.readFileSync(p);
      } catch (e) {
        throw new ConfHostError(e instanceof Deno.errors.NotFound ? "ENOENT" : "EIO", path);
      }
    },
    checkReadable(path) {
      void this.readFile(path.startsWith("/dev/") ? "/dev/null" : path);
    },
  };
  const { root } = evaluateConfig(host.readFile(conf), { file: conf, host });
  const mesh = buildMeshConfig(root);
  const underlay = mesh.listen.addresses[0];
  if (!underlay) throw new ConfigError(undefined, "demo", `${conf}: comm udp has no address`);
  return { name, conf, mesh, underlay, overlay: mesh.device.addresses[0]!.local };
}

// --- in network namespaces ----------------------------------------------------------------

async function sh(args: string[], check = true): Promise<{ code: number; out: string }> {
  const r = await new Deno.Command(args[0]!, {
    args: args.slice(1),
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
  }).output();
  const out = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  if (check && r.code !== 0) throw new Error(`${args.join(" ")} failed: ${out.trim()}`);
  return { code: r.code, out };
}

/**
 * A tinc 1.0 config dir for example node `n` in `dir`: its PEM key, every hosts file from
 * examples/keys/hosts, ConnectTo the others, and a tinc-up giving the interface the node's
 * overlay address with the mesh's /16 (what the tincture nodes route into their tun).
 */
async function writeTincDir(examples: string, dir: string, n: DemoNode, all: DemoNode[]) {
  await Deno.mkdir(`${dir}/hosts`, { recursive: true });
  const others = all.filter((o) => o.name !== n.name);
  await Deno.writeTextFile(
    `${dir}/tinc.conf`,
    [
      `Name = ${n.name}`,
      ...others.map((o) => `ConnectTo = ${o.name}`),
      "AddressFamily = ipv4",
      "Device = /dev/net/tun",
      `Interface = ${n.mesh.device.ifname ?? `tinc${n.name}`}`,
    ]
      .join("\n") + "\n",
  );
  for (const o of all) {
    await Deno.copyFile(`${examples}/keys/hosts/${o.name}`, `${dir}/hosts/${o.name}`);
  }
  await Deno.copyFile(`${examples}/keys/${n.name}.priv`, `${dir}/rsa_key.priv`);
  await Deno.chmod(`${dir}/rsa_key.priv`, 0o600);
  const remote = n.mesh.engine.remoteSubnets?.[0] ?? "10.77.0.0/16";
  await Deno.writeTextFile(
    `${dir}/tinc-up`,
    `#!/bin/sh\nip addr add ${n.overlay}/${remote.split("/")[1]} dev "$INTERFACE"\n` +
      `ip link set "$INTERFACE" mtu ${n.mesh.device.mtu} up\n`,
  );
  await Deno.chmod(`${dir}/tinc-up`, 0o755);
}

async function netnsDemo(
  examples: string,
  nodes: DemoNode[],
  keep: boolean,
  tincdNode: string | null,
): Promise<number> {
  const tag = `tt-demo${crypto.randomUUID().slice(0, 4)}`;
  const lan = `${tag}-lan`;
  const ns = (n: DemoNode) => `${tag}-${n.name}`;
  // a copy of the examples whose logs also show notices (the state dump is a notice)
  const work = await Deno.makeTempDir({ prefix: `${tag}-` });
  await sh(["cp", "-r", `${examples}/.`, work]);
  const sites = await Deno.readTextFile(`${work}/sites.conf`);
  await Deno.writeTextFile(
    `${work}/sites.conf`,
    sites.replace(
      /log logfile \{[^}]*\};/,
      'log logfile { class "notice", "warning", "error", "security", "fatal"; };',
    ),
  );
  const procs: { node: DemoNode; child: Deno.ChildProcess; log: string }[] = [];
  let ok = false;
  // Ctrl-C or TERM: stop where we are and tear everything down (unless --keep was done).
  let interrupted = false;
  const onSignal = () => (interrupted = true);
  const check = () => {
    if (interrupted) throw new Error("interrupted");
  };
  Deno.addSignalListener("SIGINT", onSignal);
  Deno.addSignalListener("SIGTERM", onSignal);
  try {
    say(`Creating namespaces ${lan} (a bridge) and ${nodes.map(ns).join(", ")} ...`);
    await sh(["ip", "netns", "add", lan]);
    await sh(["ip", "-n", lan, "link", "add", "br0", "type", "bridge"]);
    await sh(["ip", "-n", lan, "link", "set", "br0", "up"]);
    for (const n of nodes) {
      await sh(["ip", "netns", "add", ns(n)]);
      await sh(["ip", "-n", ns(n), "link", "set", "lo", "up"]);
      await sh([
        "ip",
        "-n",
        ns(n),
        "link",
        "add",
        "eth0",
        "type",
        "veth",
        "peer",
        "name",
        `p-${n.name}`,
        "netns",
        lan,
      ]); // prettier-ignore
      await sh(["ip", "-n", lan, "link", "set", `p-${n.name}`, "master", "br0", "up"]);
      await sh(["ip", "-n", ns(n), "addr", "add", `${n.underlay}/24`, "dev", "eth0"]);
      await sh(["ip", "-n", ns(n), "link", "set", "eth0", "up"]);
    }
    for (const n of nodes) {
      const log = `${work}/${n.name}.log`;
      const tincture = [Deno.execPath(), "run", "-A", "--unstable-net", `${REPO}/main.ts`];
      let program = [...tincture, "-n", "-c", n.conf];
      if (n.name === tincdNode) {
        const tdir = `${work}/${n.name}-tinc`;
        await writeTincDir(examples, tdir, n, nodes);
        program = ["tincd", "-c", tdir, "-D", "-d2"];
      }
      const child = new Deno.Command("ip", {
        args: [
          ...["netns", "exec", ns(n), "sh", "-c"],
          ...['exec "$@" >>"$DEMO_LOG" 2>&1 </dev/null', "sh", ...program],
        ],
        cwd: work,
        env: { DEMO_LOG: log },
        stdin: "null",
        stdout: "null",
        stderr: "null",
      }).spawn();
      procs.push({ node: n, child, log });
      say(
        n.name === tincdNode
          ? `Started a real tincd 1.0 as ${n.name} (pid ${child.pid}) in ${ns(n)}: ${
            program.join(" ")
          }`
          : `Started tincture ${n.name} (pid ${child.pid}) in ${ns(n)}: ${n.conf}`,
      );
    }
    say("\nPinging across the mesh (over the TUN devices, encrypted on the underlay):");
    ok = true;
    for (const [from, to] of [[0, 1], [0, 2], [1, 2], [2, 0]] as const) {
      const a = nodes[from]!, b = nodes[to]!;
      let reply = "";
      const end = Date.now() + 20000;
      while (Date.now() < end) {
        check();
        const r = await sh(
          ["ip", "netns", "exec", ns(a), "ping", "-n", "-c1", "-W1", b.overlay],
          false,
        );
        if (r.code === 0) {
          reply = /time=[\d.]+ ms/.exec(r.out)?.[0] ?? "ok";
          break;
        }
      }
      say(`  ${a.name} -> ${b.name} (${b.overlay}): ${reply || "NO REPLY"}`);
      if (!reply) ok = false;
    }
    check();
    say("\nMesh state (each daemon's dump, SIGUSR2):");
    const marks = procs.map((p) => fileSize(p.log));
    for (const p of procs) p.child.kill("SIGUSR2");
    await new Promise((r) => setTimeout(r, 800));
    for (const [i, p] of procs.entries()) {
      if (p.node.name === tincdNode) {
        say(`--- ${p.node.name}: tincd dumps its state to its log (${p.log})`);
        continue;
      }
      const text = new TextDecoder().decode(Deno.readFileSync(p.log).subarray(marks[i]));
      const dump = text.split("\n").filter((l) => l.trim()).map((l) =>
        l.replace(/^\w{3} [ \d]\d [\d:]{8} /, "")
      );
      say(`--- ${p.node.name}`);
      for (const l of dump) say(`  ${l}`);
    }
    if (keep) {
      say(`\nLeft running (--keep). Logs and configs: ${work}`);
      say(
        `To remove: kill ${procs.map((p) => p.child.pid).join(" ")}; ` +
          `for n in ${[lan, ...nodes.map(ns)].join(" ")}; do ip netns del $n; done`,
      );
      return ok ? 0 : 1;
    }
  } catch (e) {
    say(`demo failed: ${(e as Error).message}`);
    ok = false;
    keep = false;
  } finally {
    Deno.removeSignalListener("SIGINT", onSignal);
    Deno.removeSignalListener("SIGTERM", onSignal);
    if (!keep) {
      say("\nTearing down ...");
      for (const p of procs) {
        try {
          p.child.kill("SIGTERM");
        } catch { /* gone */ }
      }
      await Promise.race([
        Promise.all(procs.map((p) => p.child.status)),
        new Promise((r) => setTimeout(r, 5000)),
      ]);
      for (const name of [lan, ...nodes.map(ns)]) {
        const pids = await sh(["ip", "netns", "pids", name], false);
        for (const pid of pids.out.split(/\s+/).filter((x) => /^\d+$/.test(x))) {
          try {
            Deno.kill(Number(pid), "SIGKILL");
          } catch { /* gone */ }
        }
        await sh(["ip", "netns", "del", name], false);
      }
      await Promise.all(procs.map((p) => p.child.status));
      if (!ok) say(`Logs kept in ${work}`);
      else await Deno.remove(work, { recursive: true });
      say("Done.");
    }
  }
  return ok ? 0 : 1;
}

function fileSize(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

// --- in memory ----------------------------------------------------------------------------

function memoryDemo(nodes: DemoNode[]): number {
  const crypto = createCrypto("openssl", () => {});
  const net = new MemoryNetwork({ latency: 1 });
  const hosts = nodes.map((n) =>
    net.addHost(
      n.underlay,
      n.mesh.listen.port,
      (out, now) => new TincEngine(n.mesh.engine, { crypto, out, log: demoLogger(n.name), now }),
    )
  );
  // Each TUN twin answers echo requests for its own address, as a kernel would.
  const replies: { from: string; seq: number; at: number }[] = [];
  for (const [i, h] of hosts.entries()) {
    const me = ipBytes(nodes[i]!.overlay);
    h.tun.onFrame = (frame) => {
      const icmp = parseEcho(frame);
      if (!icmp || !sameIp(icmp.dst, me)) return;
      if (icmp.type === 8) h.tun.inject(echoFrame(icmp.dst, icmp.src, 0, icmp.id, icmp.seq));
      else if (icmp.type === 0) {
        replies.push({ from: ipText(icmp.src), seq: icmp.seq, at: net.clock.now });
      }
    };
  }
  net.start();
  // Start the nodes 300 ms apart: started in the same instant on a network without jitter,
  // every pair would dial each other simultaneously forever (tinc keeps the newer of two
  // connections, so both close).
  for (const h of hosts.slice(1)) h.crash();
  for (const h of hosts.slice(1)) {
    net.advance(300);
    h.restart();
  }
  net.advance(5000);
  say("Pinging across the mesh (simulated: 1 ms per hop on the in-memory network):");
  let ok = true;
  let seq = 0;
  for (const [from, to] of [[0, 1], [0, 2], [1, 2], [2, 0]] as const) {
    const a = nodes[from]!, b = nodes[to]!;
    let got: string | null = null;
    for (let attempt = 0; attempt < 5 && !got; attempt++) {
      const s = ++seq;
      const sent = net.clock.now;
      hosts[from]!.tun.inject(echoFrame(ipBytes(a.overlay), ipBytes(b.overlay), 8, 0x7475, s));
      net.advance(1000);
      const r = replies.find((x) => x.seq === s && x.from === b.overlay);
      if (r) got = `time=${r.at - sent} ms`;
    }
    say(`  ${a.name} -> ${b.name} (${b.overlay}): ${got ?? "NO REPLY"}`);
    if (!got) ok = false;
  }
  say("\nMesh state:");
  for (const [i, h] of hosts.entries()) {
    say(`--- ${nodes[i]!.name}`);
    for (const l of formatDump((h.engine as TincEngine).dump(), h.stats).split("\n")) {
      say(`  ${l}`);
    }
  }
  net.stop();
  return ok ? 0 : 1;
}

/** Engine logs on stderr with TINCTURE_DEMO_DEBUG set; silent otherwise. */
function demoLogger(name: string): Logger {
  if (!Deno.env.get("TINCTURE_DEMO_DEBUG")) return NULL_LOGGER;
  return {
    enabled: () => true,
    log: (level, _category, message) => {
      Deno.stderr.writeSync(enc.encode(`[${name}] ${level}: ${message}\n`));
    },
  };
}

// --- ICMP echo frames (Ethernet + IPv4 + ICMP), for the TUN twins --------------------------

function ipBytes(ip: string): Uint8Array {
  return Uint8Array.from(ip.split(".").map(Number));
}
function ipText(b: Uint8Array): string {
  return [...b].join(".");
}
function sameIp(a: Uint8Array, b: Uint8Array): boolean {
  return a.every((x, i) => x === b[i]);
}

function checksum(b: Uint8Array, off: number, len: number): number {
  let sum = 0;
  for (let i = 0; i < len; i += 2) sum += (b[off + i]! << 8) | (b[off + i + 1] ?? 0);
  while (sum > 0xffff) sum = (sum & 0xffff) + (sum >>> 16);
  return ~sum & 0xffff;
}

/** An Ethernet frame carrying an ICMP echo (type 8) or echo reply (type 0) with 56 bytes. */
export function echoFrame(
  src: Uint8Array,
  dst: Uint8Array,
  type: 0 | 8,
  id: number,
  seq: number,
): Uint8Array {
  const f = new Uint8Array(14 + 20 + 8 + 56);
  const v = new DataView(f.buffer);
  v.setUint16(12, 0x0800);
  f[14] = 0x45;
  v.setUint16(16, 20 + 8 + 56);
  f[22] = 64; // TTL
  f[23] = 1; // ICMP
  f.set(src, 26);
  f.set(dst, 30);
  v.setUint16(24, checksum(f, 14, 20));
  f[34] = type;
  v.setUint16(38, id);
  v.setUint16(40, seq);
  for (let i = 0; i < 56; i++) f[42 + i] = i;
  v.setUint16(36, checksum(f, 34, 8 + 56));
  return f;
}

/** The echo fields of an Ethernet/IPv4/ICMP echo frame, or null for anything else. */
export function parseEcho(
  f: Uint8Array,
): { src: Uint8Array; dst: Uint8Array; type: number; id: number; seq: number } | null {
  if (f.length < 42 || f[12] !== 0x08 || f[13] !== 0x00 || f[23] !== 1) return null;
  const ihl = (f[14]! & 15) * 4;
  const o = 14 + ihl;
  if (f.length < o + 8 || (f[o] !== 0 && f[o] !== 8)) return null;
  return {
    src: f.slice(26, 30),
    dst: f.slice(30, 34),
    type: f[o]!,
    id: (f[o + 4]! << 8) | f[o + 5]!,
    seq: (f[o + 6]! << 8) | f[o + 7]!,
  };
}
