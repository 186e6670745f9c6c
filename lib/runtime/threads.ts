/**
 * V8's background threads (compilers, concurrent GC) at SCHED_IDLE. The data plane is one
 * thread blocked in poll(); when a packet wakes it while a V8 background job runs on the same
 * core, the kernel's fair scheduler may let that job finish its slice first (3-4 ms: the ping
 * p99 spikes measured in bench/). A SCHED_IDLE thread is preempted at once by any normal one,
 * and still gets every idle cycle, so compiles and marking go on between packets.
 *
 * @module
 */
import { libc } from "../../ffi/libc.ts";

export const SCHED_OTHER = 0;
export const SCHED_IDLE = 5;

/** Threads of this process whose name starts with `prefix` (V8 names its pool "V8 DefaultWorke"). */
export function threadsNamed(prefix: string): number[] {
  const tids: number[] = [];
  for (const e of Deno.readDirSync("/proc/self/task")) {
    try {
      if (Deno.readTextFileSync(`/proc/self/task/${e.name}/comm`).startsWith(prefix)) {
        tids.push(Number(e.name));
      }
    } catch { /* the thread ended */ }
  }
  return tids;
}

/** Sets a thread's scheduling policy (priority 0); false when the kernel refused. */
export function setPolicy(tid: number, policy: number): boolean {
  return libc().sched_setscheduler(tid, policy, new Uint8Array(4)) === 0;
}

/** The scheduling policy of a thread, from /proc (-1 when unknown). */
export function policyOf(tid: number): number {
  try {
    const stat = Deno.readTextFileSync(`/proc/self/task/${tid}/stat`);
    // Fields after the parenthesised name; policy is field 41 (1-based) of the whole line.
    const rest = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return Number(rest[41 - 3]);
  } catch {
    return -1;
  }
}

/** Puts V8's background threads at SCHED_IDLE; returns how many it moved. */
export function idleV8Workers(): number {
  let n = 0;
  for (const tid of threadsNamed("V8 ")) if (setPolicy(tid, SCHED_IDLE)) n++;
  return n;
}
