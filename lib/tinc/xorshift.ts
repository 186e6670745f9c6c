/**
 * Marsaglia's xorshift32 (13, 17, 5): the fast non-cryptographic generator behind tincd-style
 * nonces, PMTU probe jitter and the deterministic test network. Not for key material.
 *
 * @module
 */

/** The next state after `x` (a non-zero uint32 gives a non-zero uint32). */
export function xorshift32(x: number): number {
  x ^= x << 13;
  x ^= x >>> 17;
  x ^= x << 5;
  return x >>> 0;
}
