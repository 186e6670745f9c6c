/**
 * CST → AST, with the locations secnet's parser gives each node (see ast.ts).
 *
 * @module
 */

import type { CstNode, IToken } from "chevrotain";
import type { Loc } from "../lib/conf/loc.ts";
import type { Assignment, CallNode, ConfFile, DictNode, ItemNode, PathNode } from "./ast.ts";
import { confParser } from "./parser.ts";
import type { ConfToken } from "./tokens.ts";

const BaseVisitor = confParser().getBaseCstVisitorConstructor();

type Children = Record<string, Array<CstNode | IToken> | undefined>;
const nodes = (c: Children, k: string) => (c[k] ?? []) as CstNode[];
const toks = (c: Children, k: string) => (c[k] ?? []) as ConfToken[];
const locOf = (t: ConfToken): Loc => ({ file: t.file, line: t.line });

export class ToAstVisitor extends BaseVisitor {
  /** The whole token stream: a path's location is the token after it. */
  readonly #tokens: readonly ConfToken[];

  constructor(tokens: readonly ConfToken[]) {
    super();
    this.#tokens = tokens;
    this.validateVisitor();
  }

  inputFile(ctx: Children): ConfFile {
    return { kind: "file", assignments: this.visit(nodes(ctx, "assignments")[0]!) };
  }

  assignments(ctx: Children): Assignment[] {
    return nodes(ctx, "assignment").map((a) => this.visit(a));
  }

  assignment(ctx: Children): Assignment {
    const key = toks(ctx, "Key")[0]!;
    return {
      kind: "assignment",
      key: key.image,
      keyLoc: locOf(key),
      value: this.visit(nodes(ctx, "list")[0]!),
    };
  }

  list(ctx: Children): ItemNode[] {
    return nodes(ctx, "item").map((i) => this.visit(i));
  }

  item(ctx: Children): ItemNode {
    let node: ItemNode;
    const s = toks(ctx, "StringLit")[0];
    const n = toks(ctx, "NumberLit")[0];
    const p = nodes(ctx, "path")[0];
    const d = nodes(ctx, "dict")[0];
    if (s) node = { kind: "string", value: String(s.value), loc: locOf(s) };
    else if (n) node = { kind: "number", value: Number(n.value), loc: locOf(n) };
    else if (p) node = this.visit(p);
    else node = this.visit(d!);
    // Calls are left-nested: f(1)(2) calls the result of f(1).
    for (const e of nodes(ctx, "exec")) {
      const { args, loc } = this.visit(e) as { args: ItemNode[]; loc: Loc };
      node = { kind: "call", callee: node, args, loc } satisfies CallNode;
    }
    return node;
  }

  exec(ctx: Children): { args: ItemNode[]; loc: Loc } {
    const close = toks(ctx, "RParen")[0];
    if (close) {
      const list = nodes(ctx, "list")[0];
      return { args: list ? this.visit(list) : [], loc: locOf(close) };
    }
    const dict: DictNode = this.visit(nodes(ctx, "dict")[0]!);
    return { args: [dict], loc: dict.loc };
  }

  path(ctx: Children): PathNode {
    const elements = this.visit(nodes(ctx, "pathelements")[0]!) as PathNode["elements"];
    const keys = toks(nodes(ctx, "pathelements")[0]!.children as Children, "Key");
    const last = keys.reduce((a, b) => (a.seq > b.seq ? a : b));
    const next = this.#tokens[last.seq + 1] ?? last;
    return {
      kind: "path",
      absolute: toks(ctx, "Slash").length > 0,
      elements,
      loc: locOf(next),
    };
  }

  pathelements(ctx: Children): PathNode["elements"] {
    return toks(ctx, "Key")
      .sort((a, b) => a.seq - b.seq)
      .map((k) => ({ key: k.image, loc: locOf(k) }));
  }

  dict(ctx: Children): DictNode {
    const sp = nodes(ctx, "searchpath")[0];
    return {
      kind: "dict",
      searchPath: sp ? this.visit(sp) : undefined,
      assignments: nodes(ctx, "assignment").map((a) => this.visit(a)),
      loc: locOf(toks(ctx, "RBrace")[0]!),
    };
  }

  searchpath(ctx: Children): ItemNode[] {
    return this.visit(nodes(ctx, "list")[0]!);
  }
}
