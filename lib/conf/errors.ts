/**
 * Configuration errors and diagnostics, with secnet's exit statuses.
 *
 * secnet has three kinds of fatal error while reading a config, and tincture keeps them
 * apart because they exit differently:
 *  - lexer/parser errors (`config file F line N: ...`): exit 2, or 1 for a too-big number;
 *  - `fatal(...)` (duplicate key, include problems, readfile): exit 2 while reading, 3 in
 *    setup;
 *  - `cfgfatal(loc, facility, ...)` (`config error (facility, F:L): ...`): always exit 8.
 * Some cfgfatal messages are never printed by 0.6.7 (no trailing newline); those are marked
 * `silent` so tests can tell, but tincture still prints them: people deserve the reason.
 *
 * Rendering (`renderDiagnostic`) is `FILE:LINE: FACILITY error: MESSAGE`.
 *
 * @module
 */

import { hasLoc, type Loc } from "./loc.ts";

/** secnet's phase numbers, used as its exit statuses. */
export const EXIT_GETOPTS = 1;
export const EXIT_READCONFIG = 2;
export const EXIT_SETUP = 3;
export const EXIT_CFGFATAL = 8;

export type ConfigErrorKind =
  /** bison: `syntax error` and friends. */
  | "syntax"
  /** flex: number too big (exit 1). */
  | "lexer"
  /** `fatal()`: no facility, maybe a location. */
  | "fatal"
  /** `cfgfatal()`: facility plus location. */
  | "config";

export interface ConfigErrorOptions {
  readonly kind?: ConfigErrorKind;
  /** Process exit status secnet would use. Default by kind: config 8, lexer 1, else 2. */
  readonly exitCode?: number;
  /** secnet 0.6.7 never prints this message (no trailing newline in its format). */
  readonly silent?: boolean;
  /** Extra errors found along with this one (further syntax errors). */
  readonly more?: readonly ConfigError[];
}

/** A fatal configuration problem. Thrown by evaluation and closures; caught by main.ts. */
export class ConfigError extends Error {
  readonly loc: Loc | undefined;
  readonly facility: string;
  readonly kind: ConfigErrorKind;
  readonly exitCode: number;
  readonly silent: boolean;
  readonly more: readonly ConfigError[];
  constructor(
    loc: Loc | undefined,
    facility: string,
    message: string,
    opts: ConfigErrorOptions = {},
  ) {
    super(message);
    this.name = "ConfigError";
    this.loc = hasLoc(loc) ? loc : undefined;
    this.facility = facility;
    this.kind = opts.kind ?? "config";
    this.exitCode = opts.exitCode ??
      (this.kind === "config"
        ? EXIT_CFGFATAL
        : this.kind === "lexer"
        ? EXIT_GETOPTS
        : EXIT_READCONFIG);
    this.silent = opts.silent ?? false;
    this.more = opts.more ?? [];
  }
}

/**
 * secnet's cfgfatal(): `config error (FACILITY, FILE:LINE): MESSAGE`, exit 8.
 * Pass `silent: true` for the messages 0.6.7 loses (format without a trailing newline).
 */
export function cfgfatal(
  loc: Loc | undefined,
  facility: string,
  message: string,
  opts: { silent?: boolean } = {},
): never {
  throw new ConfigError(loc, facility, message, { kind: "config", silent: opts.silent });
}

/** secnet's fatal(): `secnet fatal error: MESSAGE`. Exit 2 while reading the config. */
export function fatal(
  message: string,
  opts: { loc?: Loc; facility?: string; exitCode?: number } = {},
): never {
  throw new ConfigError(opts.loc, opts.facility ?? "secnet", message, {
    kind: "fatal",
    exitCode: opts.exitCode ?? EXIT_READCONFIG,
  });
}

/** A non-fatal message produced while reading the config (warnings, notes). */
export interface Diagnostic {
  readonly level: "error" | "warning" | "notice" | "info" | "debug";
  readonly loc?: Loc;
  readonly facility: string;
  readonly message: string;
}

/** `FILE:LINE: FACILITY error: MESSAGE` (no `FILE:LINE: ` without a location). */
export function renderError(e: ConfigError): string {
  const where = e.loc ? `${e.loc.file}:${e.loc.line}: ` : "";
  const what = e.kind === "syntax" ? "syntax error" : `${e.facility} error`;
  return `${where}${what}: ${e.message}`;
}

/** `FILE:LINE: FACILITY LEVEL: MESSAGE`. */
export function renderDiagnostic(d: Diagnostic): string {
  const where = hasLoc(d.loc) ? `${d.loc.file}:${d.loc.line}: ` : "";
  return `${where}${d.facility} ${d.level}: ${d.message}`;
}

/** JSON form for `--json`. */
export function errorToJson(e: ConfigError): Record<string, unknown> {
  return {
    level: "fatal",
    kind: e.kind,
    file: e.loc?.file ?? null,
    line: e.loc?.line ?? null,
    facility: e.facility,
    message: e.message,
    exit: e.exitCode,
    silentInSecnet: e.silent,
  };
}
