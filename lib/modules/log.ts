/**
 * `logfile { filename; prefix; class }` and `syslog { ident; facility }` → LOG
 * (secnet log.c). Neither opens anything during evaluation.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import { dictReadString, stringListToWord, stringToWord } from "../conf/read.ts";
import { closureList } from "./common.ts";
import { LOG_CLASSES, type LogClass, type LogfileSpec, type SyslogSpec } from "./specs.ts";

/** message_class_table. */
export const MESSAGE_CLASS_TABLE: ReadonlyArray<readonly [string, number]> = [
  ["debug-config", 0x001],
  ["debug-phase", 0x002],
  ["debug", 0x004],
  ["all-debug", 0x007],
  ["info", 0x008],
  ["notice", 0x010],
  ["warning", 0x020],
  ["error", 0x040],
  ["security", 0x080],
  ["fatal", 0x100],
  ["default", 0x020 | 0x040 | 0x080 | 0x100],
  ["verbose", 0x008 | 0x010 | 0x020 | 0x040 | 0x080 | 0x100],
  ["quiet", 0x100],
];

export function classesOf(mask: number): LogClass[] {
  return LOG_CLASSES.filter((_, i) => mask & (1 << i));
}

export const SYSLOG_FACILITIES = [
  "auth",
  "authpriv",
  "cron",
  "daemon",
  "kern",
  "local0",
  "local1",
  "local2",
  "local3",
  "local4",
  "local5",
  "local6",
  "local7",
  "lpr",
  "mail",
  "news",
  "syslog",
  "user",
  "uucp",
] as const;

const SYSLOG_FACILITY_TABLE: ReadonlyArray<readonly [string, number]> = SYSLOG_FACILITIES.map((
  n,
  i,
) => [n, i] as const);

export function registerLog(root: Dict): void {
  defineClosure(root, "logfile", (_self, loc, _context, args) => {
    const item = args[0];
    if (!item || item.type !== "dict") cfgfatal(loc, "logfile", "argument must be a dictionary");
    const d = item.value;
    const o = { required: false, loc, facility: "logfile" };
    const filename = dictReadString(d, "filename", o) ?? null;
    const prefix = dictReadString(d, "prefix", o) ?? "";
    const mask = stringListToWord(d.lookup("class") ?? [], MESSAGE_CLASS_TABLE, "logfile");
    const spec: LogfileSpec = { type: "logfile", filename, prefix, classes: classesOf(mask) };
    return closureList("LOG", "logfile", spec);
  });

  defineClosure(root, "syslog", (_self, loc, _context, args) => {
    const item = args[0];
    if (!item || item.type !== "dict") cfgfatal(loc, "syslog", "parameter must be a dictionary");
    const d = item.value;
    const ident = dictReadString(d, "ident", { required: false, loc, facility: "syslog" }) ??
      null;
    const facility = dictReadString(d, "facility", { required: true, loc, facility: "syslog" })!;
    stringToWord(facility, loc, SYSLOG_FACILITY_TABLE, "syslog");
    const spec: SyslogSpec = { type: "syslog", ident, facility };
    return closureList("LOG", "syslog", spec);
  });
}
