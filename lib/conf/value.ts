/**
 * Configuration values, as secnet's item_t/list_t: every value is a flat list of items; an
 * item is a boolean, string, number (unsigned 32-bit), dictionary or closure, and carries
 * the location it came from (closures and predefined booleans have NO_LOC).
 *
 * @module
 */

import type { Closure } from "./closure.ts";
import type { Dict } from "./dict.ts";
import { type Loc, NO_LOC } from "./loc.ts";

export interface BoolItem {
  readonly type: "bool";
  readonly value: boolean;
  readonly loc: Loc;
}
export interface StringItem {
  readonly type: "string";
  readonly value: string;
  readonly loc: Loc;
}
export interface NumberItem {
  readonly type: "number";
  /** 0 .. 2^32-1 */
  readonly value: number;
  readonly loc: Loc;
}
export interface DictItem {
  readonly type: "dict";
  readonly value: Dict;
  readonly loc: Loc;
}
export interface ClosureItem {
  readonly type: "closure";
  readonly value: Closure;
  readonly loc: Loc;
}

export type Item = BoolItem | StringItem | NumberItem | DictItem | ClosureItem;
export type ItemType = Item["type"];

/** A value: a flat list. An empty list is a real value (a key bound to it acts unbound). */
export type List = readonly Item[];

export const boolItem = (value: boolean, loc: Loc = NO_LOC): BoolItem => ({
  type: "bool",
  value,
  loc,
});
export const stringItem = (value: string, loc: Loc): StringItem => ({
  type: "string",
  value,
  loc,
});
export const numberItem = (value: number, loc: Loc): NumberItem => ({
  type: "number",
  value,
  loc,
});
export const dictItem = (value: Dict, loc: Loc): DictItem => ({ type: "dict", value, loc });
/** Closures have no location in secnet (new_closure uses no_loc). */
export const closureItem = (value: Closure): ClosureItem => ({
  type: "closure",
  value,
  loc: NO_LOC,
});

/** secnet's type names for messages: "bool", "string", ... */
export function describeItem(item: Item): string {
  switch (item.type) {
    case "bool":
      return item.value ? "boolean true" : "boolean false";
    case "string":
      return `string "${item.value}"`;
    case "number":
      return `number ${item.value}`;
    case "dict":
      return "dictionary";
    case "closure":
      return `${item.value.kind} closure "${item.value.description}"`;
  }
}
