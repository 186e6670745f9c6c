/**
 * The evaluator: AST → root Dict, with secnet 0.6.7's conffile.c semantics.
 *
 *  - Assignments run in order; each value list is evaluated left to right, flattened, and
 *    bound in the current dictionary (a non-empty binding of the same key there is fatal).
 *  - A dictionary literal's parent is the dictionary it is written in.
 *  - A path's first element is looked up in the current dictionary and its parents (the
 *    root only, for `/a`); each later element only in the FIRST item of the previous value,
 *    which must be a dictionary. Lookups see only what is bound at that moment.
 *  - A call evaluates its callee, takes the first item, checks it is an invocable closure,
 *    evaluates the arguments (flattened) and applies it; the result is spliced in.
 *  - `<list> { ... }` search paths are parsed but never evaluated.
 *
 * @module
 */

import { parseConfig } from "../../conf-grammar/mod.ts";
import type { Assignment, CallNode, ConfFile, ItemNode, PathNode } from "../../conf-grammar/ast.ts";
import { registerBuiltinModules } from "../modules/mod.ts";
import { registerCoreBuiltins, registerReadmeExtensions } from "./builtins.ts";
import { type ConfEnv, Dict, newEnv } from "./dict.ts";
import { cfgfatal, ConfigError, type Diagnostic, fatal } from "./errors.ts";
import type { ConfHost } from "./host.ts";
import { dictItem, type Item, type List, numberItem, stringItem } from "./value.ts";

export interface EvaluateOptions {
  /** The config's name in messages: the -c argument, or `-` for stdin. */
  readonly file: string;
  readonly host: ConfHost;
  /** -j (default true: nothing in lib/conf does anything -j would not). */
  readonly justCheck?: boolean;
  /** Bind the README names secnet lacks (`on`, `off`, `randomsrc`). Default false. */
  readonly extensions?: boolean;
  /** Receives warnings as they happen (also returned). */
  readonly diagnostics?: Diagnostic[];
}

export interface EvaluateResult {
  readonly root: Dict;
  readonly diagnostics: Diagnostic[];
}

/** A root dictionary with every predefined name bound (booleans, builtins, modules). */
export function newRootDict(env: ConfEnv, opts: { extensions?: boolean } = {}): Dict {
  // tincture's extensions sit in a scope above the root: visible everywhere, and a config
  // may bind the same names without a duplicate-key error. `/a` paths start at the root.
  const outer = new Dict(null, env);
  const root = new Dict(outer, env, { isRoot: true });
  registerCoreBuiltins(root);
  registerBuiltinModules(root, env.host);
  if (opts.extensions) registerReadmeExtensions(outer, root);
  return root;
}

/**
 * Parses (includes read through `host`) and evaluates a configuration. Throws ConfigError
 * (the first problem secnet would report; further syntax errors in `.more`).
 */
export function evaluateConfig(input: Uint8Array | string, opts: EvaluateOptions): EvaluateResult {
  const bytes = typeof input === "string" ? new TextEncoder().encode(input) : input;
  const parsed = parseConfig(bytes, {
    file: opts.file,
    readInclude: (name) => opts.host.readFile(name),
  });
  if (!parsed.ok) {
    const [first, ...more] = parsed.errors;
    throw more.length
      ? new ConfigError(first!.loc, first!.facility, first!.message, {
        kind: first!.kind,
        exitCode: first!.exitCode,
        more,
      })
      : first!;
  }
  // The caller's array, if any, so warnings survive a later fatal error.
  const env = newEnv(opts.host, opts.justCheck ?? true, opts.diagnostics);
  const root = newRootDict(env, { extensions: opts.extensions });
  evaluateAst(parsed.ast, root);
  return { root, diagnostics: env.diagnostics };
}

/** Evaluates a parsed file's assignments into ROOT. */
export function evaluateAst(ast: ConfFile, root: Dict): void {
  processAlist(root, ast.assignments);
}

function processAlist(ctx: Dict, assignments: readonly Assignment[]): void {
  for (const a of assignments) {
    const value = processList(ctx, a.value);
    if (ctx.lookupPrimitive(a.key)) {
      // secnet prints no location here; tincture names the second binding.
      fatal(`duplicate key "${a.key}" in dictionary`, { loc: a.keyLoc, facility: "conffile" });
    }
    ctx.add(a.key, value);
  }
}

function processList(ctx: Dict, items: readonly ItemNode[]): List {
  if (items.length === 1) return processItem(ctx, items[0]!);
  const r: Item[] = [];
  for (const i of items) {
    const l = processItem(ctx, i);
    for (const it of l) r.push(it);
  }
  return r;
}

function processItem(ctx: Dict, n: ItemNode): List {
  switch (n.kind) {
    case "string":
      return [stringItem(n.value, n.loc)];
    case "number":
      return [numberItem(n.value, n.loc)];
    case "path":
      return lookupPath(n.absolute ? ctx.root() : ctx, n);
    case "dict": {
      const d = new Dict(ctx);
      processAlist(d, n.assignments);
      return [dictItem(d, n.loc)];
    }
    case "call":
      return processInvocation(ctx, n);
  }
}

function lookupPath(ctx: Dict, p: PathNode): List {
  const first = p.elements[0]!;
  const found = ctx.lookup(first.key);
  if (!found) cfgfatal(first.loc, "conffile", `can't find key ${first.key}`);
  let l: List = found;
  for (let i = 1; i < p.elements.length; i++) {
    const prev = p.elements[i - 1]!;
    const head: Item = l[0]!;
    if (head.type !== "dict") {
      cfgfatal(prev.loc, "conffile", `path element "${prev.key}" is not a dictionary`);
    }
    const e = p.elements[i]!;
    const next: List | undefined = head.value.lookupPrimitive(e.key);
    if (!next) cfgfatal(e.loc, "conffile", `can't find key ${e.key}`);
    l = next;
  }
  return l;
}

function processInvocation(ctx: Dict, call: CallNode): List {
  const cll = processItem(ctx, call.callee);
  const cl = cll[0];
  if (!cl) {
    // 0.6.7 dereferences the empty list and dies with SIGSEGV.
    cfgfatal(
      call.callee.loc,
      "conffile",
      "cannot invoke an empty list (secnet 0.6.7 crashes here)",
    );
  }
  if (cl.type !== "closure") cfgfatal(call.callee.loc, "conffile", "only closures can be invoked");
  const closure = cl.value;
  if (!closure.apply) {
    cfgfatal(call.callee.loc, "conffile", "this closure cannot be invoked");
  }
  const args = processList(ctx, call.args);
  return closure.apply(closure, call.loc, ctx, args);
}
