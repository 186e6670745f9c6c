/**
 * `adns({ config "..." })` → RESOLVER (secnet resolver.c). adns accepts any text as its
 * config, so only the types are checked.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { dictReadString } from "../conf/read.ts";
import { closureList, dictArg } from "./common.ts";
import type { ResolverSpec } from "./specs.ts";

export function registerResolver(root: Dict): void {
  defineClosure(root, "adns", (_self, loc, _context, args) => {
    const d = dictArg(args, loc, "adns", "first argument must be a dictionary");
    const config = dictReadString(d, "config", { required: false, loc, facility: "adns" });
    const spec: ResolverSpec = { type: "adns", config: config ?? null };
    return closureList("RESOLVER", "adns", spec);
  });
}
