/**
 * The scanner: bytes → ConfToken stream, with secnet 0.6.7's flex rules (conffile.fl)
 * reproduced exactly, includes spliced in as the lexer meets them.
 *
 * Written by hand rather than with chevrotain's Lexer because flex's behaviour here is
 * stateful in ways a token table cannot say: `include` switches input buffers mid-statement
 * (and its "filename" state survives the end of an included file), a byte >= 0x80 or NUL
 * ends the parser's input on the spot, newlines inside strings are not counted, and a
 * comment needs its newline. The tokens are chevrotain tokens (tokens.ts) for parser.ts.
 *
 * Rules, in flex's priority order (longest match first, then earliest rule):
 *   include            → start of an include (only if exactly 7 key chars)
 *   "[^"]*"            → StringLit (may span lines; those newlines are NOT counted)
 *   [A-Za-z_][A-Za-z0-9_-]* → Key
 *   [0-9]+             → NumberLit (> 4294967295: fatal, exit 1)
 *   #.*\n              → comment (counts its newline)
 *   \n                 → counts a line
 *   space, tab         → skipped
 *   any other byte     → single-char token; NUL or >= 0x80 = end of input
 *
 * @module
 */

import type { TokenType } from "chevrotain";
import { ConfigError } from "../lib/conf/errors.ts";
import { ConfHostError } from "../lib/conf/host.ts";
import type { Loc } from "../lib/conf/loc.ts";
import { includeError, numberTooBig, syntaxError } from "./errors.ts";
import { type ConfToken, EOF, Key, NumberLit, PUNCTUATION, Stray, StringLit } from "./tokens.ts";

/** secnet's MAX_INCLUDE_DEPTH: the main file plus at most 10 nested includes. */
export const MAX_INCLUDE_DEPTH = 10;
/**
 * A bound on tokens so a huge input fails clearly instead of exhausting memory (a token and
 * its share of the parse tree cost about 600 bytes). A 10,000-site configuration is about
 * 400,000 tokens.
 */
export const DEFAULT_MAX_TOKENS = 2_000_000;

export interface ScanOptions {
  /** Name of the main file as the user gave it (`-` for stdin). */
  readonly file: string;
  /** Reads an include by its name as written (relative to the process's cwd). */
  readonly readInclude?: (name: string) => Uint8Array;
  readonly maxTokens?: number;
}

export interface ScanResult {
  /** Ends with an EOF token. */
  readonly tokens: ConfToken[];
  /**
   * Errors after which secnet's parser carries on (``include'' requires a filename);
   * each counts as a syntax error placed before token `seq`.
   */
  readonly errors: Array<{ seq: number; error: ConfigError }>;
  /** A fatal error that stopped the lexer before token `seq` was scanned. */
  readonly fatal?: { seq: number; error: ConfigError; tooLarge?: boolean };
}

interface Frame {
  readonly bytes: Uint8Array;
  readonly file: string;
  pos: number;
  line: number;
}

const NL = 0x0a, SP = 0x20, TAB = 0x09, QUOTE = 0x22, HASH = 0x23;
const INCLUDE = [0x69, 0x6e, 0x63, 0x6c, 0x75, 0x64, 0x65]; // "include"

const isAlpha = (c: number) => (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isKeyStart = (c: number) => isAlpha(c) || c === 0x5f;
const isKeyChar = (c: number) => isAlpha(c) || isDigit(c) || c === 0x5f || c === 0x2d;

const utf8 = new TextDecoder("utf-8");
const ascii = (b: Uint8Array, from: number, to: number) => {
  let s = "";
  for (let i = from; i < to; i++) s += String.fromCharCode(b[i]!);
  return s;
};

/** What an include open/read failure says, as secnet words it. */
function includeFailure(name: string, e: unknown, loc: Loc): ConfigError {
  if (e instanceof ConfHostError && e.code === "EISDIR") {
    return includeError(loc, `Error reading configuration file (${name}): ${e.reason}`);
  }
  const why = e instanceof ConfHostError ? `: ${e.reason}` : "";
  return includeError(loc, `Can't open included file ${name}${why}`);
}

export function scanConfig(input: Uint8Array, opts: ScanOptions): ScanResult {
  const tokens: ConfToken[] = [];
  const errors: Array<{ seq: number; error: ConfigError }> = [];
  const maxTokens = opts.maxTokens ?? DEFAULT_MAX_TOKENS;
  const stack: Frame[] = [{ bytes: input, file: opts.file, pos: 0, line: 1 }];
  let inInclude = false; // flex's `incl` start condition
  let fatal: ScanResult["fatal"];

  const push = (type: TokenType, image: string, f: Frame, value?: string | number) => {
    // One object literal (what createTokenInstance builds, plus our fields) keeps every
    // token the same shape, which matters for memory with hundreds of thousands of them.
    const t: ConfToken = {
      image,
      startOffset: f.pos,
      endOffset: f.pos + image.length - 1,
      startLine: f.line,
      endLine: f.line,
      startColumn: 0,
      endColumn: 0,
      tokenTypeIdx: type.tokenTypeIdx!,
      tokenType: type,
      file: f.file,
      line: f.line,
      seq: tokens.length,
      value,
    };
    tokens.push(t);
  };
  const endOfInput = (f: Frame) => push(EOF, "", f);

  for (;;) {
    const f = stack[stack.length - 1]!;
    const b = f.bytes;
    if (tokens.length >= maxTokens) {
      fatal = {
        tooLarge: true,
        seq: tokens.length,
        error: new ConfigError(
          { file: f.file, line: f.line },
          "conffile",
          `configuration too large (more than ${maxTokens} tokens; tincture's limit)`,
          { kind: "fatal", exitCode: 2 },
        ),
      };
      endOfInput(f);
      break;
    }
    if (f.pos >= b.length) {
      if (stack.length === 1) {
        endOfInput(f);
        break;
      }
      stack.pop(); // back to the includer, straight after the filename; state unchanged
      continue;
    }
    const c = b[f.pos]!;

    if (inInclude) {
      if (c === SP || c === TAB) {
        f.pos++;
        continue;
      }
      if (c === NL) {
        errors.push({
          seq: tokens.length,
          error: syntaxError({ file: f.file, line: f.line }, "``include'' requires a filename"),
        });
        inInclude = false;
        f.line++;
        f.pos++;
        continue;
      }
      let e = f.pos;
      while (e < b.length && b[e] !== SP && b[e] !== TAB && b[e] !== NL) e++;
      const nameBytes = b.subarray(f.pos, e);
      const name = utf8.decode(nameBytes);
      f.pos = e;
      inInclude = false;
      const loc = { file: f.file, line: f.line };
      if (stack.length - 1 >= MAX_INCLUDE_DEPTH) {
        fatal = {
          seq: tokens.length,
          error: includeError(
            loc,
            `Configuration file includes nested too deeply (including ${name}; at most ${MAX_INCLUDE_DEPTH} levels)`,
          ),
        };
        endOfInput(f);
        break;
      }
      let data: Uint8Array;
      try {
        if (!opts.readInclude) throw new ConfHostError("ENOENT", name);
        // fopen stops at a NUL byte in the name.
        const z = name.indexOf("\0");
        data = opts.readInclude(z >= 0 ? name.slice(0, z) : name);
      } catch (err) {
        fatal = { seq: tokens.length, error: includeFailure(name, err, loc) };
        endOfInput(f);
        break;
      }
      stack.push({ bytes: data, file: name, pos: 0, line: 1 });
      continue;
    }

    if (isKeyStart(c)) {
      let e = f.pos + 1;
      while (e < b.length && isKeyChar(b[e]!)) e++;
      if (e - f.pos === 7 && INCLUDE.every((x, i) => b[f.pos + i] === x)) {
        inInclude = true;
        f.pos = e;
        continue;
      }
      const image = ascii(b, f.pos, e);
      push(Key, image, f, image);
      f.pos = e;
      continue;
    }
    if (isDigit(c)) {
      let e = f.pos + 1;
      while (e < b.length && isDigit(b[e]!)) e++;
      const digits = ascii(b, f.pos, e);
      // strtoul: leading zeros are fine; anything above 2^32-1 is "too big".
      const trimmed = digits.replace(/^0+(?=.)/, "");
      const value = trimmed.length > 10 ? Infinity : Number(trimmed);
      if (value > 0xffffffff) {
        fatal = { seq: tokens.length, error: numberTooBig({ file: f.file, line: f.line }, digits) };
        endOfInput(f);
        break;
      }
      push(NumberLit, digits, f, value);
      f.pos = e;
      continue;
    }
    if (c === QUOTE) {
      const close = b.indexOf(QUOTE, f.pos + 1);
      if (close >= 0) {
        // Strings are C strings to secnet: a NUL byte ends the value.
        const nul = b.subarray(f.pos + 1, close).indexOf(0);
        const value = utf8.decode(b.subarray(f.pos + 1, nul >= 0 ? f.pos + 1 + nul : close));
        push(StringLit, `"${value}"`, f, value);
        f.pos = close + 1; // newlines inside are deliberately not counted (secnet)
        continue;
      }
      push(Stray, '"', f);
      f.pos++;
      continue;
    }
    if (c === HASH) {
      const nl = b.indexOf(NL, f.pos);
      if (nl >= 0) {
        f.pos = nl + 1;
        f.line++;
        continue;
      }
      push(Stray, "#", f); // a comment needs its newline
      f.pos++;
      continue;
    }
    if (c === NL) {
      f.line++;
      f.pos++;
      continue;
    }
    if (c === SP || c === TAB) {
      f.pos++;
      continue;
    }
    if (c === 0 || c >= 0x80) {
      // flex hands the parser a char <= 0, which bison takes as end of input.
      endOfInput(f);
      break;
    }
    push(PUNCTUATION.get(c) ?? Stray, String.fromCharCode(c), f);
    f.pos++;
  }
  return { tokens, errors, fatal };
}
