/**
 * secnet `syslog` closure: libc openlog/syslog through FFI (~28 µs a message, no Deno
 * permission beyond FFI, works after dropping privileges because /dev/log stays open with
 * LOG_NDELAY). Also the factory that turns LogTargets into sinks.
 *
 * @module
 */
import { cString, libc } from "../../ffi/libc.ts";
import {
  LOG_DEBUG,
  LOG_ERR,
  LOG_INFO,
  LOG_NDELAY,
  LOG_NOTICE,
  LOG_PID,
  LOG_WARNING,
  SYSLOG_FACILITIES,
} from "../../ffi/linux_constants.ts";
import {
  classMask,
  FileSink,
  type LogClass,
  type LogSink,
  type LogTarget,
  MultiSink,
  StderrSink,
} from "./log.ts";

const PRIORITY: Readonly<Record<LogClass, number>> = {
  "debug-config": LOG_DEBUG,
  "debug-phase": LOG_DEBUG,
  "debug": LOG_DEBUG,
  "info": LOG_INFO,
  "notice": LOG_NOTICE,
  "warning": LOG_WARNING,
  "error": LOG_ERR,
  "security": 2, // LOG_CRIT, as secnet maps M_SECURITY
  "fatal": 2,
};

// openlog keeps the ident pointer: these must outlive every syslog call.
let identBuf: Uint8Array<ArrayBuffer> | null = null;
const FORMAT = cString("%s");

/**
 * Logs through the system logger. secnet passes every class to syslog; we pass `classes`
 * (default verbose = info and up) so that debug formatting is skipped unless asked for.
 */
export class SyslogSink implements LogSink {
  readonly mask: number;
  readonly facility: number;

  constructor(facilityName: string, ident = "secnet", classes: readonly string[] = ["verbose"]) {
    const f = SYSLOG_FACILITIES[facilityName];
    if (f === undefined) throw new Error(`Unknown syslog facility "${facilityName}"`);
    this.facility = f;
    this.mask = classMask(classes);
    identBuf = cString(ident);
    libc().openlog(identBuf, LOG_PID | LOG_NDELAY, f);
  }

  write(cls: LogClass, message: string): void {
    libc().syslog(this.facility | PRIORITY[cls], FORMAT, cString(message));
  }

  reopen(): void {}

  close(): void {
    libc().closelog();
  }
}

/** Builds the sink for a list of log targets (several become a MultiSink). */
export function createSink(targets: readonly LogTarget[]): LogSink {
  const sinks: LogSink[] = targets.map((t) => {
    switch (t.kind) {
      case "logfile":
        return new FileSink(t.filename, t.classes, t.prefix ?? "");
      case "syslog":
        return new SyslogSink(t.facility, t.ident, t.classes);
      case "stderr":
        return new StderrSink(t.classes, t.prefix ?? "");
    }
  });
  return sinks.length === 1 ? sinks[0]! : new MultiSink(sinks);
}
