/**
 * The daemon: `runDaemon(root, options)` is what main.ts runs after a good config (not -j).
 *
 * Agreement with lib/cli.ts: `options` is its CliOptions (config, sitesKey, levels, nodetach,
 * managed; DaemonOptions below is the part we read); the result is the exit status.
 *
 * Phases (secnet's order): build the mesh config (mesh_config.ts) → detach unless -n/-m (a
 * `Deno.Command` re-exec; fork() hangs Deno) → open the TUN, configure it (rtnetlink, else `ip`) → open the
 * UDP sockets and TCP listeners → pidfile → start the data-plane Worker (data_plane.ts), which
 * owns the engine and every descriptor from then on → drop to `userid` (after the Worker has
 * opened its logs and loaded its code, which may need root).
 *
 * Signals: TERM/INT stop cleanly (goodbye to peers, interface and routes removed, exit 0);
 * HUP reopens logs and re-reads the config (handed to the engine if it can reload); USR2
 * dumps nodes, edges, subnets and connections to the log. USR1 is set to SIG_IGN once Deno
 * has installed its inspector trigger (deno-platform.md §4), so it does nothing at all.
 *
 * secnet's ifconfig-path/route-path/ifconfig-type are not used: the device is set up with
 * rtnetlink requests identical to iproute2's (rtnetlink.ts), or with `ip-path` when the
 * config names one (and as the fallback when a request fails).
 *
 * @module
 */
import { idleV8Workers } from "./threads.ts";
import type { Dict } from "../conf/dict.ts";
import { ConfigError, renderError } from "../conf/errors.ts";
import type { LogSpec } from "../modules/specs.ts";
import { buildMeshConfig, type DeviceConfig, type MeshConfig } from "./mesh_config.ts";
import { type LogTarget, SinkLogger, StderrSink } from "../log/log.ts";
import { createSink } from "../log/syslog.ts";
import { type InterfaceConfig, NetIf } from "./netif.ts";
import { setupViaNetlink } from "./rtnetlink.ts";
import { openTun, type TunDevice } from "../../ffi/tun_linux.ts";
import { openUdp, SockAddrTable, tcpListen, type UdpSocket } from "../../ffi/socket.ts";
import { closeFd, ignoreSignal } from "../../ffi/libc.ts";
import { SIGUSR1 } from "../../ffi/linux_constants.ts";
import { DataPlane } from "./data_plane.ts";
import { dropPrivileges, removePidfile, resolveUser, writePidfile } from "./privileges.ts";
import type { LoopLimits } from "./event_loop.ts";
import { HostResolver } from "./resolve.ts";

/** Set in the re-exec'd child so it knows it is the detached daemon. */
export const DETACHED_ENV = "TINCTURE_DETACHED";
/** The line the detached child prints on stdout once it runs. */
export const READY_LINE = "tincture-ready";

/** Extra knobs (tests, benchmarks); none is needed in production. */
export interface DaemonExtras {
  /** Engine module for the Worker (default engine_factory.ts). */
  readonly engineModule?: string;
  readonly limits?: Partial<LoopLimits>;
}

const EXIT_RUNTIME = 1;

/** What the daemon reads of lib/cli.ts's CliOptions (kept structural: cli.ts imports us lazily). */
export interface DaemonOptions {
  readonly config: string;
  readonly sitesKey: string;
  /** Message classes shown before the configured log takes over ("debug" turns on debug). */
  readonly levels: ReadonlySet<string>;
  readonly nodetach: boolean;
  readonly managed: boolean;
}

/** lib/cli.ts, loaded only for SIGHUP reloads (a computed specifier keeps it out of our graph). */
const CLI_MODULE = new URL("../cli.ts", import.meta.url).href;

interface CliModule {
  checkConfig(
    options: DaemonOptions,
    io: unknown,
  ): { ok: true; config: { root: Dict } } | { ok: false; error: ConfigError };
  denoCliIO(): unknown;
}

export async function runDaemon(
  root: Dict,
  options: DaemonOptions,
  extras: DaemonExtras = {},
): Promise<number> {
  const startup = new SinkLogger(new StderrSink(["default"], "", false));
  let mesh: MeshConfig;
  try {
    mesh = buildMeshConfig(root, { sitesKey: options.sitesKey });
  } catch (e) {
    if (e instanceof ConfigError) {
      startup.message("fatal", renderError(e));
      return e.exitCode;
    }
    throw e;
  }
  const detachedChild = Deno.env.get(DETACHED_ENV) === "1";
  if (!options.nodetach && !options.managed && !detachedChild) return await detach();
  return await runMesh(mesh, options, extras, detachedChild);
}

/** secnet LogSpecs → our sink descriptions. */
export function logTargets(
  specs: readonly LogSpec[],
  debug: boolean,
): LogTarget[] {
  return specs.map((s): LogTarget => {
    if (s.type === "syslog") {
      return {
        kind: "syslog",
        ident: s.ident ?? "secnet",
        facility: s.facility,
        classes: debug ? ["verbose", "debug"] : ["verbose"],
      };
    }
    if (s.filename === null) return { kind: "stderr", prefix: s.prefix, classes: s.classes };
    return { kind: "logfile", filename: s.filename, prefix: s.prefix, classes: s.classes };
  });
}

/** The `ip` view of the device config. */
export function interfaceConfig(device: DeviceConfig, ifname: string): InterfaceConfig {
  return {
    name: ifname,
    mtu: device.mtu,
    addresses: device.addresses.map((a) => ({
      local: a.local,
      prefixLength: a.prefixLength,
      ...(a.peer ? { peer: a.peer } : {}),
    })),
    routes: device.routes,
  };
}

interface Opened {
  tun: TunDevice | null;
  udp: UdpSocket[];
  listeners: number[];
}

function closeOpened(o: Opened): void {
  o.tun?.close();
  for (const u of o.udp) u.close();
  for (const l of o.listeners) closeFd(l);
}

async function runMesh(
  mesh: MeshConfig,
  options: DaemonOptions,
  extras: DaemonExtras,
  detachedChild: boolean,
): Promise<number> {
  const debug = options.levels.has("debug");
  const targets = logTargets(mesh.logs, debug);
  const sink = createSink(targets);
  const log = new SinkLogger(sink);
  const opened: Opened = { tun: null, udp: [], listeners: [] };
  // rtnetlink directly unless the config names its own `ip` (ip-path).
  const netif = mesh.device.ipPath
    ? new NetIf(mesh.device.ipPath)
    : new NetIf("ip", undefined, undefined, setupViaNetlink);
  let ifcfg: InterfaceConfig | null = null;
  let root = Deno.uid() === 0;
  let pidfile: string | null = null;
  const fail = async (what: string, e: unknown): Promise<number> => {
    log.message("fatal", `${what}: ${e instanceof Error ? e.message : String(e)}`);
    closeOpened(opened);
    if (ifcfg && root) await netif.deconfigure(ifcfg);
    if (pidfile) removePidfile(pidfile);
    sink.close();
    return EXIT_RUNTIME;
  };

  log.message(
    "notice",
    `tincture starting: node ${mesh.engine.name}, port ${mesh.listen.port}, ${mesh.sites.length} sites`,
  );
  // The device first (secnet opens its netlink before the sockets).
  if (mesh.device.kind === "tun") {
    try {
      opened.tun = openTun({
        name: mesh.device.ifname ?? "",
        kind: mesh.device.mode === "router" ? "tun" : "tap",
        device: mesh.device.devicePath,
      });
      ifcfg = {
        ...interfaceConfig(mesh.device, opened.tun.name),
        fresh: !opened.tun.isPersistent(),
      };
      await netif.configure(ifcfg);
      log.message("info", `${mesh.device.name}: using ${opened.tun.name}`);
    } catch (e) {
      return await fail(`${mesh.device.name}: cannot set up the device`, e);
    }
  }
  try {
    const addresses = new SockAddrTable();
    // UDP_GRO receive trains (TINCTURE_GRO=0 turns them off, for comparisons).
    const gro = Deno.env.get("TINCTURE_GRO") !== "0";
    const binds = mesh.listen.addresses.length > 0 ? mesh.listen.addresses : ["::"];
    for (const addr of binds) {
      let a = addr;
      try {
        opened.udp.push(
          openUdp(
            { address: a, port: mesh.listen.port, pmtuDiscovery: mesh.engine.pmtuDiscovery, gro },
            addresses,
          ),
        );
      } catch (e) {
        // No IPv6 on this host: IPv4 only.
        if (a !== "::") throw e;
        a = "0.0.0.0";
        opened.udp.push(
          openUdp(
            { address: a, port: mesh.listen.port, pmtuDiscovery: mesh.engine.pmtuDiscovery, gro },
            addresses,
          ),
        );
      }
      opened.listeners.push(tcpListen(a, mesh.listen.port));
    }
  } catch (e) {
    return await fail(`udp: cannot listen on port ${mesh.listen.port}`, e);
  }
  if (mesh.pidfile) {
    try {
      writePidfile(mesh.pidfile);
      pidfile = mesh.pidfile;
    } catch (e) {
      return await fail(`cannot write pidfile ${mesh.pidfile}`, e);
    }
  }
  // Site host names become numeric addresses here (the engine takes none): now, on HUP and
  // every 5 minutes (dynamic DNS).
  const resolver = new HostResolver(mesh.engine, { warn: (n) => log.message("warning", n) });
  const plane = new DataPlane({
    engineModule: extras.engineModule,
    engineConfig: (await resolver.refresh()).config,
    resources: {
      tun: opened.tun ? { fd: opened.tun.fd, name: opened.tun.name, kind: opened.tun.kind } : null,
      udp: opened.udp.map((u) => ({ fd: u.fd, family: u.family })),
      listeners: opened.listeners,
    },
    logs: targets,
    limits: { busyPoll: mesh.busyPoll, ...extras.limits },
  });
  try {
    await plane.started;
  } catch (e) {
    return await fail("cannot start the data plane", e);
  }
  // V8's compilers and GC helpers must not hold the core when a packet wakes the data plane
  // (threads.ts). TINCTURE_IDLE_V8=0 leaves them alone, for comparisons.
  if (Deno.env.get("TINCTURE_IDLE_V8") !== "0") {
    log.message("info", `${idleV8Workers()} V8 background thread(s) set to SCHED_IDLE`);
  }
  // Only now: the Worker has opened its log files and loaded its modules (both may need
  // root). glibc applies the change to every thread, the Worker's included.
  if (mesh.userid) {
    try {
      dropPrivileges(resolveUser(mesh.userid));
      root = false;
      log.message("info", `running as ${mesh.userid}`);
    } catch (e) {
      await plane.stop().catch(() => {});
      // The Worker closed them.
      opened.tun = null;
      opened.udp = [];
      opened.listeners = [];
      return await fail(`cannot become ${mesh.userid}`, e);
    }
  }
  log.message("notice", `tincture ${mesh.engine.name} running (pid ${Deno.pid})`);
  if (detachedChild) {
    try {
      Deno.stdout.writeSync(new TextEncoder().encode(READY_LINE + "\n"));
    } catch { /* parent gone */ }
  }

  resolver.start((engine, sites) => {
    log.message("notice", `addresses of ${sites.join(", ")} changed, handing them to the engine`);
    plane.reload(engine);
  });

  // Signals.
  let stopSignal: (name: string) => void = () => {};
  const stopRequested = new Promise<string>((res) => (stopSignal = res));
  const onTerm = () => stopSignal("SIGTERM");
  const onInt = () => stopSignal("SIGINT");
  const onHup = () => {
    sink.reopen();
    plane.reopenLogs();
    reloadConfig(options, log).then((engine) => {
      // Re-reading the config (node compat code in the closures) re-arms Deno's SIGUSR1
      // inspector trigger: disarm it again.
      ignoreSignal(SIGUSR1);
      if (engine === null) return;
      // logrotate sends HUP too: only a changed config (or changed addresses) goes to the engine.
      const text = configText(engine);
      const changed = text !== engineText;
      engineText = text;
      resolver.refresh(changed ? engine as MeshConfig["engine"] : undefined).then((r) => {
        if (!changed && r.changedSites.length === 0) return;
        const what = changed ? "configuration" : `addresses of ${r.changedSites.join(", ")}`;
        log.message("notice", `SIGHUP: ${what} changed, handing it to the engine`);
        plane.reload(r.config);
      });
    });
  };
  let engineText = configText(mesh.engine);
  const onUsr2 = () => plane.dump();
  Deno.addSignalListener("SIGTERM", onTerm);
  Deno.addSignalListener("SIGINT", onInt);
  Deno.addSignalListener("SIGHUP", onHup);
  Deno.addSignalListener("SIGUSR2", onUsr2);
  // Deno installs its SIGUSR1 → inspector handler 500 ms after start; override it after that.
  const usr1Timer = setTimeout(() => ignoreSignal(SIGUSR1), Math.max(0, 600 - performance.now()));

  const why = await Promise.race([
    stopRequested,
    plane.stopped.then(() => "data plane stopped", (e) => `data plane failed: ${e.message}`),
  ]);
  resolver.stop();
  log.message("notice", `tincture ${mesh.engine.name} stopping (${why})`);
  let code = 0;
  if (why.startsWith("SIG")) {
    const timeout = new Promise<"timeout">((res) => setTimeout(() => res("timeout"), 5000));
    const r = await Promise.race([
      plane.stop().then(() => "ok" as const, () => "failed" as const),
      timeout,
    ]);
    if (r !== "ok") {
      log.message("error", "data plane did not stop cleanly");
      closeOpened(opened);
    }
  } else {
    code = EXIT_RUNTIME;
    closeOpened(opened);
  }
  clearTimeout(usr1Timer);
  Deno.removeSignalListener("SIGTERM", onTerm);
  Deno.removeSignalListener("SIGINT", onInt);
  Deno.removeSignalListener("SIGHUP", onHup);
  Deno.removeSignalListener("SIGUSR2", onUsr2);
  // The tun vanished with its fd, taking its routes; a persistent one is cleaned explicitly.
  if (ifcfg && root) await netif.deconfigure(ifcfg);
  if (pidfile) removePidfile(pidfile);
  log.message("notice", `tincture ${mesh.engine.name} stopped`);
  sink.close();
  return code;
}

/** A comparable rendering of an engine config (keys are bigints). */
function configText(engine: unknown): string {
  return JSON.stringify(engine, (_k, v) => typeof v === "bigint" ? v.toString(16) : v);
}

/** SIGHUP: re-read and re-check the config; the new EngineConfig, or null if it is bad. */
async function reloadConfig(options: DaemonOptions, log: SinkLogger): Promise<unknown> {
  try {
    const { checkConfig, denoCliIO } = await import(CLI_MODULE) as CliModule;
    const outcome = checkConfig(options, denoCliIO());
    if (!outcome.ok) {
      log.message("error", `SIGHUP: configuration not reloaded: ${renderError(outcome.error)}`);
      return null;
    }
    return buildMeshConfig(outcome.config.root, { sitesKey: options.sitesKey }).engine;
  } catch (e) {
    log.message("error", `SIGHUP: configuration not reloaded: ${(e as Error).message}`);
    return null;
  }
}

/**
 * Runs ourselves again, detached (own session, no terminal), and waits for it to say it is
 * running. Its start-up errors are relayed to our stderr and its exit status is ours.
 */
async function detach(): Promise<number> {
  const compiled = !/\bdeno$/.test(Deno.execPath());
  const args = compiled ? [...Deno.args] : [
    "run",
    "-A",
    "--unstable-net",
    ...configFlag(),
    Deno.mainModule,
    ...Deno.args,
  ];
  const child = new Deno.Command(Deno.execPath(), {
    args,
    env: { [DETACHED_ENV]: "1" },
    stdin: "null",
    stdout: "piped",
    stderr: "piped",
    detached: true,
  }).spawn();
  const stderrText = new Response(child.stderr).text();
  const reader = child.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let seen = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    seen += value;
    if (seen.includes(READY_LINE)) {
      reader.releaseLock();
      child.unref();
      return 0;
    }
  }
  const status = await child.status;
  const err = await stderrText;
  if (err) Deno.stderr.writeSync(new TextEncoder().encode(err));
  return status.code === 0 ? EXIT_RUNTIME : status.code;
}

function configFlag(): string[] {
  const cfg = new URL("../../deno.json", import.meta.url);
  try {
    Deno.statSync(cfg);
    return ["--config", cfg.pathname];
  } catch {
    return [];
  }
}
