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
import { scanConfig, type ScanOptions } from "./lexer.ts";
import { confParser } from "./parser.ts";
import { ToAstVisitor } from "./to_ast.ts";
import type { ConfToken } from "./tokens.ts";

export type * from "./ast.ts";
export { pathText } from "./ast.ts";
export { MAX_INCLUDE_DEPTH, scanConfig } from "./lexer.ts";
export type { ScanOptions, ScanResult } from "./lexer.ts";

export type ParseResult =
  | { readonly ok: true; readonly ast: ConfFile }
  /** `errors[0]` is what secnet reports first; all are fatal together. */
  | { readonly ok: false; readonly errors: readonly ConfigError[] };

export function parseConfig(input: Uint8Array, opts: ScanOptions): ParseResult {
  const scan = scanConfig(input, opts);
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
