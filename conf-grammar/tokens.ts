/**
 * Token types of secnet's configuration language (conffile.fl), as chevrotain TokenTypes.
 * The parser (parser.ts) consumes these; the scanner (lexer.ts) produces them.
 *
 * Only `= ; , { } ( ) / < >` mean anything to the grammar. Every other stray byte becomes
 * a `Stray` token, which no rule accepts, so it is a syntax error exactly where secnet's
 * bison parser reports one.
 *
 * @module
 */

import { createToken, EOF, type IToken, type TokenType } from "chevrotain";

export const Key = createToken({ name: "Key", pattern: /[A-Za-z_][A-Za-z0-9_-]*/ });
export const StringLit = createToken({ name: "StringLit", pattern: /"[^"]*"/ });
export const NumberLit = createToken({ name: "NumberLit", pattern: /[0-9]+/ });
export const Equals = createToken({ name: "Equals", pattern: "=", label: "'='" });
export const Semicolon = createToken({ name: "Semicolon", pattern: ";", label: "';'" });
export const Comma = createToken({ name: "Comma", pattern: ",", label: "','" });
export const LBrace = createToken({ name: "LBrace", pattern: "{", label: "'{'" });
export const RBrace = createToken({ name: "RBrace", pattern: "}", label: "'}'" });
export const LParen = createToken({ name: "LParen", pattern: "(", label: "'('" });
export const RParen = createToken({ name: "RParen", pattern: ")", label: "')'" });
export const Slash = createToken({ name: "Slash", pattern: "/", label: "'/'" });
export const LAngle = createToken({ name: "LAngle", pattern: "<", label: "'<'" });
export const RAngle = createToken({ name: "RAngle", pattern: ">", label: "'>'" });
/** Any other single byte outside strings and comments (secnet's `.` rule). */
export const Stray = createToken({ name: "Stray", pattern: /./ });

export const allTokens: TokenType[] = [
  Key,
  StringLit,
  NumberLit,
  Equals,
  Semicolon,
  Comma,
  LBrace,
  RBrace,
  LParen,
  RParen,
  Slash,
  LAngle,
  RAngle,
  Stray,
];

export const PUNCTUATION: ReadonlyMap<number, TokenType> = new Map([
  [0x3d, Equals],
  [0x3b, Semicolon],
  [0x2c, Comma],
  [0x7b, LBrace],
  [0x7d, RBrace],
  [0x28, LParen],
  [0x29, RParen],
  [0x2f, Slash],
  [0x3c, LAngle],
  [0x3e, RAngle],
]);

/**
 * A token as tincture's scanner makes it: a chevrotain IToken plus the file it came from
 * (include names as written), secnet's line number for it, its position in the whole token
 * stream, and the decoded value of strings and numbers.
 */
export interface ConfToken extends IToken {
  readonly file: string;
  /** secnet's config_lineno when the token was scanned. */
  readonly line: number;
  /** Index in the token stream (includes spliced in). */
  readonly seq: number;
  /** String contents (UTF-8 decoded, without quotes) or number value. */
  readonly value?: string | number;
}

export { EOF };
