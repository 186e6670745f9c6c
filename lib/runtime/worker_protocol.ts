/**
 * What the daemon's main thread and the data-plane Worker say to each other.
 *
 * The Worker spends its life blocked in a synchronous poll(), where postMessage cannot reach
 * it. So the main thread sets command bits in a SharedArrayBuffer and writes to an eventfd the
 * Worker polls; bulkier requests (a new config) go by postMessage with the MESSAGE bit set,
 * and the Worker then yields to its event loop to receive them.
 *
 * @module
 */
import type { LogTarget } from "../log/log.ts";
import type { LoopLimits } from "./event_loop.ts";
import type { TunKind } from "../../ffi/tun_linux.ts";

/** Command bits in control[CONTROL_COMMANDS]. */
export const CMD_STOP = 1;
export const CMD_REOPEN_LOGS = 2;
export const CMD_DUMP = 4;
export const CMD_MESSAGE = 8;

/** Int32 slots of the control SharedArrayBuffer. */
export const CONTROL_COMMANDS = 0;
/** Count of postMessages the main thread sent with CMD_MESSAGE (the Worker waits for them). */
export const CONTROL_MESSAGES = 1;
export const CONTROL_SLOTS = 4;

/** Descriptors the main thread opened (as root) and hands over. */
export interface WorkerResources {
  readonly tun: { readonly fd: number; readonly name: string; readonly kind: TunKind } | null;
  readonly udp: readonly { readonly fd: number; readonly family: 4 | 6 }[];
  readonly listeners: readonly number[];
  readonly wakeFd: number;
}

export interface WorkerStart {
  readonly type: "start";
  /**
   * URL of a module exporting `createEngine(config, deps)` (engine_factory.ts by default;
   * tests pass fakes).
   */
  readonly engineModule: string;
  /** Passed to createEngine untouched (an EngineConfig for the real engine). */
  readonly engineConfig: unknown;
  readonly resources: WorkerResources;
  readonly control: SharedArrayBuffer;
  readonly logs: readonly LogTarget[];
  readonly limits?: Partial<LoopLimits>;
}

/** Extra postMessage requests (sent with CMD_MESSAGE). */
export type WorkerRequest = WorkerStart | {
  readonly type: "reload";
  readonly engineConfig: unknown;
};

export type WorkerReply =
  | { readonly type: "started"; readonly port: number }
  | { readonly type: "dump"; readonly text: string }
  | { readonly type: "stopped"; readonly stats: Record<string, number> }
  | { readonly type: "error"; readonly message: string };
