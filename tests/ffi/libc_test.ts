import assert from "node:assert/strict";
import {
  addressOf,
  check,
  cString,
  errno,
  libc,
  monotonicClock,
  OsError,
  setNonBlocking,
  strerror,
  SYS_PPOLL,
  SYS_READ,
  SYS_RECVMSG,
  SYS_SENDTO,
  SYS_WRITE,
  usize,
} from "../../ffi/libc.ts";
import {
  AF_UNIX,
  EAGAIN,
  EBADF,
  POLLIN,
  SOCK_DGRAM,
  SOCK_NONBLOCK,
} from "../../ffi/linux_constants.ts";

Deno.test("errno is read right after a failing call", () => {
  assert.equal(libc().close(987654), -1);
  assert.equal(errno(), EBADF);
  assert.throws(() => check(libc().close(987654), "close"), (e) => {
    assert.ok(e instanceof OsError);
    assert.equal(e.errno, EBADF);
    assert.match(e.message, /^close: Bad file descriptor$/);
    return true;
  });
  assert.equal(strerror(EAGAIN), "Resource temporarily unavailable");
});

Deno.test("monotonicClock starts near 0 and keeps pace with performance.now()", () => {
  const clock = monotonicClock();
  const t0 = clock(), p0 = performance.now();
  assert.ok(t0 >= 0 && t0 < 5, `first reading ${t0}`);
  let last = t0;
  for (let i = 0; i < 1000; i++) {
    const t = clock();
    assert.ok(t >= last, "never goes back");
    last = t;
  }
  libc().poll(0n, 0n, 30);
  const dt = clock() - t0, dp = performance.now() - p0;
  assert.ok(dt >= 29 && Math.abs(dt - dp) < 5, `clock ${dt} ms, performance.now ${dp} ms`);
  assert.notEqual(Math.floor(dt * 1000), dt * 1000, "sub-millisecond resolution");
});

Deno.test("usize: small values come from a table, large ones are converted", () => {
  assert.equal(usize(0), 0n);
  assert.equal(usize(1400), 1400n);
  assert.equal(usize(1400), usize(1400));
  assert.equal(usize(100000), 100000n);
});

Deno.test("cString, open/read/write/close and O_NONBLOCK on a pipe-like eventfd", () => {
  const c = libc();
  assert.deepEqual(cString("ab"), new Uint8Array([97, 98, 0]));
  const fd = check(c.eventfd(0, 0o2000000), "eventfd");
  setNonBlocking(fd);
  const b = new Uint8Array(8);
  assert.equal(c.read(fd, b, 8n), -1);
  assert.equal(errno(), EAGAIN, "non-blocking read of an empty eventfd");
  b[0] = 3;
  assert.equal(c.write(fd, b, 8n), 8);
  b.fill(0);
  assert.equal(c.read(fd, b, 8n), 8);
  assert.equal(b[0], 3);
  assert.equal(c.close(fd), 0);
  const devnull = check(c.open(cString("/dev/null"), 0, 0), "open");
  assert.equal(c.read(devnull, b, 8n), 0);
  c.close(devnull);
});

Deno.test("addressOf: the address of a byte, for views and offsets alike", () => {
  const b = new Uint8Array(64);
  const base = addressOf(b);
  assert.ok(base > 0n);
  assert.equal(addressOf(b, 10), base + 10n);
  assert.equal(addressOf(b.subarray(10)), base + 10n, "a view's address includes its offset");
  assert.equal(addressOf(b.subarray(10), 5), base + 15n);
  assert.equal(addressOf(b), base, "contents do not move");
});

Deno.test("syscall: read, write, sendto and recvmsg through the one shared symbol", () => {
  const c = libc();
  const sv = new Int32Array(2);
  // Datagram boundaries and EAGAIN, like UDP and TUN.
  check(
    c.socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, new Uint8Array(sv.buffer)),
    "socketpair",
  );
  const [a, b] = [sv[0]!, sv[1]!];
  const [A, B] = [BigInt(a), BigInt(b)];
  const buf = new Uint8Array(16);
  const at = addressOf(buf);
  assert.equal(c.syscall(SYS_READ, B, at, 16n, 0n, 0n, 0n), -1);
  assert.equal(errno(), EAGAIN, "errno comes back through syscall()");
  const src = new Uint8Array([7, 1, 2, 3]);
  assert.equal(c.syscall(SYS_WRITE, A, addressOf(src, 1), 3n, 0n, 0n, 0n), 3, "from an offset");
  assert.equal(c.syscall(SYS_READ, B, addressOf(buf, 4), 12n, 0n, 0n, 0n), 3, "to an offset");
  assert.deepEqual(buf.subarray(0, 8), new Uint8Array([0, 0, 0, 0, 1, 2, 3, 0]));
  // sendto with no address on a connected pair; recvmsg with one iovec pointing at buf.
  const two = new Uint8Array([9, 8]);
  assert.equal(c.syscall(SYS_SENDTO, A, addressOf(two), 2n, 0n, 0n, 0n), 2);
  const iov = new BigUint64Array([at, 16n]);
  const msg = new BigUint64Array(7); // struct msghdr: name, namelen, iov, iovlen, control, controllen, flags
  msg[2] = addressOf(new Uint8Array(iov.buffer));
  msg[3] = 1n;
  assert.equal(c.syscall(SYS_RECVMSG, B, addressOf(new Uint8Array(msg.buffer)), 0n, 0n, 0n, 0n), 2);
  assert.deepEqual(buf.subarray(0, 2), new Uint8Array([9, 8]));
  assert.equal(c.syscall(SYS_WRITE, 0xffffffffn, at, 1n, 0n, 0n, 0n), -1);
  assert.equal(errno(), EBADF, "an int argument's upper half is ignored: fd -1");
  // ppoll: B is readable; the kernel writes back what is left of the timeout.
  assert.equal(c.syscall(SYS_WRITE, A, at, 1n, 0n, 0n, 0n), 1);
  const pfd = new Int32Array([b, POLLIN]);
  const ts = new Int32Array([5, 0, 0, 0]); // 5 s
  const tsAt = addressOf(new Uint8Array(ts.buffer));
  assert.equal(
    c.syscall(SYS_PPOLL, addressOf(new Uint8Array(pfd.buffer)), 1n, tsAt, 0n, 0n, 0n),
    1,
  );
  assert.equal(pfd[1]! >> 16, POLLIN, "revents");
  assert.ok(ts[0] === 4 && ts[2]! > 900e6, `left ${ts[0]} s ${ts[2]} ns`);
  c.close(a);
  c.close(b);
});
