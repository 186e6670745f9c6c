// Descriptors of this process by what they are ("socket:[inode]", "anon_inode:[eventfd]", ...),
// so a test can tell whether a socket was closed even when a test running alongside reuses
// the freed number at once.

/** What each descriptor is, by number ("" for one not open). */
export function fdNames(fds: readonly number[]): string[] {
  return fds.map((fd) => {
    try {
      return Deno.readLinkSync(`/proc/self/fd/${fd}`);
    } catch {
      return "";
    }
  });
}

/** The sockets among `names` that are still open in this process. */
export function socketsStillOpen(names: readonly string[]): string[] {
  const open = new Set<string>();
  for (const e of Deno.readDirSync("/proc/self/fd")) {
    try {
      open.add(Deno.readLinkSync(`/proc/self/fd/${e.name}`));
    } catch { /* closed meanwhile */ }
  }
  return names.filter((n) => n.startsWith("socket:") && open.has(n));
}
