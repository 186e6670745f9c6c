/**
 * Registry of secnet's module closures (udp, site, tun, rsa-private, ...): binds each one in
 * the root dictionary, as secnet's init_builtin_modules(). Owned by the closures engineer;
 * this is the empty starting point lib/conf/evaluate.ts calls.
 *
 * @module
 */

import type { Dict } from "../conf/dict.ts";
import type { ConfHost } from "../conf/host.ts";

/** Called once per configuration, after the booleans, makelist, readfile and map. */
export function registerBuiltinModules(_root: Dict, _host: ConfHost): void {
}
