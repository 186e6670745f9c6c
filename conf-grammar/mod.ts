/**
 * conf-grammar: secnet configuration text → AST. `parseConfig` scans (with includes) and
 * parses, and reports problems as lib/conf ConfigErrors, the first one being the error
 * secnet 0.6.7 would report first.
 *
 * @module
 */

import type { ConfigError } from "../lib/conf/errors.ts";
import type { ConfFile } from "./ast.ts";
import { syntaxError } from "./errors.ts";
import { scanConfig, type ScanOptions, type ScanResult } from "./lexer.ts";
import { confParser } from "./parser.ts";
import { ToAstVisitor } from "./to_ast.ts";
import { type ConfToken, EOF, LAngle, LBrace, LParen, RAngle, RBrace, RParen } from "./tokens.ts";

export type * from "./ast.ts";
export { pathText } from "./ast.ts";
export { MAX_INCLUDE_DEPTH, scanConfig } from "./lexer.ts";
export type { ScanOptions, ScanResult } from "./lexer.ts";

/**
 * How deeply `{ ( <` may nest. The recursive-descent parser needs JS stack per level (about
 * 2 KiB), so the limit keeps deep input a clean error instead of a stack overflow. Real
 * configurations nest a handful of levels.
 */
export const MAX_NESTING = 200;

/** The first opening bracket that goes deeper than `limit`. */
function findExcessNesting(
  tokens: readonly ConfToken[],
  limit: number,
): { seq: number; token: ConfToken } | undefined {
  let depth = 0;
  for (const t of tokens) {
    const ty = t.tokenType;
    if (ty === LBrace || ty === LParen || ty === LAngle) {
      if (++depth > limit) return { seq: t.seq, token: t };
    } else if ((ty === RBrace || ty === RParen || ty === RAngle) && depth > 0) depth--;
  }
  return undefined;
}

export type ParseResult =
  | { readonly ok: true; readonly ast: ConfFile }
  /** `errors[0]` is what secnet reports first; all are fatal together. */
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export function parseConfig(
  input: Uint8Array,
  opts: ScanOptions & { readonly maxNesting?: number },
): ParseResult {
  const scan = scanConfig(input, opts);
  // Our own size limit: not worth parsing millions of tokens just to order the errors.
  if (scan.fatal?.tooLarge) return { ok: false, errors: [scan.fatal.error] };
  const tooDeep = findExcessNesting(scan.tokens, opts.maxNesting ?? MAX_NESTING);
  if (tooDeep && (!scan.fatal || tooDeep.seq < scan.fatal.seq)) {
    // Stop the token stream there: the parser reports any syntax error before it first.
    scan.tokens.length = tooDeep.seq;
    const at = tooDeep.token;
    scan.tokens.push(Object.assign(Object.create(Object.getPrototypeOf(at)), at, {
      tokenType: EOF,
      tokenTypeIdx: EOF.tokenTypeIdx,
      image: "",
    }));
    (scan as { fatal?: ScanResult["fatal"] }).fatal = {
      seq: tooDeep.seq,
      error: syntaxError(
        { file: at.file, line: at.line },
        `brackets nested more than ${
          opts.maxNesting ?? MAX_NESTING
        } deep (tincture's limit; secnet's parser gives up at about 2500 with "memory exhausted")`,
      ),
    };
  }
  const parser = confParser();
  parser.input = scan.tokens;
  const cst = parser.inputFile();
  const found: Array<{ seq: number; error: ConfigError }> = [...scan.errors];
  const pe = parser.errors[0];
  if (pe) {
    const t = pe.token as ConfToken;
    // The error token's seq; chevrotain's own EOF (past our EOF) has none.
    const seq = typeof t.seq === "number" ? t.seq : scan.tokens.length - 1;
    const at = scan.tokens[seq]!;
    // A parse error on the EOF the lexer made when it stopped is the lexer's fatal error.
    if (!(scan.fatal && seq >= scan.fatal.seq)) {
      found.push({ seq, error: syntaxError({ file: at.file, line: at.line }, pe.message) });
    }
  }
  if (scan.fatal) found.push({ seq: scan.fatal.seq, error: scan.fatal.error });
  if (found.length > 0) {
    // Stable: lexer messages for a position come before a parse error found on that token.
    found.sort((a, b) => a.seq - b.seq);
    return { ok: false, errors: found.map((f) => f.error) };
  }
  return { ok: true, ast: new ToAstVisitor(scan.tokens).visit(cst) };
}
