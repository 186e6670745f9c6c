/**
 * Packet compression as tincd 1.0.36 does it (compress_packet / uncompress_packet):
 * level 0 none, 1-9 zlib compress2 (RFC 1950 stream), 10 LZO1X-1, 11 LZO1X-999 (we compress
 * 11 with the same LZO1X coder: any valid stream decodes with lzo1x_decompress_safe).
 *
 * API: `new PacketCompressor()`, then
 * - `compress(level, src, off, len, dst, dstOff, cap): number` — output length, 0 on failure
 *   (tincd drops the packet), `len` copied unchanged for level 0;
 * - `decompress(level, src, off, len, dst, dstOff, cap): number` — output length, or -1.
 * zlib goes through node:zlib's synchronous functions (no I/O, but they allocate a Buffer per
 * call); LZO is allocation-free.
 *
 * node:zlib is loaded on the first zlib packet, not imported: the first node: module an
 * isolate loads starts Deno's Node compatibility layer, ~15-17 ms of CPU that every
 * data-plane Worker paid at start-up (on the way to the first packet) for meshes that mostly
 * never compress with zlib.
 *
 * @module
 */
import { Lzo1xCompressor, lzo1xDecompressSafe, lzo1xWorstCase } from "./lzo.ts";

/** The two node:zlib functions we use. */
interface Zlib {
  deflateSync(buf: Uint8Array, options: { level: number }): Uint8Array;
  inflateSync(buf: Uint8Array, options: { maxOutputLength: number }): Uint8Array;
}

let zlibModule: Zlib | undefined;

/** node:zlib, loaded synchronously on first use (Node's process.getBuiltinModule). */
function zlib(): Zlib {
  const g = globalThis as unknown as { process: { getBuiltinModule(id: string): Zlib } };
  return zlibModule ??= g.process.getBuiltinModule("node:zlib");
}

export const COMPRESS_NONE = 0;
export const COMPRESS_LZO_FAST = 10;
export const COMPRESS_LZO_BEST = 11;

/** Whether tincd accepts this level in ANS_KEY (0..11). */
export function validCompressionLevel(level: number): boolean {
  return Number.isInteger(level) && level >= 0 && level <= 11;
}

export class PacketCompressor {
  readonly #lzo = new Lzo1xCompressor();
  #lzoScratch = new Uint8Array(lzo1xWorstCase(2048));

  compress(
    level: number,
    src: Uint8Array,
    off: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
    cap: number,
  ): number {
    if (level === COMPRESS_NONE) {
      if (len > cap) return 0;
      dst.set(src.subarray(off, off + len), dstOff);
      return len;
    }
    if (level === COMPRESS_LZO_FAST || level === COMPRESS_LZO_BEST) {
      const need = lzo1xWorstCase(len);
      if (need <= cap) return this.#lzo.compress(src, off, len, dst, dstOff);
      if (this.#lzoScratch.length < need) this.#lzoScratch = new Uint8Array(need);
      const n = this.#lzo.compress(src, off, len, this.#lzoScratch, 0);
      if (n > cap) return 0;
      dst.set(this.#lzoScratch.subarray(0, n), dstOff);
      return n;
    }
    if (level >= 1 && level <= 9) {
      try {
        const out = zlib().deflateSync(src.subarray(off, off + len), { level });
        if (out.length > cap) return 0;
        dst.set(out, dstOff);
        return out.length;
      } catch {
        return 0;
      }
    }
    return 0;
  }

  decompress(
    level: number,
    src: Uint8Array,
    off: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
    cap: number,
  ): number {
    if (level === COMPRESS_NONE) {
      if (len > cap) return -1;
      dst.set(src.subarray(off, off + len), dstOff);
      return len;
    }
    if (level === COMPRESS_LZO_FAST || level === COMPRESS_LZO_BEST) {
      const n = lzo1xDecompressSafe(src, off, len, dst, dstOff, cap);
      return n < 0 ? -1 : n;
    }
    if (level >= 1 && level <= 9) {
      try {
        const out = zlib().inflateSync(src.subarray(off, off + len), { maxOutputLength: cap });
        if (out.length > cap) return -1;
        dst.set(out, dstOff);
        return out.length;
      } catch {
        return -1;
      }
    }
    return -1;
  }
}
