/**
 * Shared test helpers: evaluate a small config through the real evaluator with an in-memory
 * ConfHost, and pull out specs or the error secnet would report.
 */
import assert from "node:assert/strict";
import { evaluateConfig } from "../../lib/conf/evaluate.ts";
import { ConfigError, type Diagnostic } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import type { Dict } from "../../lib/conf/dict.ts";
import type { Closure } from "../../lib/conf/closure.ts";

export type Files = Record<string, string | Uint8Array>;

export function evalConf(
  src: string,
  files: Files = {},
  opts: { justCheck?: boolean; dirs?: string[] } = {},
): { root: Dict; diagnostics: Diagnostic[] } {
  const host = memoryHost(files, { cwd: "/case", dirs: opts.dirs });
  return evaluateConfig(src, { file: "t.conf", host, justCheck: opts.justCheck ?? true });
}

/** The error evaluation throws (fails the test if it accepts). */
export function rejects(
  src: string,
  files: Files = {},
  opts: { dirs?: string[] } = {},
): ConfigError {
  try {
    evalConf(src, files, opts);
  } catch (e) {
    if (e instanceof ConfigError) return e;
    throw e;
  }
  assert.fail(`accepted: ${src}`);
}

/** Asserts the error's facility, message and line. */
export function assertError(
  e: ConfigError,
  facility: string,
  message: string | RegExp,
  line?: number,
): void {
  assert.equal(e.facility, facility, `facility of: ${e.message}`);
  if (typeof message === "string") assert.equal(e.message, message);
  else assert.match(e.message, message);
  if (line !== undefined) assert.equal(e.loc?.line, line, `line of: ${e.message}`);
}

/** The single closure bound to KEY at the root. */
export function closureAt(root: Dict, key: string): Closure {
  const l = root.lookup(key);
  assert.ok(l && l.length === 1, `${key} should be one item`);
  const it = l[0]!;
  assert.equal(it.type, "closure");
  return it.value as Closure;
}

export function specAt<S>(root: Dict, key: string): S {
  return closureAt(root, key).spec as S;
}

export const DH_PRIME =
  "8db5f2c15ac96d9f3382d1ef4688fba14dc7908ae7dfd71a9cfe7f479a75d506dc53f159aeaf488bde073fe544bc91c099f101fcf60074f30c06e36263c03ca9e07931ce3fc235fe1171dc6d9316fb097bd4362891e2c36e234e7c16b038fd97b1f165c710e90537de66ee4f54001f5712b050d4e07de3fba07607b19b64f6c3";

/** A small RSA key pair (toy size, but consistent) for key-file tests. */
export const TOY_KEY = (() => {
  // p, q: 64-bit primes; e = 65537.
  const p = 18446744073709551557n; // 2^64 - 59
  const q = 18446744073709551533n; // 2^64 - 83
  const e = 65537n;
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  const inv = (a: bigint, m: bigint) => {
    let [r0, r1, s0, s1] = [a % m, m, 1n, 0n];
    while (r1 !== 0n) {
      const t = r0 / r1;
      [r0, r1] = [r1, r0 - t * r1];
      [s0, s1] = [s1, s0 - t * s1];
    }
    return ((s0 % m) + m) % m;
  };
  const d = inv(e, phi);
  return { n, e, d, p, q, dp: d % (p - 1n), dq: d % (q - 1n), qinv: inv(q, p), size: 16 };
})();
