/**
 * tincd 1.0.36's replay window for UDP packets (receive_udppacket, ReplayWindow bytes).
 *
 * API: `new ReplayWindow(bytes)` (16 = 128 packets; 0 disables the check), `check(seqno)` for
 * an authenticated packet: returns REPLAY_OK (and records the seqno) or REPLAY_FAR_FUTURE /
 * REPLAY_LATE (drop). `reset()` when a new key is installed. `received` is the highest seqno
 * seen (the engine rekeys when it passes MAX_SEQNO). All arithmetic is uint32 as in C.
 *
 * @module
 */

export const REPLAY_OK = 0;
/** More than a window ahead; dropped until `bytes/4` such packets came in a row. */
export const REPLAY_FAR_FUTURE = 1;
/** Older than the window, or already received. */
export const REPLAY_LATE = 2;

/** tincd forces a rekey when a node's received seqno passes this. */
export const MAX_SEQNO = 1073741824;

export class ReplayWindow {
  /** Highest seqno accepted so far. */
  received = 0;
  /** Consecutive far-future packets dropped. */
  farfuture = 0;
  /** "Lost N packets" from the last accepted far-future jump (for logs), else 0. */
  lost = 0;
  readonly late: Uint8Array;

  constructor(readonly bytes: number) {
    this.late = new Uint8Array(bytes);
  }

  reset(): void {
    this.received = 0;
    this.farfuture = 0;
    this.lost = 0;
    this.late.fill(0);
  }

  check(seqno: number): number {
    seqno >>>= 0;
    const w = this.bytes;
    this.lost = 0;
    if (w > 0) {
      const late = this.late;
      const received = this.received;
      if (seqno !== ((received + 1) >>> 0)) {
        if (seqno >= ((received + w * 8) >>> 0)) {
          if (this.farfuture++ < w >> 2) return REPLAY_FAR_FUTURE;
          this.lost = (seqno - received - 1) >>> 0;
          late.fill(0);
        } else if (seqno <= received) {
          if (
            (received >= w * 8 && seqno <= received - w * 8) ||
            !(late[(seqno >>> 3) % w]! & (1 << (seqno & 7)))
          ) {
            return REPLAY_LATE;
          }
        } else {
          for (let i = (received + 1) >>> 0; i < seqno; i++) {
            late[(i >>> 3) % w]! |= 1 << (i & 7);
          }
        }
      }
      this.farfuture = 0;
      late[(seqno >>> 3) % w]! &= ~(1 << (seqno & 7));
    }
    if (seqno > this.received) this.received = seqno;
    return REPLAY_OK;
  }
}
