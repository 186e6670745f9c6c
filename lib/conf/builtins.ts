/**
 * The predefined root names that are not modules (secnet's process_config): the 18
 * booleans, makelist, readfile and map; plus tincture's opt-in README-name extensions
 * (`on`, `off`, `randomsrc`), which live in a scope above the root so a config may still
 * bind those names itself.
 *
 * @module
 */

import { defineClosure } from "./closure.ts";
import type { Dict } from "./dict.ts";
import { cfgfatal, fatal } from "./errors.ts";
import { ConfHostError } from "./host.ts";
import { boolItem, type Item, type List, stringItem } from "./value.ts";

export const FALSE_NAMES = [
  "false",
  "False",
  "FALSE",
  "no",
  "No",
  "NO",
  "nowise",
  "Nowise",
  "NOWISE",
] as const;
export const TRUE_NAMES = [
  "true",
  "True",
  "TRUE",
  "yes",
  "Yes",
  "YES",
  "verily",
  "Verily",
  "VERILY",
] as const;

/** secnet's predefined names, in the order secnet binds them (booleans first). */
export const PREDEFINED_CORE = [...FALSE_NAMES, ...TRUE_NAMES, "makelist", "readfile", "map"];

/** The 22 module closures secnet 0.6.7 binds at the root (lib/modules registers them). */
export const PREDEFINED_MODULES = [
  "make-public",
  "adns",
  "randomfile",
  "udp",
  "polypath",
  "sysbuffer",
  "site",
  "eax-serpent",
  "serpent256-cbc",
  "null-netlink",
  "rsa-private",
  "rsa-public",
  "diffie-hellman",
  "md5",
  "userv-ipif",
  "tun",
  "tun-old",
  "sha1",
  "logfile",
  "syslog",
  "priv-cache",
  "load-private",
] as const;

/** Binds the booleans, makelist, readfile and map in ROOT. */
export function registerCoreBuiltins(root: Dict): void {
  const f: List = [boolItem(false)];
  const t: List = [boolItem(true)];
  for (const n of FALSE_NAMES) root.add(n, f);
  for (const n of TRUE_NAMES) root.add(n, t);
  defineClosure(root, "makelist", makelist);
  defineClosure(root, "readfile", readfile);
  defineClosure(root, "map", map);
}

/**
 * makelist(ARGS...): dictionaries contribute their own entries' values, most recently
 * defined first (0.6.7 walks its entry list, which is newest-first); others pass through.
 */
function makelist(_self: unknown, _loc: unknown, _ctx: Dict, args: List): List {
  const r: Item[] = [];
  for (const it of args) {
    if (it.type === "dict") {
      for (const [, v] of it.value.entriesNewestFirst()) r.push(...v);
    } else r.push(it);
  }
  return r;
}

/** map(CL, ITEMS...): CL applied to each item alone, results joined. */
const map: Parameters<typeof defineClosure>[2] = (_self, loc, ctx, args) => {
  const ci = args[0];
  if (!ci || ci.type !== "closure") {
    cfgfatal(loc, "map", "you must supply a closure as the first argument");
  }
  const cl = ci.value;
  if (!cl.apply) cfgfatal(loc, "map", "closure cannot be applied");
  const r: Item[] = [];
  for (const it of args.slice(1)) r.push(...cl.apply(cl, loc, ctx, [it]));
  return r;
};

/** readfile(PATH): the file's contents as one string (PATH relative to the cwd). */
const readfile: Parameters<typeof defineClosure>[2] = (_self, loc, ctx, args) => {
  const r = args[0];
  if (!r) cfgfatal(loc, "readfile", "you must supply a filename");
  if (r.type !== "string") cfgfatal(loc, "readfile", "filename must be a string");
  let data: Uint8Array;
  try {
    data = ctx.env.host.readFile(r.value);
  } catch (e) {
    if (e instanceof ConfHostError && e.code === "EISDIR") {
      // fopen() succeeds on a directory; ftell() then asks for an absurd buffer.
      fatal(`cannot read file "${r.value}": it is a directory (secnet: Cannot allocate memory)`, {
        loc,
        facility: "readfile",
      });
    }
    const why = e instanceof ConfHostError ? e.reason : String(e);
    fatal(`cannot open file "${r.value}": ${why}`, { loc, facility: "readfile" });
  }
  if (data.length === 0) {
    fatal(`fread: could not read all of file "${r.value}" (it is empty)`, {
      loc,
      facility: "readfile",
    });
  }
  // A C string: it ends at the first NUL byte.
  const z = data.indexOf(0);
  const text = new TextDecoder().decode(z >= 0 ? data.subarray(0, z) : data);
  return [stringItem(text, loc)];
};

/**
 * The README's names secnet 0.6.7 lacks: `on`/`off` booleans and `randomsrc` for
 * `randomfile`. Bound in SCOPE, a dictionary above the root (so the root may rebind them);
 * `randomsrc` only if some module has bound `randomfile` in ROOT.
 */
export function registerReadmeExtensions(scope: Dict, root: Dict): void {
  scope.add("on", [boolItem(true)]);
  scope.add("off", [boolItem(false)]);
  const rf = root.lookupPrimitive("randomfile");
  if (rf) scope.add("randomsrc", rf);
}
