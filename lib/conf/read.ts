/**
 * Readers for closures' dictionary arguments, twins of secnet's dict_find_item,
 * dict_read_string/number/bool/dict/string_array, find_cl_if and string_to_word, with the
 * same lookups (parents included) and the same messages. `loc` is the location errors are
 * reported at (normally the call's), `facility` the closure's name in messages.
 *
 * @module
 */

import type { Closure, ClosureKind } from "./closure.ts";
import type { Dict } from "./dict.ts";
import { cfgfatal } from "./errors.ts";
import type { Loc } from "./loc.ts";
import type { Item, ItemType } from "./value.ts";

export interface ReadOpts {
  readonly required: boolean;
  readonly loc: Loc;
  readonly facility: string;
}

/** dict_find_item: the single item bound to KEY, or undefined when absent and optional. */
export function dictFindItem(dict: Dict, key: string, o: ReadOpts): Item | undefined {
  const l = dict.lookup(key);
  if (!l) {
    if (!o.required) return undefined;
    cfgfatal(o.loc, o.facility, `required parameter "${key}" not found`);
  }
  if (l.length !== 1) {
    // 0.6.7 never prints this one (its format lacks the newline).
    cfgfatal(o.loc, o.facility, `parameter "${key}" has wrong number of values`, {
      silent: true,
    });
  }
  return l[0];
}

type ValueOf = { [T in ItemType]: Extract<Item, { type: T }>["value"] };

/** The value of KEY's item, which must have type `type` (`"KEY" must be <what>`). */
function dictReadTyped<T extends ItemType>(
  dict: Dict,
  key: string,
  o: ReadOpts,
  type: T,
  what: string,
): ValueOf[T] | undefined {
  const i = dictFindItem(dict, key, o);
  if (!i) return undefined;
  if (i.type !== type) cfgfatal(o.loc, o.facility, `"${key}" must be ${what}`);
  return i.value as ValueOf[T];
}

export function dictReadString(dict: Dict, key: string, o: ReadOpts): string | undefined {
  return dictReadTyped(dict, key, o, "string", "a string");
}

/** dict_read_number: must be a number below 2^31. */
export function dictReadNumber(
  dict: Dict,
  key: string,
  o: ReadOpts & { readonly def?: number },
): number | undefined {
  const n = dictReadTyped(dict, key, o, "number", "a number");
  if (n === undefined) return o.def;
  if (n >= 0x80000000) {
    cfgfatal(o.loc, o.facility, `"${key}" must fit into a 32-bit signed integer`);
  }
  return n;
}

export function dictReadBool(
  dict: Dict,
  key: string,
  o: ReadOpts & { readonly def?: boolean },
): boolean | undefined {
  return dictReadTyped(dict, key, o, "bool", "a boolean") ?? o.def;
}

export function dictReadDict(dict: Dict, key: string, o: ReadOpts): Dict | undefined {
  return dictReadTyped(dict, key, o, "dict", "a dictionary");
}

/**
 * dict_read_string_array: every item of KEY's list, each a string (errors at the entry's
 * own location). Absent and optional: `def`.
 */
export function dictReadStringArray(
  dict: Dict,
  key: string,
  o: ReadOpts & { readonly def?: readonly string[] },
): readonly string[] | undefined {
  const l = dict.lookup(key);
  if (!l) {
    if (!o.required) return o.def;
    cfgfatal(o.loc, o.facility, `required string list "${key}" not found`);
  }
  return l.map((it) => {
    if (it.type !== "string") cfgfatal(it.loc, o.facility, `"${key}" entry must be a string`);
    return it.value;
  });
}

/**
 * find_cl_if: the closure of KIND bound to KEY. Returns the closure (secnet returns its
 * interface; here `closure.spec` plays that part).
 */
export function findClIf(
  dict: Dict,
  key: string,
  kind: ClosureKind,
  o: ReadOpts,
): Closure | undefined {
  const i = dictFindItem(dict, key, o);
  if (!i) return undefined;
  if (i.type !== "closure") cfgfatal(o.loc, o.facility, `"${key}" must be a closure`);
  if (i.value.kind !== kind) clTypeError(o.loc, o.facility, i.value, kind, key);
  return i.value;
}

/** cfgfatal_cl_type. */
export function clTypeError(
  loc: Loc,
  facility: string,
  cl: Closure,
  expected: ClosureKind,
  name: string,
): never {
  cfgfatal(
    loc,
    facility,
    `"${name}" is the wrong type of closure (expected ${expected}, got ${cl.kind})`,
  );
}

/** string_to_word: maps a word through a table; `option "S" not known`. */
export function stringToWord(
  s: string,
  loc: Loc,
  table: ReadonlyArray<readonly [string, number]>,
  facility: string,
): number {
  for (const [name, value] of table) if (name === s) return value;
  cfgfatal(loc, facility, `option "${s}" not known`);
}

/** string_list_to_word: ORs the words of a list of strings. */
export function stringListToWord(
  l: readonly Item[],
  table: ReadonlyArray<readonly [string, number]>,
  facility: string,
): number {
  let r = 0;
  for (const it of l) {
    if (it.type !== "string") cfgfatal(it.loc, facility, "all elements of list must be strings");
    r |= stringToWord(it.value, it.loc, table, facility);
  }
  return r;
}
