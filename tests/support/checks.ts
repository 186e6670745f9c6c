/**
 * Checks shared by the interop tests: ping counts with the lab's logs on failure, and
 * reading tincd's -d4 log for what travelled over the meta connection.
 *
 * @module
 */
import assert from "node:assert/strict";
import { type Lab, type PingResult, sleep } from "./netns.ts";

/** Asserts that `from` reaches `to` (`count` of `count`), showing the logs otherwise. */
export async function assertPings(
  lab: Lab,
  from: string,
  to: string,
  opts: { count?: number; size?: number; dontFragment?: boolean; minReceived?: number } = {},
): Promise<PingResult> {
  const count = opts.count ?? 5;
  const r = await lab.ping(from, to, { ...opts, count, intervalS: 0.2 });
  const want = opts.minReceived ?? count;
  assert.ok(
    r.received >= want,
    `${from} -> ${to}: ${r.received}/${r.sent} replies (want ${want})\n${r.output}${lab.logs()}`,
  );
  return r;
}

/** Waits for the first reply, with the logs in the failure message. */
export async function assertReachable(lab: Lab, from: string, to: string, timeoutMs = 20000) {
  assert.ok(
    await lab.waitPing(from, to, timeoutMs),
    `${from} -> ${to}: no reply within ${timeoutMs} ms${lab.logs()}`,
  );
}

/** Byte length of a file now (to read only what is appended later). */
export function mark(path: string): number {
  try {
    return Deno.statSync(path).size;
  } catch {
    return 0;
  }
}

/** What was appended to `path` since `from`. */
export function since(path: string, from: number): string {
  try {
    return new TextDecoder().decode(Deno.readFileSync(path).subarray(from));
  } catch {
    return "";
  }
}

/**
 * Frames tincd got over a meta connection (`Got PACKET from NAME`): 0 means data travelled
 * by UDP (tincd logs these lines at -d4 and above).
 */
export function tcpPacketsFrom(tincdLogText: string, peer: string): number {
  return [...tincdLogText.matchAll(new RegExp(`Got PACKET from ${peer} `, "g"))].length;
}

/**
 * Pings with DF set until `size`-byte pings get through (PMTU discovery has settled), up
 * to `timeoutMs`; true when they did.
 */
export async function waitBigPings(
  lab: Lab,
  from: string,
  to: string,
  size: number,
  timeoutMs: number,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    const r = await lab.ping(from, to, { count: 1, size, dontFragment: true, waitS: 1 });
    if (r.received === 1) return true;
    await sleep(500);
  }
  return false;
}

/** Runs `ping -i interval` in the background for `seconds`; resolves with the counts. */
export function pingFlow(lab: Lab, from: string, to: string, seconds: number, intervalS = 0.1) {
  return lab.ping(from, to, {
    count: Math.round(seconds / intervalS),
    intervalS,
    waitS: 1,
  });
}

/**
 * Waits until `size`-byte pings with DF cross both ways between `a` and `b` with no frame
 * on the meta connection: both sides have fixed their path MTU and use UDP (tincd takes
 * about 5.5 s). `tincdLog` is the tincd side's -d4 log, `peer` the other node's name.
 * True when that happened within `timeoutMs`.
 */
export async function waitUdpBigPings(
  lab: Lab,
  a: string,
  b: string,
  tincdLog: string,
  peer: string,
  size: number,
  timeoutMs: number,
): Promise<boolean> {
  const end = Date.now() + timeoutMs;
  const tcp = new RegExp(`(Got|Sending) PACKET (from|to) ${peer} `);
  while (Date.now() < end) {
    const m = mark(tincdLog);
    const ab = await lab.ping(a, b, { count: 2, size, dontFragment: true, intervalS: 0.2 });
    const ba = await lab.ping(b, a, { count: 2, size, dontFragment: true, intervalS: 0.2 });
    if (ab.received === 2 && ba.received === 2 && !tcp.test(since(tincdLog, m))) return true;
    await sleep(500);
  }
  return false;
}
