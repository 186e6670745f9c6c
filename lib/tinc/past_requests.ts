/**
 * The past-request cache (seen_request / age_past_requests in src/protocol.c): exact request
 * lines we have already handled, so that flooded ADD/DEL/KEY_CHANGED lines are processed and
 * forwarded once. Entries age out after PingInterval. Bounded: beyond `cap` entries the
 * oldest are forgotten first.
 *
 * @module
 */

export class PastRequests {
  /** line → when first seen (ms); Map keeps insertion order, i.e. oldest first. */
  readonly #seen = new Map<string, number>();

  constructor(readonly cap = 65536) {}

  /** Returns true if `line` was seen before; otherwise remembers it and returns false. */
  seen(line: string, now: number): boolean {
    if (this.#seen.has(line)) return true;
    if (this.#seen.size >= this.cap) {
      const oldest = this.#seen.keys().next().value;
      if (oldest !== undefined) this.#seen.delete(oldest);
    }
    this.#seen.set(line, now);
    return false;
  }

  /** Forgets entries with firstseen + maxAge <= now; returns how many were dropped. */
  age(now: number, maxAge: number): number {
    let dropped = 0;
    for (const [line, first] of this.#seen) {
      if (first + maxAge <= now) {
        this.#seen.delete(line);
        dropped++;
      }
    }
    return dropped;
  }

  get size(): number {
    return this.#seen.size;
  }
}
