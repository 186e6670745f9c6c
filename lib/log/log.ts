/**
 * secnet-style logging for the daemon: message classes (debug-config ... fatal), `logfile` and
 * `syslog` sinks that can be reopened on SIGHUP, and an adapter to the engine's Logger
 * (error/warning/notice/info/debug × tinc debug categories).
 *
 * Every sink writes synchronously (the data-plane Worker has no spare event loop turns) and
 * both threads may hold sinks for the same file: O_APPEND keeps lines whole.
 *
 * @module
 */
import type { LogCategory, Logger, LogLevel } from "../tinc/types.ts";

// secnet's message classes (log.c order) are defined once, with the config specs.
export { LOG_CLASSES, type LogClass } from "../modules/specs.ts";
import type { LogClass } from "../modules/specs.ts";

const BIT: Readonly<Record<LogClass, number>> = {
  "debug-config": 1 << 0,
  "debug-phase": 1 << 1,
  "debug": 1 << 2,
  "info": 1 << 3,
  "notice": 1 << 4,
  "warning": 1 << 5,
  "error": 1 << 6,
  "security": 1 << 7,
  "fatal": 1 << 8,
};
/** Extra bit: tinc's meta/traffic/packet debug categories (secnet has no such class). */
export const ALL_DEBUG_BIT = 1 << 9;

/** The bit of one class. */
export function classBit(c: LogClass): number {
  return BIT[c];
}

/**
 * A class mask from secnet class names, including the aliases (default, verbose, quiet,
 * all-debug). Unknown names throw.
 */
export function classMask(names: readonly string[]): number {
  let m = 0;
  for (const n of names) {
    switch (n) {
      case "default":
        m |= BIT.warning | BIT.error | BIT.security | BIT.fatal;
        break;
      case "verbose":
        m |= BIT.info | BIT.notice | BIT.warning | BIT.error | BIT.security | BIT.fatal;
        break;
      case "quiet":
        m |= BIT.fatal;
        break;
      case "all-debug":
        m |= BIT["debug-config"] | BIT["debug-phase"] | BIT.debug | ALL_DEBUG_BIT;
        break;
      default:
        if (!(n in BIT)) throw new Error(`Unknown log class "${n}"`);
        m |= BIT[n as LogClass];
    }
  }
  return m;
}

/** Where messages go. */
export interface LogSink {
  /** Classes this sink writes (a classMask). */
  readonly mask: number;
  write(cls: LogClass, message: string): void;
  /** Reopens files (SIGHUP, after logrotate). */
  reopen(): void;
  close(): void;
}

/** How to build a sink: plain data, so it can be posted to the Worker. */
export type LogTarget =
  | {
    readonly kind: "logfile";
    readonly filename: string;
    readonly prefix?: string;
    readonly classes: readonly string[];
  }
  | {
    readonly kind: "syslog";
    readonly ident?: string;
    readonly facility: string;
    readonly classes?: readonly string[];
  }
  | { readonly kind: "stderr"; readonly prefix?: string; readonly classes: readonly string[] };

const MONTHS = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
const pad2 = (n: number) => (n < 10 ? "0" : "") + n;

/** `Mmm dd hh:mm:ss` in local time, day space-padded (secnet's log timestamp). */
export function timestamp(d: Date): string {
  const day = d.getDate();
  return `${MONTHS[d.getMonth()]} ${day < 10 ? " " : ""}${day} ${pad2(d.getHours())}:${
    pad2(d.getMinutes())
  }:${pad2(d.getSeconds())}`;
}

const encoder = new TextEncoder();

/** secnet `logfile`: timestamped lines appended to a file, reopened on SIGHUP. */
export class FileSink implements LogSink {
  #file: Deno.FsFile | null = null;
  readonly mask: number;

  constructor(
    readonly filename: string,
    classes: readonly string[],
    readonly prefix = "",
    private readonly clock: () => Date = () => new Date(),
  ) {
    this.mask = classMask(classes);
    this.#file = this.#open();
  }

  #open(): Deno.FsFile {
    return Deno.openSync(this.filename, { append: true, create: true, mode: 0o640 });
  }

  write(_cls: LogClass, message: string): void {
    if (this.#file === null) return;
    const line = `${timestamp(this.clock())} ${this.prefix ? this.prefix + " " : ""}${message}\n`;
    const bytes = encoder.encode(line);
    try {
      let done = 0;
      while (done < bytes.length) done += this.#file.writeSync(bytes.subarray(done));
    } catch {
      // A full disk must not take the VPN down.
    }
  }

  /** Reopens the file; if that fails (e.g. after dropping root) keeps writing to the old one. */
  reopen(): void {
    let next: Deno.FsFile;
    try {
      next = this.#open();
    } catch (e) {
      this.write("error", `Cannot reopen log file "${this.filename}": ${(e as Error).message}`);
      return;
    }
    this.#file?.close();
    this.#file = next;
  }

  close(): void {
    this.#file?.close();
    this.#file = null;
  }
}

/** Writes lines to stderr (foreground runs, -j, tests). */
export class StderrSink implements LogSink {
  readonly mask: number;
  constructor(classes: readonly string[], readonly prefix = "", readonly timestamps = true) {
    this.mask = classMask(classes);
  }
  write(_cls: LogClass, message: string): void {
    const ts = this.timestamps ? timestamp(new Date()) + " " : "";
    const line = `${ts}${this.prefix ? this.prefix + " " : ""}${message}\n`;
    try {
      Deno.stderr.writeSync(encoder.encode(line));
    } catch {
      // stderr closed (detached): nowhere to complain.
    }
  }
  reopen(): void {}
  close(): void {}
}

/** Fans one message out to several sinks. */
export class MultiSink implements LogSink {
  readonly mask: number;
  constructor(readonly sinks: readonly LogSink[]) {
    this.mask = sinks.reduce((m, s) => m | s.mask, 0);
  }
  write(cls: LogClass, message: string): void {
    const bit = BIT[cls];
    for (const s of this.sinks) if (s.mask & bit) s.write(cls, message);
  }
  reopen(): void {
    for (const s of this.sinks) s.reopen();
  }
  close(): void {
    for (const s of this.sinks) s.close();
  }
}

const LEVEL_CLASS: Readonly<Record<LogLevel, LogClass>> = {
  error: "error",
  warning: "warning",
  notice: "notice",
  info: "info",
  debug: "debug",
};

/** tinc categories that need all-debug (meta/traffic/packet are per-packet chatter). */
const NOISY: ReadonlySet<LogCategory> = new Set(["meta", "traffic", "packet"]);

/** The engine's Logger on top of a sink: filtering happens before any formatting. */
export class SinkLogger implements Logger {
  constructor(public sink: LogSink) {}

  enabled(level: LogLevel, category: LogCategory): boolean {
    const m = this.sink.mask;
    if (!(m & BIT[LEVEL_CLASS[level]])) return false;
    return level !== "debug" || !NOISY.has(category) || (m & ALL_DEBUG_BIT) !== 0;
  }

  log(level: LogLevel, category: LogCategory, message: string): void {
    if (this.enabled(level, category)) this.sink.write(LEVEL_CLASS[level], message);
  }

  /** A message in one of secnet's classes (security, fatal, debug-phase ...). */
  message(cls: LogClass, message: string): void {
    if (this.sink.mask & BIT[cls]) this.sink.write(cls, message);
  }
}
