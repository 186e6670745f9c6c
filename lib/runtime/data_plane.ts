/**
 * The main thread's handle on the data-plane Worker: starts it with the descriptors and
 * config, pokes it through the control SharedArrayBuffer + eventfd, and waits for it to stop.
 *
 * V8 flags. The launchers (`tincture`, `deno task compile`, bench/tincture-up.sh) start Deno with
 * `--v8-flags=--invocation-count-for-turbofan=100,--invocation-count-for-maglev=30,
 * --minimum-invocations-after-ic-update=20`. With V8's defaults (3000 / 400 / 500) the packet
 * path at light traffic (100 pings/s) was still in Sparkplug/Maglev code after 20 s, where every
 * FFI call takes the slow path: ~3× the CPU per wake-up. Measured (two nodes in namespaces,
 * ping -i 0.01, pings 200-500): p50 0.69 ms without the flags, 0.375 ms with them, tincd 0.364;
 * the first ~2 s of traffic still ran colder code while the path compiled, which the Worker's
 * start-up warm-up (warm_up.ts) now does before real packets need it. Flags are process-wide
 * and Deno cannot set them from inside (node:v8's setFlagsFromString is a no-op), hence the
 * launchers; DENO_V8_FLAGS works too.
 *
 * @module
 */
import { check, closeFd, libc } from "../../ffi/libc.ts";
import { EFD_CLOEXEC, EFD_NONBLOCK } from "../../ffi/linux_constants.ts";
import {
  CMD_DUMP,
  CMD_MESSAGE,
  CMD_REOPEN_LOGS,
  CMD_STOP,
  CONTROL_COMMANDS,
  CONTROL_MESSAGES,
  CONTROL_SLOTS,
  type WorkerReply,
  type WorkerResources,
  type WorkerStart,
} from "./worker_protocol.ts";
import type { LogTarget } from "../log/log.ts";
import type { LoopLimits } from "./event_loop.ts";

export interface DataPlaneOptions {
  readonly engineModule?: string;
  readonly engineConfig: unknown;
  readonly resources: Omit<WorkerResources, "wakeFd">;
  readonly logs: readonly LogTarget[];
  readonly limits?: Partial<LoopLimits>;
  /** Called with each dump the Worker produces. */
  readonly onDump?: (text: string) => void;
}

const ONE = new BigUint64Array([1n]);
const ONE_BYTES = new Uint8Array(ONE.buffer);

export class DataPlane {
  readonly #worker: Worker;
  readonly #control = new Int32Array(new SharedArrayBuffer(4 * CONTROL_SLOTS));
  readonly wakeFd: number;
  /** Resolves with the Worker's counters once it has stopped. */
  readonly stopped: Promise<Record<string, number>>;
  /** Resolves with the UDP port once the engine runs; rejects if start-up failed. */
  readonly started: Promise<number>;
  #stopped = false;

  constructor(opts: DataPlaneOptions) {
    this.wakeFd = check(libc().eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC), "eventfd");
    this.#worker = new Worker(new URL("./data_plane_worker.ts", import.meta.url), {
      type: "module",
    });
    let startedOk: (port: number) => void, startedErr: (e: Error) => void;
    let stoppedOk: (s: Record<string, number>) => void, stoppedErr: (e: Error) => void;
    this.started = new Promise((res, rej) => ((startedOk = res), (startedErr = rej)));
    this.stopped = new Promise((res, rej) => ((stoppedOk = res), (stoppedErr = rej)));
    // Whoever awaits only one of them must not see an unhandled rejection from the other.
    this.started.catch(() => {});
    this.stopped.catch(() => {});
    this.#worker.onmessage = (ev: MessageEvent<WorkerReply>) => {
      const m = ev.data;
      switch (m.type) {
        case "started":
          startedOk(m.port);
          break;
        case "dump":
          opts.onDump?.(m.text);
          break;
        case "stopped":
          this.#finish();
          stoppedOk(m.stats);
          break;
        case "error": {
          const e = new Error(`data plane failed: ${m.message}`);
          startedErr(e);
          this.#finish();
          stoppedErr(e);
          break;
        }
      }
    };
    this.#worker.onerror = (ev) => {
      ev.preventDefault();
      const e = new Error(`data plane crashed: ${ev.message}`);
      startedErr(e);
      this.#finish();
      stoppedErr(e);
    };
    const start: WorkerStart = {
      type: "start",
      engineModule: opts.engineModule ?? new URL("./engine_factory.ts", import.meta.url).href,
      engineConfig: opts.engineConfig,
      resources: { ...opts.resources, wakeFd: this.wakeFd },
      control: this.#control.buffer as SharedArrayBuffer,
      logs: opts.logs,
      limits: opts.limits,
    };
    this.#worker.postMessage(start);
  }

  /** Sets command bits and wakes the Worker. */
  command(bits: number): void {
    if (this.#stopped) return;
    Atomics.or(this.#control, CONTROL_COMMANDS, bits);
    libc().write(this.wakeFd, ONE_BYTES, 8n);
  }

  reopenLogs(): void {
    this.command(CMD_REOPEN_LOGS);
  }

  dump(): void {
    this.command(CMD_DUMP);
  }

  /** Hands the Worker a new engine config (applied if the engine supports reload). */
  reload(engineConfig: unknown): void {
    if (this.#stopped) return;
    Atomics.add(this.#control, CONTROL_MESSAGES, 1);
    this.#worker.postMessage({ type: "reload", engineConfig });
    this.command(CMD_MESSAGE);
  }

  /** Asks the engine to stop (it says goodbye to peers) and waits for it. */
  async stop(): Promise<Record<string, number>> {
    this.command(CMD_STOP);
    return await this.stopped;
  }

  #finish(): void {
    if (this.#stopped) return;
    this.#stopped = true;
    this.#worker.terminate();
    closeFd(this.wakeFd);
  }
}
