/**
 * LZO1X in TypeScript, for tinc's Compression = 10 (lzo1x_1) and 11 (lzo1x_999), written from
 * the LZO1X stream format.
 *
 * API:
 * - `lzo1xDecompressSafe(src, off, len, dst, dstOff, dstCap): number` — the decoded length, or a
 *   negative LZO error (LZO_E_*) when the input is malformed, over-long, reads before the output
 *   start or is not consumed exactly (as liblzo's lzo1x_decompress_safe, which tincd uses for
 *   both levels). Never throws, never writes past dstOff+dstCap.
 * - `class Lzo1xCompressor` — `compress(src, off, len, dst, dstOff): number` produces a valid
 *   LZO1X stream (greedy matcher, 4-byte minimum match). `dst` needs
 *   `lzo1xWorstCase(len)` bytes. No allocation per call (the hash table is reused).
 *
 * @module
 */

export const LZO_E_OK = 0;
export const LZO_E_INPUT_OVERRUN = -4;
export const LZO_E_OUTPUT_OVERRUN = -5;
export const LZO_E_LOOKBEHIND_OVERRUN = -6;
export const LZO_E_INPUT_NOT_CONSUMED = -8;

/** Output bound of `Lzo1xCompressor.compress` (liblzo's: n + n/16 + 64 + 3). */
export function lzo1xWorstCase(n: number): number {
  return n + (n >> 4) + 64 + 3;
}

const M2_MAX_OFFSET = 0x0800;
const M3_MAX_OFFSET = 0x4000;
const M4_MAX_OFFSET = 0xbfff;

/** liblzo's lzo1x_decompress_safe semantics. */
export function lzo1xDecompressSafe(
  src: Uint8Array,
  off: number,
  len: number,
  dst: Uint8Array,
  dstOff: number,
  dstCap: number,
): number {
  let ip = off;
  const ipEnd = off + len;
  let op = dstOff;
  const opEnd = dstOff + dstCap;
  // state: 0 after a match with no trailing literals (next byte < 16 starts a literal run),
  // 1..3 after that many trailing literals (next byte < 16 is a 2-byte match),
  // 4 after a literal run of 4 or more (next byte < 16 is a 3-byte match at distance > 2048).
  let state = 0;
  let t: number;

  if (ipEnd - ip < 1) return LZO_E_INPUT_OVERRUN;
  if (src[ip]! > 17) {
    t = src[ip++]! - 17;
    if (ipEnd - ip < t) return LZO_E_INPUT_OVERRUN;
    if (opEnd - op < t) return LZO_E_OUTPUT_OVERRUN;
    for (let i = 0; i < t; i++) dst[op++] = src[ip++]!;
    state = t < 4 ? t : 4;
  }

  for (;;) {
    if (ip >= ipEnd) return LZO_E_INPUT_OVERRUN;
    t = src[ip++]!;
    let mPos: number;
    let mLen: number;
    if (t < 16) {
      if (state === 0) {
        // literal run
        if (t === 0) {
          for (;;) {
            if (ip >= ipEnd) return LZO_E_INPUT_OVERRUN;
            if (src[ip] !== 0) break;
            t += 255;
            ip++;
          }
          t += 15 + src[ip++]!;
        }
        t += 3;
        if (ipEnd - ip < t) return LZO_E_INPUT_OVERRUN;
        if (opEnd - op < t) return LZO_E_OUTPUT_OVERRUN;
        for (let i = 0; i < t; i++) dst[op++] = src[ip++]!;
        state = 4;
        continue;
      }
      if (ip >= ipEnd) return LZO_E_INPUT_OVERRUN;
      if (state === 4) {
        mPos = op - (1 + M2_MAX_OFFSET) - (t >> 2) - (src[ip++]! << 2);
        mLen = 3;
      } else {
        mPos = op - 1 - (t >> 2) - (src[ip++]! << 2);
        mLen = 2;
      }
      state = t & 3;
    } else if (t >= 64) {
      if (ip >= ipEnd) return LZO_E_INPUT_OVERRUN;
      mPos = op - 1 - ((t >> 2) & 7) - (src[ip++]! << 3);
      mLen = (t >> 5) + 1;
      state = t & 3;
    } else {
      const m3 = t >= 32;
      const mask = m3 ? 31 : 7;
      let l = t & mask;
      if (l === 0) {
        for (;;) {
          if (ip >= ipEnd) return LZO_E_INPUT_OVERRUN;
          if (src[ip] !== 0) break;
          l += 255;
          ip++;
        }
        l += mask + src[ip++]!;
      }
      if (ipEnd - ip < 2) return LZO_E_INPUT_OVERRUN;
      const b0 = src[ip]!;
      const dist = (b0 >> 2) + (src[ip + 1]! << 6);
      ip += 2;
      state = b0 & 3;
      if (m3) {
        mPos = op - 1 - dist;
      } else {
        mPos = op - ((t & 8) << 11) - dist;
        if (mPos === op) {
          // end of stream marker
          if (ip === ipEnd) return op - dstOff;
          return ip < ipEnd ? LZO_E_INPUT_NOT_CONSUMED : LZO_E_INPUT_OVERRUN;
        }
        mPos -= 0x4000;
      }
      mLen = l + 2;
    }
    if (mPos < dstOff) return LZO_E_LOOKBEHIND_OVERRUN;
    if (opEnd - op < mLen + state) return LZO_E_OUTPUT_OVERRUN;
    // byte by byte: overlapping copies repeat the pattern
    for (let i = 0; i < mLen; i++) dst[op++] = dst[mPos++]!;
    if (state > 0) {
      if (ipEnd - ip < state) return LZO_E_INPUT_OVERRUN;
      for (let i = 0; i < state; i++) dst[op++] = src[ip++]!;
    }
  }
}

const HASH_BITS = 14;

export class Lzo1xCompressor {
  // Last position (plus `#base`) of each 4-byte hash; entries below #base are stale.
  readonly #table = new Int32Array(1 << HASH_BITS);
  #base = 1;

  /** Compresses src[off, +len) into dst at dstOff; returns the stream length. */
  compress(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (this.#base > 0x7fff0000 - len) {
      this.#table.fill(0);
      this.#base = 1;
    }
    const base = this.#base - off; // table value = position + base
    this.#base += len + 1;
    const table = this.#table;
    const end = off + len;
    let op = dstOff;
    let ii = off; // start of pending literals
    let ip = off;
    const limit = end - 4;
    let first = true;
    while (ip < limit) {
      const v = src[ip]! | (src[ip + 1]! << 8) | (src[ip + 2]! << 16) | (src[ip + 3]! << 24);
      const h = Math.imul(v, 0x1824429d) >>> (32 - HASH_BITS);
      const cand = table[h]! - base;
      table[h] = ip + base;
      const dist = ip - cand;
      if (
        cand < off || dist > M4_MAX_OFFSET || dist <= 0 ||
        src[cand] !== src[ip] || src[cand + 1] !== src[ip + 1] ||
        src[cand + 2] !== src[ip + 2] || src[cand + 3] !== src[ip + 3]
      ) {
        ip++;
        continue;
      }
      let mLen = 4;
      while (ip + mLen < end && src[cand + mLen] === src[ip + mLen]) mLen++;
      op = this.#literals(src, ii, ip - ii, dst, op, first, dstOff);
      first = false;
      op = writeMatch(dst, op, mLen, dist);
      ip += mLen;
      ii = ip;
    }
    op = this.#literals(src, ii, end - ii, dst, op, first, dstOff);
    dst[op++] = 16 | 1; // M4 with distance 0: end of stream
    dst[op++] = 0;
    dst[op++] = 0;
    return op - dstOff;
  }

  #literals(
    src: Uint8Array,
    from: number,
    n: number,
    dst: Uint8Array,
    op: number,
    first: boolean,
    dstOff: number,
  ): number {
    if (n === 0) return op;
    if (first && op === dstOff && n <= 238) {
      dst[op++] = 17 + n;
    } else if (n <= 3) {
      dst[op - 2]! |= n; // low bits of the previous match instruction
    } else if (n <= 18) {
      dst[op++] = n - 3;
    } else {
      let tt = n - 18;
      dst[op++] = 0;
      while (tt > 255) {
        tt -= 255;
        dst[op++] = 0;
      }
      dst[op++] = tt;
    }
    dst.set(src.subarray(from, from + n), op);
    return op + n;
  }
}

function writeLength(dst: Uint8Array, op: number, n: number): number {
  while (n > 255) {
    n -= 255;
    dst[op++] = 0;
  }
  dst[op++] = n;
  return op;
}

function writeMatch(dst: Uint8Array, op: number, mLen: number, dist: number): number {
  if (mLen <= 8 && dist <= M2_MAX_OFFSET) {
    const d = dist - 1;
    dst[op++] = ((mLen - 1) << 5) | ((d & 7) << 2);
    dst[op++] = d >> 3;
    return op;
  }
  let d: number;
  if (dist <= M3_MAX_OFFSET) {
    d = dist - 1;
    if (mLen <= 33) dst[op++] = 32 | (mLen - 2);
    else {
      dst[op++] = 32;
      op = writeLength(dst, op, mLen - 33);
    }
  } else {
    d = dist - 0x4000;
    const hi = (d & 0x4000) >> 11;
    if (mLen <= 9) dst[op++] = 16 | hi | (mLen - 2);
    else {
      dst[op++] = 16 | hi;
      op = writeLength(dst, op, mLen - 9);
    }
    d &= 0x3fff;
  }
  dst[op++] = (d & 63) << 2;
  dst[op++] = d >> 6;
  return op;
}
