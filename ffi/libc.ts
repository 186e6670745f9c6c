/**
 * The one libc dlopen table for tincture. Every call is synchronous (a `nonblocking` FFI call
 * costs a thread hop of ~15-20 µs, docs deno-platform.md §1), size arguments are BigInt
 * (`usize`: numbers fall off V8's fast-call path) and byte counts come back as `i32`.
 *
 * errno is thread-local and clobbered by later runtime calls: read it with `errno()` right
 * after the failing call, on the same thread.
 *
 * Loading is lazy (`libc()`), so importing this module costs nothing and each Worker gets its
 * own handle.
 *
 * @module
 */

/** Absolute path: `--allow-ffi=<path>` is matched literally, and a bare name may be refused. */
export const LIBC_PATH = "/lib/x86_64-linux-gnu/libc.so.6";

const SYMBOLS = {
  open: { parameters: ["buffer", "i32", "u32"], result: "i32" },
  close: { parameters: ["i32"], result: "i32" },
  read: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  write: { parameters: ["i32", "buffer", "usize"], result: "i32" },
  ioctl: { parameters: ["i32", "u64", "buffer"], result: "i32" },
  fcntl: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socket: { parameters: ["i32", "i32", "i32"], result: "i32" },
  socketpair: { parameters: ["i32", "i32", "i32", "buffer"], result: "i32" },
  bind: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  listen: { parameters: ["i32", "i32"], result: "i32" },
  accept4: { parameters: ["i32", "buffer", "buffer", "i32"], result: "i32" },
  connect: { parameters: ["i32", "buffer", "u32"], result: "i32" },
  shutdown: { parameters: ["i32", "i32"], result: "i32" },
  recv: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  send: { parameters: ["i32", "buffer", "usize", "i32"], result: "i32" },
  recvfrom: {
    parameters: ["i32", "buffer", "usize", "i32", "buffer", "buffer"],
    result: "i32",
  },
  // The packet path's ppoll/read/write/sendto/sendmsg/recvmsg, all through one symbol: on a
  // cold CPU each distinct FFI symbol a wake-up touches costs about a microsecond (its
  // trampoline and call glue), more than the syscall wrapper saves. glibc's syscall() takes
  // every argument in integer registers, so this fixed signature is a valid call of the
  // variadic. Every argument is a BigInt (any other value leaves V8's fast call), pointers as
  // addresses (addressOf): a "buffer" argument is unwrapped by a call into the runtime, more
  // code to fetch on a cold CPU, where V8 converts a BigInt inline.
  syscall: {
    parameters: ["u64", "u64", "u64", "u64", "u64", "u64", "u64"],
    result: "i32",
  },
  memcpy: { parameters: ["buffer", "buffer", "usize"], result: "void" },
  setsockopt: { parameters: ["i32", "i32", "i32", "buffer", "u32"], result: "i32" },
  getsockopt: { parameters: ["i32", "i32", "i32", "buffer", "buffer"], result: "i32" },
  getsockname: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  getpeername: { parameters: ["i32", "buffer", "buffer"], result: "i32" },
  poll: { parameters: ["u64", "u64", "i32"], result: "i32" },
  eventfd: { parameters: ["u32", "i32"], result: "i32" },
  clock_gettime: { parameters: ["i32", "u64"], result: "i32" },
  __errno_location: { parameters: [], result: "pointer" },
  strerror: { parameters: ["i32"], result: "pointer" },
  signal: { parameters: ["i32", "pointer"], result: "pointer" },
  getpid: { parameters: [], result: "i32" },
  sched_setscheduler: { parameters: ["i32", "i32", "buffer"], result: "i32" },
  getuid: { parameters: [], result: "u32" },
  setgroups: { parameters: ["usize", "pointer"], result: "i32" },
  setgid: { parameters: ["u32"], result: "i32" },
  setuid: { parameters: ["u32"], result: "i32" },
  openlog: { parameters: ["buffer", "i32", "i32"], result: "void" },
  syslog: { parameters: ["i32", "buffer", "buffer"], result: "void" },
  closelog: { parameters: [], result: "void" },
} as const satisfies Deno.ForeignLibraryInterface;

export type LibcSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];

let lib: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;

/** The libc symbols, opened on first use. */
export function libc(): LibcSymbols {
  if (lib === null) lib = Deno.dlopen(LIBC_PATH, SYMBOLS);
  return lib.symbols;
}

const X64 = Deno.build.arch === "x86_64";
/** Syscall numbers for `syscall` (x86_64, else the generic table aarch64 uses). The int
 * arguments may carry garbage in their upper halves; the kernel truncates them itself. */
export const SYS_READ = X64 ? 0n : 63n;
export const SYS_WRITE = X64 ? 1n : 64n;
export const SYS_SENDTO = X64 ? 44n : 206n;
export const SYS_SENDMSG = X64 ? 46n : 211n;
export const SYS_RECVMSG = X64 ? 47n : 212n;
export const SYS_PPOLL = X64 ? 271n : 73n;

const SMALL_SIZES: bigint[] = [];
for (let i = 0; i < 4096; i++) SMALL_SIZES.push(BigInt(i));

/**
 * `n` as a BigInt for a `usize` parameter without allocating (a table for packet-sized values
 * and descriptors): the packet path passes varying lengths every call.
 */
export function usize(n: number): bigint {
  return n < 4096 ? SMALL_SIZES[n]! : BigInt(n);
}

/**
 * The address of `b[off]`, for a u64 pointer parameter or a struct field. An ArrayBuffer's
 * contents never move; the caller keeps `b` referenced for as long as the address is used.
 */
export function addressOf(b: Uint8Array, off = 0): bigint {
  const p = Deno.UnsafePointer.value(Deno.UnsafePointer.of(b as Uint8Array<ArrayBuffer>));
  return BigInt(p) + BigInt(off);
}

// errno's address is fixed per thread, and each Worker has its own instance of this module:
// look it up once and keep a typed array over it, so reading errno after EAGAIN is a plain
// load (an UnsafePointerView read is an op call: microseconds on a cold CPU).
let errnoView: Int32Array | null = null;

/** errno of this thread. Call it immediately after the failing call. */
export function errno(): number {
  if (errnoView === null) {
    const p = libc().__errno_location();
    if (p === null) return 0;
    errnoView = new Int32Array(Deno.UnsafePointerView.getArrayBuffer(p, 4));
  }
  return errnoView[0]!;
}

const CLOCK_MONOTONIC = 1;

/**
 * A monotonic clock in ms (fractional) from CLOCK_MONOTONIC through the vDSO, counted from
 * the first call in this thread. The data plane reads it once per wake-up: on a cold CPU after
 * an idle spell performance.now() took 6-9 µs there, this a fraction of that.
 */
export function monotonicClock(): () => number {
  const ts = new Int32Array(4); // struct timespec { i64 tv_sec; i64 tv_nsec } (little-endian)
  const at = addressOf(new Uint8Array(ts.buffer));
  const c = libc();
  const read = () => {
    c.clock_gettime(CLOCK_MONOTONIC, at);
    // Seconds fit 31 bits for 68 years of uptime; nanoseconds always do.
    return ts[0]! * 1000 + ts[2]! / 1e6;
  };
  const origin = read();
  return () => read() - origin;
}

/** strerror(e), e.g. "Operation not permitted". */
export function strerror(e: number): string {
  const p = libc().strerror(e);
  return p === null ? `errno ${e}` : Deno.UnsafePointerView.getCString(p);
}

/** An OS error from a failed libc call, carrying errno. */
export class OsError extends Error {
  constructor(readonly call: string, readonly errno: number, detail = "") {
    super(`${call}${detail ? ` ${detail}` : ""}: ${strerror(errno)}`);
    this.name = "OsError";
  }
}

/** Throws OsError when a libc call returned -1 (errno read here, immediately). */
export function check(result: number, call: string, detail = ""): number {
  if (result < 0) throw new OsError(call, errno(), detail);
  return result;
}

const encoder = new TextEncoder();

/** A NUL-terminated C string in a fresh buffer (keep it alive while C may read it). */
export function cString(s: string): Uint8Array<ArrayBuffer> {
  const bytes = encoder.encode(s);
  const out = new Uint8Array(bytes.length + 1);
  out.set(bytes);
  return out;
}

/** Closes a descriptor, ignoring errors (cleanup paths). */
export function closeFd(fd: number): void {
  if (fd >= 0) libc().close(fd);
}

/** Sets or clears O_NONBLOCK. */
export function setNonBlocking(fd: number, on = true): void {
  const c = libc();
  const fl = check(c.fcntl(fd, 3, /* F_GETFL */ 0), "fcntl(F_GETFL)");
  check(c.fcntl(fd, 4, /* F_SETFL */ on ? fl | 0o4000 : fl & ~0o4000), "fcntl(F_SETFL)");
}

/**
 * Ignores SIGUSR1 at the OS level. Deno >= 2.9.2 opens a V8 inspector on SIGUSR1; its handler
 * is installed ~500 ms after start, so call this later than that (deno-platform.md §4).
 */
export function ignoreSignal(signo: number): void {
  libc().signal(signo, Deno.UnsafePointer.create(1n) /* SIG_IGN */);
}
