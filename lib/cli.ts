/**
 * tincture's command line, secnet 0.6.7's options (getopt "vwdnjc:ft:s:m" plus long ones)
 * parsed with node:util parseArgs, and the config check that `-j` stops after.
 *
 * `runCli(argv, io)` does everything but exit; main.ts supplies real I/O (`denoCliIO`).
 * Exit statuses are secnet's: 0 good, 1 bad option or number literal too big, 2 problems
 * while reading/evaluating, 3 setup (system dictionary, log, userid), 8 config errors.
 *
 * @module
 */

import { checkMeshConfig } from "./runtime/mesh_config.ts";
import { parseArgs } from "node:util";
import type { Dict } from "./conf/dict.ts";
import {
  ConfigError,
  type Diagnostic,
  errorToJson,
  EXIT_GETOPTS,
  EXIT_READCONFIG,
  renderDiagnostic,
  renderError,
} from "./conf/errors.ts";
import { evaluateConfig } from "./conf/evaluate.ts";
import { type ConfHost, ConfHostError, type HostUser } from "./conf/host.ts";
import { runSetup, type SetupResult } from "./conf/setup.ts";

export const VERSION = "tincture 0.1.0 (secnet 0.6.7 configuration, tinc 1.0 protocol 17)";

/** secnet's message classes (log.c M_*), as used for the command-line filter. */
export type MessageClass = "debug" | "info" | "notice" | "warning" | "error" | "fatal";

export interface CliOptions {
  /** -c/--config (default /etc/secnet/secnet.conf; `-` = stdin). */
  readonly config: string;
  /** -j/--just-check-config */
  readonly justCheck: boolean;
  /** -s/--sites-key (default "sites"). */
  readonly sitesKey: string;
  /** Which message classes reach stderr before the configured log takes over. */
  readonly levels: ReadonlySet<MessageClass>;
  /** -n/--nodetach */
  readonly nodetach: boolean;
  /** -m/--managed */
  readonly managed: boolean;
  /** --json: diagnostics as one JSON object on stdout. */
  readonly json: boolean;
  /** --extensions: bind the README names secnet lacks (on, off, randomsrc). */
  readonly extensions: boolean;
}

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
  readStdin(): Uint8Array;
  readonly host: ConfHost;
}

const USAGE = `Usage: tincture [OPTION]...

  -f, --silent, --quiet   suppress error messages
  -w, --nowarnings        suppress warnings
  -v, --verbose           output extra diagnostics
  -c, --config=filename   specify a configuration file
  -j, --just-check-config stop after reading configuration file
  -s, --sites-key=name    configuration key that specifies active sites
  -n, --nodetach          do not run in background
  -m, --managed           running under a supervisor
  -d, --debug             output debug messages
      --json              report diagnostics as JSON on stdout
      --extensions        also accept the README's names on, off and randomsrc
      --demo [--keep] [--memory] [--tincd NODE]
                          run the three-node demo mesh from examples/ (namespaces and
                          TUN devices as root, else in memory)
      --help              display this help and exit
      --version           output version information and exit
`;

const OPTIONS = {
  verbose: { type: "boolean", short: "v", multiple: true },
  nowarnings: { type: "boolean", short: "w", multiple: true },
  debug: { type: "boolean", short: "d", multiple: true },
  nodetach: { type: "boolean", short: "n", multiple: true },
  "just-check-config": { type: "boolean", short: "j", multiple: true },
  config: { type: "string", short: "c", multiple: true },
  silent: { type: "boolean", short: "f", multiple: true },
  quiet: { type: "boolean", multiple: true },
  t: { type: "string", short: "t", multiple: true },
  "sites-key": { type: "string", short: "s", multiple: true },
  managed: { type: "boolean", short: "m", multiple: true },
  help: { type: "boolean", multiple: true },
  version: { type: "boolean", multiple: true },
  json: { type: "boolean", multiple: true },
  extensions: { type: "boolean", multiple: true },
  demo: { type: "boolean", multiple: true },
} as const;

const LONG_NAMES = Object.entries(OPTIONS)
  .filter(([n]) => n.length > 1)
  .map(([n]) => n);

const TAKES_VALUE = new Set(
  Object.entries(OPTIONS).filter(([, o]) => o.type === "string").flatMap(([n, o]) =>
    "short" in o ? [n, o.short] : [n]
  ),
);

/**
 * Rewrites argv so parseArgs sees what getopt_long would: any unambiguous prefix of a long
 * option works (`--just`, `--conf=x`), and an option that takes a value takes the next word
 * even when it starts with `-` (`-c -j` sets the config file to "-j").
 */
function getoptStyle(argv: readonly string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === "--") {
      out.push(...argv.slice(i));
      break;
    }
    if (a.startsWith("--")) {
      const eq = a.indexOf("=");
      const name = a.slice(2, eq < 0 ? undefined : eq);
      const matches = LONG_NAMES.includes(name)
        ? [name]
        : LONG_NAMES.filter((n) => n.startsWith(name));
      // any other ambiguity stays an error, reported by parseArgs
      const full = matches.length === 1 ? matches[0]! : name;
      if (eq < 0 && TAKES_VALUE.has(full) && i + 1 < argv.length) {
        out.push(`--${full}=${argv[++i]}`);
      } else out.push(`--${full}${eq < 0 ? "" : a.slice(eq)}`);
      continue;
    }
    if (a.startsWith("-") && a.length > 1) {
      // a short group: the first option taking a value takes the rest, or the next word
      for (let j = 1; j < a.length; j++) {
        if (TAKES_VALUE.has(a[j]!)) {
          if (j === a.length - 1 && i + 1 < argv.length) {
            out.push(a + argv[++i]);
          } else out.push(a);
          break;
        }
        if (j === a.length - 1) out.push(a);
      }
      continue;
    }
    out.push(a);
  }
  return out;
}

export type ParsedCli =
  | { readonly kind: "run"; readonly options: CliOptions; readonly notes: readonly string[] }
  | {
    readonly kind: "exit";
    readonly code: number;
    readonly stdout?: string;
    readonly stderr?: string;
  }
  | { readonly kind: "demo"; readonly argv: readonly string[] };

const DEFAULT_LEVELS: MessageClass[] = ["warning", "error", "fatal"];

/** Parses the command line the way secnet's parse_options does (effects in order). */
export function parseCli(argv: readonly string[]): ParsedCli {
  // The demo has options of its own (--keep, --memory, --tincd NODE): hand them all over.
  if (argv.includes("--demo")) return { kind: "demo", argv: argv.filter((a) => a !== "--demo") };
  let parsed;
  try {
    parsed = parseArgs({
      args: getoptStyle(argv),
      options: OPTIONS,
      strict: true,
      allowPositionals: true,
      tokens: true,
    });
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e);
    return {
      kind: "exit",
      code: EXIT_GETOPTS,
      stderr: `tincture: ${msg}\nTry 'tincture --help' for more information.\n`,
    };
  }

  const levels = new Set<MessageClass>(DEFAULT_LEVELS);
  const notes: string[] = [];
  let config = "/etc/secnet/secnet.conf", sitesKey = "sites";
  let justCheck = false, nodetach = false, managed = false, json = false, extensions = false;
  for (const t of parsed.tokens ?? []) {
    if (t.kind !== "option") continue;
    switch (t.name) {
      case "help":
        return { kind: "exit", code: 0, stdout: USAGE };
      case "version":
        return { kind: "exit", code: 0, stdout: VERSION + "\n" };
      case "debug":
        levels.add("debug");
        // falls through: -d also does what -v does
      case "verbose":
        for (const l of ["info", "notice", "warning", "error", "fatal"] as const) levels.add(l);
        break;
      case "nowarnings":
        levels.delete("warning");
        break;
      case "silent":
      case "quiet":
        levels.clear();
        levels.add("fatal");
        break;
      case "nodetach":
        nodetach = true;
        break;
      case "managed":
        managed = true;
        break;
      case "config":
        config = t.value ?? config;
        break;
      case "just-check-config":
        justCheck = true;
        break;
      case "sites-key":
        sitesKey = t.value ?? sitesKey;
        break;
      case "t":
        // In secnet's getopt string but never handled.
        notes.push("tincture: option -t is accepted for compatibility and ignored");
        break;
      case "json":
        json = true;
        break;
      case "extensions":
        extensions = true;
        break;
    }
  }
  if (parsed.positionals.length > 0) {
    notes.push("tincture: You gave extra command line parameters, which were ignored.");
  }
  return {
    kind: "run",
    options: { config, justCheck, sitesKey, levels, nodetach, managed, json, extensions },
    notes,
  };
}

export interface CheckedConfig {
  readonly root: Dict;
  readonly setup: SetupResult;
  readonly diagnostics: readonly Diagnostic[];
}

export type CheckOutcome =
  | { readonly ok: true; readonly config: CheckedConfig }
  | {
    readonly ok: false;
    readonly error: ConfigError;
    readonly diagnostics: readonly Diagnostic[];
  };

/** Reads, evaluates and setup-checks the configuration: everything `-j` does. */
export function checkConfig(options: CliOptions, io: CliIO): CheckOutcome {
  const diagnostics: Diagnostic[] = [];
  try {
    const text = readMainConfig(options.config, io);
    const { root } = evaluateConfig(text, {
      file: options.config,
      host: io.host,
      justCheck: options.justCheck,
      extensions: options.extensions,
      diagnostics,
    });
    const setup = runSetup(root, { sitesKey: options.sitesKey });
    // secnet accepts configs tinc cannot run (names like "a/b", ...): -j keeps secnet's
    // verdict and warns; the daemon refuses them at start with the same message.
    const mesh = checkMeshConfig(root, { sitesKey: options.sitesKey });
    if (!mesh.ok) {
      const e = mesh.error;
      diagnostics.push({
        level: "warning",
        ...(e.loc ? { loc: e.loc } : {}),
        facility: e.facility,
        message: `tincture cannot run this as a tinc node: ${e.message}`,
      });
    }
    return { ok: true, config: { root, setup, diagnostics } };
  } catch (e) {
    return { ok: false, error: asConfigError(e), diagnostics };
  }
}

function readMainConfig(file: string, io: CliIO): Uint8Array {
  try {
    return file === "-" ? io.readStdin() : io.host.readFile(file);
  } catch (e) {
    if (e instanceof ConfHostError) {
      if (e.code === "EISDIR") {
        throw new ConfigError(
          undefined,
          "secnet",
          `Error reading configuration file (${file}): ${e.reason}`,
          { kind: "fatal", exitCode: EXIT_READCONFIG },
        );
      }
      throw new ConfigError(
        undefined,
        "secnet",
        `Cannot open configuration file "${file}": ${e.reason}`,
        { kind: "fatal", exitCode: EXIT_READCONFIG },
      );
    }
    throw e;
  }
}

/** Anything thrown while checking becomes a ConfigError: bad input never shows a stack. */
export function asConfigError(e: unknown): ConfigError {
  if (e instanceof ConfigError) return e;
  if (e instanceof RangeError && /call stack/i.test(e.message)) {
    return new ConfigError(
      undefined,
      "conffile",
      "configuration nested too deeply to evaluate",
      { kind: "fatal", exitCode: EXIT_READCONFIG },
    );
  }
  if (e instanceof ConfHostError) {
    return new ConfigError(undefined, "secnet", e.message, {
      kind: "fatal",
      exitCode: EXIT_READCONFIG,
    });
  }
  const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
  return new ConfigError(undefined, "tincture", `internal error: ${msg}`, {
    kind: "fatal",
    exitCode: 70,
  });
}

function shown(d: Diagnostic, levels: ReadonlySet<MessageClass>): boolean {
  return levels.has(d.level as MessageClass);
}

/** Runs the command line. Returns the exit status (the daemon's, when not -j). */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  const p = parseCli(argv);
  if (p.kind === "exit") {
    if (p.stdout) io.stdout(p.stdout);
    if (p.stderr) io.stderr(p.stderr);
    return p.code;
  }
  if (p.kind === "demo") {
    const { runDemo } = await import("./runtime/demo.ts");
    return await runDemo([...p.argv]);
  }
  const { options, notes } = p;
  if (!options.json && options.levels.has("error")) { for (const n of notes) io.stderr(n + "\n"); }

  const outcome = checkConfig(options, io);
  const diagnostics = outcome.ok ? outcome.config.diagnostics : outcome.diagnostics;
  if (options.json) {
    io.stdout(
      JSON.stringify({
        ok: outcome.ok,
        exit: outcome.ok ? 0 : outcome.error.exitCode,
        errors: outcome.ok ? [] : [outcome.error, ...outcome.error.more].map(errorToJson),
        diagnostics: diagnostics.map((d) => ({
          level: d.level,
          file: d.loc?.file ?? null,
          line: d.loc?.line ?? null,
          facility: d.facility,
          message: d.message,
        })),
        notes,
      }) + "\n",
    );
  } else {
    for (const d of diagnostics) {
      if (shown(d, options.levels)) io.stderr(renderDiagnostic(d) + "\n");
    }
    if (!outcome.ok) {
      // Fatal errors are always shown (secnet's -f keeps M_FATAL).
      for (const e of [outcome.error, ...outcome.error.more]) io.stderr(renderError(e) + "\n");
    }
  }
  if (!outcome.ok) return outcome.error.exitCode;
  if (options.justCheck) {
    if (!options.json && options.levels.has("info")) {
      io.stderr("secnet info: configuration file check complete\n");
    }
    return 0;
  }
  const { runDaemon } = await import("./runtime/daemon.ts");
  return await runDaemon(outcome.config.root, options);
}

/** errno name of a Deno file-system error. */
function errnoOf(e: unknown): string {
  if (e instanceof Deno.errors.NotFound) return "ENOENT";
  if (e instanceof Deno.errors.PermissionDenied) return "EACCES";
  if (e instanceof Deno.errors.IsADirectory) return "EISDIR";
  if (e instanceof Deno.errors.NotADirectory) return "ENOTDIR";
  const code = (e as { code?: unknown }).code;
  return typeof code === "string" ? code : "EIO";
}

/** getpwnam(3) through /etc/passwd. */
function lookupUser(name: string): HostUser | null {
  let text: string;
  try {
    text = Deno.readTextFileSync("/etc/passwd");
  } catch {
    return null;
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === name && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  return null;
}

/** The real ConfHost: files relative to the process's current directory. */
export function denoConfHost(): ConfHost {
  return {
    cwd: Deno.cwd(),
    readFile(path: string): Uint8Array {
      try {
        const st = Deno.statSync(path);
        if (st.isDirectory) throw new ConfHostError("EISDIR", path);
        return Deno.readFileSync(path);
      } catch (e) {
        if (e instanceof ConfHostError) throw e;
        throw new ConfHostError(errnoOf(e), path);
      }
    },
    checkReadable(path: string): void {
      try {
        Deno.openSync(path, { read: true }).close();
      } catch (e) {
        throw new ConfHostError(errnoOf(e), path);
      }
    },
    lookupUser,
  };
}

/** Standard streams and the real host. */
export function denoCliIO(): CliIO {
  const enc = new TextEncoder();
  const write = (f: typeof Deno.stdout, s: string) => {
    const b = enc.encode(s);
    for (let off = 0; off < b.length;) off += f.writeSync(b.subarray(off));
  };
  return {
    stdout: (s) => write(Deno.stdout, s),
    stderr: (s) => write(Deno.stderr, s),
    readStdin(): Uint8Array {
      const chunks: Uint8Array[] = [];
      const buf = new Uint8Array(65536);
      let total = 0;
      for (;;) {
        const n = Deno.stdin.readSync(buf);
        if (n === null || n === 0) break;
        chunks.push(buf.slice(0, n));
        total += n;
      }
      const out = new Uint8Array(total);
      let off = 0;
      for (const c of chunks) {
        out.set(c, off);
        off += c.length;
      }
      return out;
    },
    host: denoConfHost(),
  };
}
