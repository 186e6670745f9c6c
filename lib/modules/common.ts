/**
 * Small helpers shared by the closure families: building closure values and reading the
 * spec back out of a closure another closure was given.
 *
 * @module
 */

import { type ApplyFn, type Closure, type ClosureKind, makeClosure } from "../conf/closure.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import { closureItem, type Item, type List } from "../conf/value.ts";
import type { Dict } from "../conf/dict.ts";

/** A one-closure list, as secnet's new_closure(). */
export function closureList<S>(
  kind: ClosureKind,
  description: string,
  spec: S,
  apply?: ApplyFn,
): List {
  return [closureItem(makeClosure(kind, description, spec, apply))];
}

/** The spec of a closure built by lib/modules (every module closure has one). */
export function specOf<S>(cl: Closure): S {
  return cl.spec as S;
}

/**
 * The first argument as a dictionary, or cfgfatal(loc, facility, message): the usual
 * `if (!item || item->type!=t_dict)` check.
 */
export function dictArg(args: List, loc: Loc, facility: string, message: string): Dict {
  const item: Item | undefined = args[0];
  if (!item || item.type !== "dict") cfgfatal(loc, facility, message);
  return item.value;
}

/** secnet's (FILE:LINE) text for messages that print a location themselves. */
export function locText(loc: Loc, sep = ":"): string {
  return `${loc.file}${sep}${loc.line}`;
}
