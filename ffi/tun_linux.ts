/**
 * Linux TUN/TAP through FFI: open /dev/net/tun, TUNSETIFF (IFF_TUN for router mode, IFF_TAP for
 * switch and hub, always IFF_NO_PI), O_NONBLOCK and O_CLOEXEC (so `ip` and re-exec'd children
 * never inherit the device: a tun vanishes, with its routes, when its last fd closes).
 *
 * The engine always sees Ethernet frames. In TUN mode `readFrame` puts the IP packet at
 * `off + 14` and writes 12 zero bytes and the ethertype (from the IP version nibble) in front;
 * `writeFrame` strips those 14 bytes. Both allocate nothing.
 *
 * @module
 */
import {
  addressOf,
  check,
  closeFd,
  cString,
  errno,
  libc,
  OsError,
  SYS_READ,
  SYS_WRITE,
  usize,
} from "./libc.ts";
import {
  EAGAIN,
  EINTR,
  IFF_NO_PI,
  IFF_PERSIST,
  IFF_TAP,
  IFF_TUN,
  IFNAMSIZ,
  O_CLOEXEC,
  O_NONBLOCK,
  O_RDWR,
  SIZEOF_IFREQ,
  TUNGETIFF,
  TUNSETIFF,
} from "./linux_constants.ts";

/** Ethernet header length the TUN framing adds and strips. */
export const ETH_HLEN = 14;
const ETHERTYPE_IPV4_HI = 0x08, ETHERTYPE_IPV4_LO = 0x00;
const ETHERTYPE_IPV6_HI = 0x86, ETHERTYPE_IPV6_LO = 0xdd;

export type TunKind = "tun" | "tap";

export interface TunOptions {
  /** Interface name or template ("tinc%d"); empty lets the kernel choose. */
  readonly name: string;
  readonly kind: TunKind;
  /** Clone device path (secnet `device`). */
  readonly device?: string;
}

/** Result of a non-blocking read: bytes read, or 0 when nothing is pending. */
export const TUN_EMPTY = 0;

/** An open TUN/TAP device. Reads and writes are synchronous and non-blocking. */
export class TunDevice {
  /** Largest frame readFrame can return (Ethernet header included). */
  readonly maxFrame: number;
  // Cached views and their addresses, so the packet path never builds a subarray or asks
  // for an address.
  #readView: Uint8Array<ArrayBuffer> | null = null;
  #readAddr = 0n;
  /** fd as a syscall() argument. */
  readonly #fdArg: bigint;
  #writeAddr = 0n;
  #readBuf: Uint8Array | null = null;
  #readOff = -1;
  #writeBuf: Uint8Array | null = null;
  #writeOff = -1;
  /** Counters (read by dumps and tests). */
  rxFrames = 0;
  txFrames = 0;
  txErrors = 0;

  constructor(
    readonly fd: number,
    readonly name: string,
    readonly kind: TunKind,
    maxFrame = 1518 + 64,
  ) {
    this.maxFrame = maxFrame;
    this.#fdArg = BigInt(fd);
  }

  /**
   * Reads one frame into `buf` at `off` (the engine's headroom is before `off`); returns the
   * frame length, TUN_EMPTY when no packet is pending, or throws on a real error.
   */
  readFrame(buf: Uint8Array<ArrayBuffer>, off: number): number {
    const tun = this.kind === "tun";
    if (buf !== this.#readBuf || off !== this.#readOff) {
      this.#readBuf = buf;
      this.#readOff = off;
      this.#readView = buf.subarray(tun ? off + ETH_HLEN : off);
      this.#readAddr = addressOf(this.#readView);
    }
    const view = this.#readView!;
    // Plain arithmetic and stores rather than Math.min/fill: on a cold CPU every builtin the
    // path touches is code to fetch again.
    const cap = this.maxFrame - (tun ? ETH_HLEN : 0);
    const room = view.length < cap ? view.length : cap;
    for (;;) {
      const n = libc().syscall(SYS_READ, this.#fdArg, this.#readAddr, usize(room), 0n, 0n, 0n);
      if (n > 0) {
        this.rxFrames++;
        if (!tun) return n;
        for (let i = off; i < off + 12; i++) buf[i] = 0;
        if ((view[0]! >> 4) === 6) {
          buf[off + 12] = ETHERTYPE_IPV6_HI;
          buf[off + 13] = ETHERTYPE_IPV6_LO;
        } else {
          buf[off + 12] = ETHERTYPE_IPV4_HI;
          buf[off + 13] = ETHERTYPE_IPV4_LO;
        }
        return n + ETH_HLEN;
      }
      if (n === 0) return TUN_EMPTY;
      const e = errno();
      if (e === EAGAIN) return TUN_EMPTY;
      if (e === EINTR) continue;
      throw new OsError("read", e, this.name);
    }
  }

  /**
   * Writes one Ethernet frame `buf[off, off+len)` (TUN mode strips the header). Returns false
   * when the kernel refused it (full queue, bad packet); such drops are counted, not thrown.
   */
  writeFrame(buf: Uint8Array<ArrayBuffer>, off: number, len: number): boolean {
    const tun = this.kind === "tun";
    if (tun && len <= ETH_HLEN) return false;
    if (off < 0 || off + len > buf.length) return false; // C reads whatever the range covers
    if (buf !== this.#writeBuf || off !== this.#writeOff) {
      this.#writeBuf = buf;
      this.#writeOff = off;
      this.#writeAddr = addressOf(buf, tun ? off + ETH_HLEN : off);
    }
    const n = tun ? len - ETH_HLEN : len;
    for (;;) {
      const r = libc().syscall(SYS_WRITE, this.#fdArg, this.#writeAddr, usize(n), 0n, 0n, 0n);
      if (r >= 0) {
        this.txFrames++;
        return true;
      }
      if (errno() === EINTR) continue;
      this.txErrors++;
      return false;
    }
  }

  /**
   * Whether the device is persistent (`ip tuntap add`, `tunctl`), i.e. may carry a previous
   * run's addresses and routes. A non-persistent one exists only while a descriptor holds it
   * and a second attach would fail (EBUSY), so it was created by our open: nothing to flush.
   * When in doubt (ioctl failed), persistent.
   */
  isPersistent(): boolean {
    const ifr = new Uint8Array(SIZEOF_IFREQ);
    if (libc().ioctl(this.fd, BigInt(TUNGETIFF), ifr) < 0) return true;
    return (new DataView(ifr.buffer).getUint16(IFNAMSIZ, true) & IFF_PERSIST) !== 0;
  }

  close(): void {
    closeFd(this.fd);
  }
}

/** Opens and attaches a TUN (router) or TAP (switch, hub) device, non-blocking. */
export function openTun(opts: TunOptions): TunDevice {
  if (opts.name.length >= IFNAMSIZ) {
    throw new Error(`Interface name "${opts.name}" is longer than ${IFNAMSIZ - 1} bytes`);
  }
  const c = libc();
  const path = opts.device ?? "/dev/net/tun";
  const fd = check(c.open(cString(path), O_RDWR | O_NONBLOCK | O_CLOEXEC, 0), "open", path);
  try {
    const ifr = new Uint8Array(SIZEOF_IFREQ);
    ifr.set(new TextEncoder().encode(opts.name));
    const flags = (opts.kind === "tun" ? IFF_TUN : IFF_TAP) | IFF_NO_PI;
    new DataView(ifr.buffer).setUint16(IFNAMSIZ, flags, true);
    check(c.ioctl(fd, BigInt(TUNSETIFF), ifr), "ioctl(TUNSETIFF)", opts.name);
    const end = ifr.indexOf(0);
    const name = new TextDecoder().decode(ifr.subarray(0, end < 0 ? IFNAMSIZ : end));
    return new TunDevice(fd, name, opts.kind);
  } catch (e) {
    closeFd(fd);
    throw e;
  }
}
