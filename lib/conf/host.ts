/**
 * ConfHost: the only way the pure config code (lib/conf, lib/modules) touches the outside
 * world. main.ts injects a real one backed by Deno; tests inject in-memory ones.
 *
 * @module
 */

/** Why a host operation failed, errno-style ("ENOENT", "EISDIR", "EACCES", ...). */
export class ConfHostError extends Error {
  constructor(
    /** errno name, e.g. "ENOENT". */
    readonly code: string,
    /** The path that was being accessed. */
    readonly path: string,
    /** strerror(3)-style text, e.g. "No such file or directory". */
    readonly reason: string = strerror(code),
  ) {
    super(`${path}: ${reason}`);
    this.name = "ConfHostError";
  }
}

/** A user as getpwnam(3) reports it. */
export interface HostUser {
  readonly uid: number;
  readonly gid: number;
}

export interface ConfHost {
  /**
   * Reads a whole file. Relative paths are relative to `cwd` (the process's current
   * directory), as secnet's fopen. Throws ConfHostError.
   */
  readFile(path: string): Uint8Array;
  /**
   * Checks that a file could be opened for reading without reading it (randomfile opens
   * /dev/urandom and keeps it; reading it whole would never end). Throws ConfHostError.
   */
  checkReadable?(path: string): void;
  /** getpwnam(3): null when the user does not exist. Absent: every user is unknown. */
  lookupUser?(name: string): HostUser | null;
  /** The process's current directory. */
  readonly cwd: string;
}

const STRERROR: Record<string, string> = {
  ENOENT: "No such file or directory",
  EISDIR: "Is a directory",
  EACCES: "Permission denied",
  ENOTDIR: "Not a directory",
  ELOOP: "Too many levels of symbolic links",
  ENOMEM: "Cannot allocate memory",
  EIO: "Input/output error",
  ENAMETOOLONG: "File name too long",
  EINVAL: "Invalid argument",
};

/** strerror(3) for the errno names tincture meets. */
export function strerror(code: string): string {
  return STRERROR[code] ?? code;
}

/** A ConfHost over an in-memory file map (tests, and fuzzing). */
export function memoryHost(
  files: Record<string, string | Uint8Array>,
  opts: { cwd?: string; users?: Record<string, HostUser>; dirs?: string[] } = {},
): ConfHost {
  const cwd = opts.cwd ?? "/";
  const abs = (p: string) => p.startsWith("/") ? p : (cwd.endsWith("/") ? cwd : cwd + "/") + p;
  const table = new Map<string, Uint8Array>();
  for (const [k, v] of Object.entries(files)) {
    table.set(abs(k), typeof v === "string" ? new TextEncoder().encode(v) : v);
  }
  const dirs = new Set((opts.dirs ?? []).map(abs));
  const find = (path: string): Uint8Array => {
    const a = abs(path);
    if (dirs.has(a)) throw new ConfHostError("EISDIR", path);
    const v = table.get(a);
    if (v === undefined) throw new ConfHostError("ENOENT", path);
    return v;
  };
  return {
    cwd,
    readFile: find,
    checkReadable: (p) => void find(p),
    lookupUser: (name) => opts.users?.[name] ?? (name === "root" ? { uid: 0, gid: 0 } : null),
  };
}
