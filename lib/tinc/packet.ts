/**
 * The UDP datagram codec of tinc 1.0 (send_udppacket / receive_udppacket):
 *
 *   datagram = E(seqno(4, BE) ‖ payload) ‖ HMAC(key material, E(...))[0, macLength)
 *
 * with the IV reset per datagram and payload = the frame, compressed at the receiver's level.
 *
 * API: `new PacketCodec()` (owns scratch buffers; one per engine, not reentrant), then
 * - `encode(key, buf, off, len, dst, dstOff): number` — the frame at buf[off, +len) must have
 *   4 free bytes before `off` (FRAME_HEADROOM gives 64): the seqno is written there. Increments
 *   `key.sentSeqno` first, as tincd does. Returns the datagram length in dst[dstOff..), or a
 *   negative DropReason (compression/encryption failure). dst needs len + 4 + 64 + 16 + 64 bytes
 *   (MAX_DATAGRAM + 128 is always enough).
 * - `decode(key, src, off, len, dst, dstOff): number` — in tincd's order (key known, length,
 *   constant-time MAC, decrypt + padding, replay window, decompress). Writes the frame to
 *   dst[dstOff..) (dst needs MAX_DATAGRAM bytes free there, and 4 bytes before dstOff are
 *   overwritten when there are 4: decryption goes there directly) and returns its length, or a
 *   negative DropReason. After success, `seqno` holds the packet's seqno and `origLen` tincd's
 *   origlen (payload length before decompression, less 43 when compressed) for MTU probes.
 * - `verifyMac(key, src, off, len): boolean` — try_mac() for sender identification.
 *
 * Nothing is allocated per packet except by zlib (Compression 1-9).
 *
 * @module
 */
import type { InKey, OutKey } from "./data_channel.ts";
import { PacketCompressor } from "./compress.ts";
import { REPLAY_FAR_FUTURE, REPLAY_OK } from "./replay.ts";
import { MAX_DATAGRAM } from "./types.ts";
import { MTU } from "./pmtu.ts";

export const DROP_NO_KEY = -1;
export const DROP_TOO_SHORT = -2;
export const DROP_BAD_MAC = -3;
export const DROP_DECRYPT = -4;
export const DROP_FAR_FUTURE = -5;
export const DROP_REPLAY = -6;
export const DROP_DECOMPRESS = -7;
export const DROP_COMPRESS = -8;
export const DROP_ENCRYPT = -9;

/** Log text for a DropReason (tincd's wording where it has one). */
export function dropReasonText(r: number): string {
  switch (r) {
    case DROP_NO_KEY:
      return "hasn't got our key yet";
    case DROP_TOO_SHORT:
      return "too short packet";
    case DROP_BAD_MAC:
      return "unauthenticated packet";
    case DROP_DECRYPT:
      return "error decrypting packet";
    case DROP_FAR_FUTURE:
      return "packet too far in the future";
    case DROP_REPLAY:
      return "late or replayed packet";
    case DROP_DECOMPRESS:
      return "error while uncompressing packet";
    case DROP_COMPRESS:
      return "error while compressing packet";
    case DROP_ENCRYPT:
      return "error while encrypting packet";
    default:
      return `drop ${r}`;
  }
}

const SCRATCH = MAX_DATAGRAM + 256;
/** Compressed-size allowance on the sender side (tincd's buffers are MAXSIZE). */
const COMPRESS_CAP = MAX_DATAGRAM;

export class PacketCodec {
  readonly #plain = new Uint8Array(SCRATCH);
  readonly #digest = new Uint8Array(64);
  readonly #compressor = new PacketCompressor();
  /** Seqno of the last packet decoded. */
  seqno = 0;
  /** tincd's origlen of the last packet decoded. */
  origLen = 0;
  /** Packets lost before the last one accepted (far-future jump), else 0. */
  lost = 0;

  encode(
    key: OutKey,
    buf: Uint8Array,
    off: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
  ): number {
    const p = key.params;
    let src = buf;
    let start = off - 4;
    let plen = len;
    if (p.compression) {
      plen = this.#compressor.compress(p.compression, buf, off, len, this.#plain, 4, COMPRESS_CAP);
      if (plen <= 0) return DROP_COMPRESS;
      src = this.#plain;
      start = 0;
    }
    const seqno = key.sentSeqno = (key.sentSeqno + 1) >>> 0;
    src[start] = seqno >>> 24;
    src[start + 1] = (seqno >>> 16) & 0xff;
    src[start + 2] = (seqno >>> 8) & 0xff;
    src[start + 3] = seqno & 0xff;
    plen += 4;
    let clen: number;
    if (key.cipher) {
      clen = key.cipher.encrypt(src, start, plen, dst, dstOff);
      if (clen < 0) return DROP_ENCRYPT;
    } else {
      for (let i = 0; i < plen; i++) dst[dstOff + i] = src[start + i]!;
      clen = plen;
    }
    if (key.mac) {
      const d = this.#digest;
      key.mac.compute(dst, dstOff, clen, d, 0);
      const m = p.macLength;
      for (let i = 0; i < m; i++) dst[dstOff + clen + i] = d[i]!;
      clen += m;
    }
    return clen;
  }

  /** try_mac(): whether the datagram authenticates under this key. */
  verifyMac(key: InKey | null, src: Uint8Array, off: number, len: number): boolean {
    if (!key || !key.mac) return false;
    const m = key.params.macLength;
    if (len < 4 + m) return false;
    return this.#macOk(key, src, off, len - m);
  }

  #macOk(key: InKey, src: Uint8Array, off: number, clen: number): boolean {
    const d = this.#digest;
    key.mac!.compute(src, off, clen, d, 0);
    const m = key.params.macLength;
    let diff = 0;
    for (let i = 0; i < m; i++) diff |= d[i]! ^ src[off + clen + i]!;
    return diff === 0;
  }

  decode(
    key: InKey | null,
    src: Uint8Array,
    off: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
  ): number {
    if (!key) return DROP_NO_KEY;
    const p = key.params;
    const m = key.mac ? p.macLength : 0;
    if (len < 4 + m) return DROP_TOO_SHORT;
    let clen = len - m;
    if (key.mac && !this.#macOk(key, src, off, clen)) return DROP_BAD_MAC;
    let plain = src;
    let poff = off;
    if (key.cipher) {
      if (clen > SCRATCH) return DROP_DECRYPT;
      // Without compression, decrypt straight into dst with the seqno in its headroom.
      const direct = !p.compression && dstOff >= 4;
      plain = direct ? dst : this.#plain;
      poff = direct ? dstOff - 4 : 0;
      const n = key.cipher.decrypt(src, off, clen, plain, poff);
      if (n < 0) return DROP_DECRYPT;
      clen = n;
    }
    if (clen < 4) return DROP_TOO_SHORT;
    const seqno = ((plain[poff]! << 24) | (plain[poff + 1]! << 16) | (plain[poff + 2]! << 8) |
      plain[poff + 3]!) >>> 0;
    const r = key.replay.check(seqno);
    if (r !== REPLAY_OK) return r === REPLAY_FAR_FUTURE ? DROP_FAR_FUTURE : DROP_REPLAY;
    this.seqno = seqno;
    this.lost = key.replay.lost;
    const plen = clen - 4;
    if (p.compression) {
      const n = this.#compressor.decompress(
        p.compression,
        plain,
        poff + 4,
        plen,
        dst,
        dstOff,
        MAX_DATAGRAM,
      );
      if (n < 0) return DROP_DECOMPRESS;
      this.origLen = plen - ((MTU / 64) | 0) - 20;
      return n;
    }
    if (plain !== dst || poff + 4 !== dstOff) {
      for (let i = 0; i < plen; i++) dst[dstOff + i] = plain[poff + 4 + i]!;
    }
    this.origLen = plen;
    return plen;
  }
}
