/**
 * The AST of a secnet configuration file (what conffile.y builds, after ptree_mangle has
 * put lists in source order). Every node carries the location secnet's parser gives it,
 * which is not always where the node starts:
 *  - strings, numbers, path elements: their token's line;
 *  - a dictionary: the line of its closing `}`;
 *  - a call: the line of its closing `)` (or of the closing `}` of `f { ... }`);
 *  - a path as a whole: the line of the token after it (bison needed that lookahead to
 *    know the path had ended). It is what "only closures can be invoked" reports.
 *
 * @module
 */

import type { Loc } from "../lib/conf/loc.ts";

export interface ConfFile {
  readonly kind: "file";
  readonly assignments: readonly Assignment[];
}

export interface Assignment {
  readonly kind: "assignment";
  readonly key: string;
  readonly keyLoc: Loc;
  /** The items of the value list, in order (each may evaluate to several items). */
  readonly value: readonly ItemNode[];
}

export type ItemNode = StringNode | NumberNode | PathNode | DictNode | CallNode;

export interface StringNode {
  readonly kind: "string";
  readonly value: string;
  readonly loc: Loc;
}

export interface NumberNode {
  readonly kind: "number";
  readonly value: number;
  readonly loc: Loc;
}

export interface PathElement {
  readonly key: string;
  readonly loc: Loc;
}

export interface PathNode {
  readonly kind: "path";
  readonly absolute: boolean;
  readonly elements: readonly PathElement[];
  readonly loc: Loc;
}

export interface DictNode {
  readonly kind: "dict";
  /** The `<list>` of a search-path dictionary: parsed, never evaluated (as secnet). */
  readonly searchPath?: readonly ItemNode[];
  readonly assignments: readonly Assignment[];
  readonly loc: Loc;
}

export interface CallNode {
  readonly kind: "call";
  readonly callee: ItemNode;
  readonly args: readonly ItemNode[];
  readonly loc: Loc;
}

/** `/a/b` or `a/b`, for messages. */
export function pathText(p: PathNode): string {
  return (p.absolute ? "/" : "") + p.elements.map((e) => e.key).join("/");
}
