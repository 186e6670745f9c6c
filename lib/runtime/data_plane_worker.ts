/**
 * The data-plane Worker: owns the engine and every descriptor, and runs the synchronous
 * poll() loop (event_loop.ts). The main thread keeps CLI, signals and `ip`; it reaches us
 * through the control SharedArrayBuffer + eventfd (worker_protocol.ts).
 *
 * Time: `now` is CLOCK_MONOTONIC in ms from the Worker's start (ffi/libc.ts monotonicClock),
 * read once per wake-up.
 *
 * @module
 */
/// <reference lib="deno.worker" />
import type { EngineOutput, Logger } from "../tinc/types.ts";
import { EventLoop, type LoopEngine } from "./event_loop.ts";
import {
  CMD_DUMP,
  CMD_MESSAGE,
  CMD_REOPEN_LOGS,
  CMD_STOP,
  CONTROL_COMMANDS,
  CONTROL_MESSAGES,
  type WorkerReply,
  type WorkerRequest,
  type WorkerStart,
} from "./worker_protocol.ts";
import { SinkLogger } from "../log/log.ts";
import { createSink } from "../log/syslog.ts";
import { SockAddrTable, UdpSocket } from "../../ffi/socket.ts";
import { TunDevice } from "../../ffi/tun_linux.ts";
import { closeFd, monotonicClock } from "../../ffi/libc.ts";
import { formatDump } from "./dump.ts";
import { WarmUpSchedule } from "./warm_up.ts";

/** What the loop needs beyond LoopEngine. */
export interface EngineHandle extends LoopEngine {
  start(now: number): void;
  stop(now: number): void;
  dump(): unknown;
  /** Applies a new configuration without dropping connections, if the engine can. */
  reload?(config: unknown, now: number): void;
}

export interface EngineDepsLite {
  readonly out: EngineOutput;
  readonly log: Logger;
  readonly now: number;
}

/** The export an engine module must have. */
export type CreateEngine = (
  config: unknown,
  deps: EngineDepsLite,
) => EngineHandle | Promise<EngineHandle>;

const post = (m: WorkerReply) => self.postMessage(m);
const inbox: WorkerRequest[] = [];
let inboxSeen = 0;

self.onmessage = (ev: MessageEvent<WorkerRequest>) => {
  const m = ev.data;
  if (m.type === "start") {
    run(m).catch((e) => {
      post({ type: "error", message: e instanceof Error ? e.stack ?? e.message : String(e) });
    });
  } else {
    inbox.push(m);
  }
};

async function run(start: WorkerStart): Promise<void> {
  const control = new Int32Array(start.control);
  const sink = createSink(start.logs);
  const log = new SinkLogger(sink);
  const clock = monotonicClock();
  const r = start.resources;
  const addresses = new SockAddrTable();
  const tun = r.tun ? new TunDevice(r.tun.fd, r.tun.name, r.tun.kind) : null;
  const udp = r.udp.map((u) => new UdpSocket(u.fd, u.family, addresses));
  const loop = new EventLoop(
    { tun, udp, listeners: r.listeners, wakeFd: r.wakeFd, addresses },
    log,
    clock,
    start.limits,
  );
  const mod = await import(start.engineModule) as { createEngine: CreateEngine };
  const engine = await mod.createEngine(start.engineConfig, { out: loop, log, now: clock() });
  loop.engine = engine;
  engine.start(clock());
  post({ type: "started", port: udp[0]?.port ?? 0 });

  // JIT warm-up of the packet path (warm_up.ts), interleaved with the real loop.
  const warmUp = new WarmUpSchedule(
    mod.createEngine,
    start.engineConfig,
    clock,
    udp[0]?.family,
    log,
    start.limits,
  );
  for (;;) {
    if (!loop.runOnce(warmUp.step())) continue;
    const cmd = Atomics.exchange(control, CONTROL_COMMANDS, 0);
    if (cmd & CMD_REOPEN_LOGS) sink.reopen();
    // Requests before the dump, so a dump after a reload shows the new state.
    if (cmd & CMD_MESSAGE) {
      // Let the event loop deliver what the main thread posted before waking us.
      while (inboxSeen + inbox.length < Atomics.load(control, CONTROL_MESSAGES)) {
        await new Promise((res) => setTimeout(res, 0));
      }
      for (const m of inbox.splice(0)) {
        inboxSeen++;
        if (m.type === "reload") {
          if (engine.reload) engine.reload(m.engineConfig, clock());
          else log.message("warning", "This engine cannot reload its configuration");
        }
      }
    }
    if (cmd & CMD_DUMP) {
      const text = formatDump(engine.dump(), loop.stats);
      for (const line of text.split("\n")) log.message("notice", line);
      post({ type: "dump", text });
    }
    if (cmd & CMD_STOP) break;
  }

  warmUp.close();
  const now = clock();
  engine.stop(now);
  loop.closeAll();
  tun?.close();
  for (const u of udp) u.close();
  for (const l of r.listeners) closeFd(l);
  post({ type: "stopped", stats: { ...loop.stats } });
  sink.close();
}
