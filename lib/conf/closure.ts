/**
 * Closures, as secnet's closure_t: a kind (CL_* type, printed as PURE, LOG, SITE, ...), a
 * description (its name in messages), an optional `apply` (absent = "this closure cannot be
 * invoked"), and for module closures a plain-data `spec` the runtime turns into real objects
 * (lib/modules/specs.ts says what each kind's spec is).
 *
 * @module
 */

import type { Dict } from "./dict.ts";
import type { Loc } from "./loc.ts";
import { closureItem, type List } from "./value.ts";

/** secnet's closure_type_names[] (CL_PURE .. CL_PRIVCACHE; 10 is unused). */
export const CLOSURE_KINDS = [
  "PURE",
  "RESOLVER",
  "RANDOMSRC",
  "SIGPUBKEY",
  "SIGPRIVKEY",
  "COMM",
  "IPIF",
  "LOG",
  "SITE",
  "TRANSFORM",
  "DH",
  "HASH",
  "BUFFER",
  "NETLINK",
  "PRIVCACHE",
] as const;
export type ClosureKind = typeof CLOSURE_KINDS[number];

/**
 * secnet's apply_fn: `loc` is the call's location (line of its closing `)` or `}`),
 * `context` the dictionary the call is evaluated in, `args` the flattened arguments.
 */
export type ApplyFn = (self: Closure, loc: Loc, context: Dict, args: List) => List;

export interface Closure<S = unknown> {
  readonly kind: ClosureKind;
  readonly description: string;
  readonly apply?: ApplyFn;
  /** What the closure stands for, as plain data (module closures). */
  readonly spec?: S;
}

/** A closure value, for closures that build closures. */
export function makeClosure<S>(
  kind: ClosureKind,
  description: string,
  spec?: S,
  apply?: ApplyFn,
): Closure<S> {
  return { kind, description, spec, apply };
}

/** secnet's add_closure(): binds NAME in DICT to an invocable PURE closure. */
export function defineClosure(dict: Dict, name: string, apply: ApplyFn): Closure {
  const cl: Closure = { kind: "PURE", description: name, apply };
  dict.add(name, [closureItem(cl)]);
  return cl;
}
