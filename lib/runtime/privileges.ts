/**
 * secnet's `userid`: after the TUN and sockets are open, become that user (setgroups, setgid,
 * setuid through FFI; glibc applies them to every thread). Also the pidfile.
 *
 * @module
 */
import { check, libc } from "../../ffi/libc.ts";

export interface UserIds {
  readonly uid: number;
  readonly gid: number;
}

/** Looks `userid` up in /etc/passwd; a number is taken as a uid (gid = the same number). */
export function resolveUser(userid: string, passwd?: string): UserIds {
  let text = passwd;
  if (text === undefined) {
    try {
      text = Deno.readTextFileSync("/etc/passwd");
    } catch {
      text = "";
    }
  }
  for (const line of text.split("\n")) {
    const f = line.split(":");
    if (f[0] === userid && f.length >= 4) return { uid: Number(f[2]), gid: Number(f[3]) };
  }
  if (/^\d+$/.test(userid)) return { uid: Number(userid), gid: Number(userid) };
  throw new Error(`userid "${userid}" not found`);
}

/** Drops to `ids` for good: supplementary groups first, then gid, then uid. */
export function dropPrivileges(ids: UserIds): void {
  const c = libc();
  check(c.setgroups(0n, null), "setgroups");
  check(c.setgid(ids.gid), "setgid");
  check(c.setuid(ids.uid), "setuid");
}

/** Writes our pid (secnet writes "%d\n"). */
export function writePidfile(path: string, pid = Deno.pid): void {
  Deno.writeTextFileSync(path, `${pid}\n`, { mode: 0o644 });
}

/** Removes the pidfile; false if it could not be (e.g. after dropping privileges). */
export function removePidfile(path: string): boolean {
  try {
    Deno.removeSync(path);
    return true;
  } catch {
    return false;
  }
}
