/**
 * The grammar of secnet's configuration language (conffile.y) as a chevrotain CstParser.
 * Rule names are conffile.y's nonterminals. conffile.y is left-recursive LALR(1); here the
 * same language is written LL(1):
 *
 *   inputFile    := assignments                        -- conffile.y's `input`
 *   assignments  := assignment+
 *   assignment   := KEY ['='] list ';'
 *   list         := item (',' item)*
 *   item         := (STRING | NUMBER | path | dict) exec*
 *   exec         := '(' [list] ')' | dict                 -- calls; `f { ... }` passes one dict
 *   path         := ['/'] pathelements
 *   pathelements := KEY ('/' KEY)*
 *   dict         := [searchpath] '{' assignment* '}'
 *   searchpath   := '<' list '>'
 *
 * Both parsers stop at the first token that cannot continue a valid prefix, so the first
 * syntax error names the same token (and so the same line) as secnet's.
 *
 * @module
 */

import {
  CstParser,
  type IParserErrorMessageProvider,
  type IToken,
  type TokenType,
} from "chevrotain";
import {
  allTokens,
  Comma,
  type ConfToken,
  EOF,
  Equals,
  Key,
  LAngle,
  LBrace,
  LParen,
  NumberLit,
  RAngle,
  RBrace,
  RParen,
  Semicolon,
  Slash,
  Stray,
  StringLit,
} from "./tokens.ts";

/** How a token reads in an error message. */
export function describeToken(t: IToken): string {
  const type = t.tokenType;
  if (type === EOF) return "the end of the input";
  if (type === Key) return `key ${t.image}`;
  if (type === NumberLit) return `number ${t.image}`;
  if (type === StringLit) {
    const v = String((t as ConfToken).value ?? t.image);
    return `string "${v.length > 30 ? v.slice(0, 27) + "..." : v}"`;
  }
  if (type === Stray) {
    switch (t.image) {
      case "#":
        return "'#' (a comment on the last line needs a newline after it)";
      case '"':
        return "'\"' (a string that is never closed)";
      case "\r":
        return "a carriage return (CRLF line endings are not allowed)";
      case "\f":
        return "a form feed";
      case "\v":
        return "a vertical tab";
    }
    const code = t.image.charCodeAt(0);
    if (code < 0x20 || code === 0x7f) {
      return `control character 0x${code.toString(16).padStart(2, "0")}`;
    }
    return `'${t.image}' (not part of the language)`;
  }
  return `'${t.image}'`;
}

const label = (t: TokenType) => t === EOF ? "the end of the input" : t.LABEL ?? t.name;
const VALUE = "a value (a string, number, key path, dictionary or call)";

/** What each rule was doing, to say what was expected. */
const RULE_HINT: Record<string, string> = {
  assignment: "an assignment (KEY = value;)",
  list: VALUE,
  item: VALUE,
  exec: "arguments in '( )' or a dictionary",
  path: "a key",
  pathelements: "a key",
  dict: "a dictionary",
  searchpath: "a search-path list",
};

const messages: IParserErrorMessageProvider = {
  buildMismatchTokenMessage({ expected, actual, ruleName }) {
    let why = "";
    if (expected === Semicolon && ruleName === "assignment") why = " to end the assignment";
    if (expected === Key && ruleName === "pathelements") why = " after '/' in a path";
    if (expected === RBrace) why = " to close the dictionary";
    if (expected === RParen) why = " to close the argument list";
    if (expected === RAngle) why = " to close the search-path list";
    return `expected ${label(expected)}${why}, found ${describeToken(actual)}`;
  },
  buildNotAllInputParsedMessage({ firstRedundant }) {
    return `expected an assignment (KEY = value;), found ${describeToken(firstRedundant)}`;
  },
  buildNoViableAltMessage({ actual, ruleName }) {
    return `expected ${RULE_HINT[ruleName] ?? ruleName}, found ${describeToken(actual[0]!)}`;
  },
  buildEarlyExitMessage({ actual, ruleName }) {
    const t = actual[0]!;
    if (ruleName === "assignments" && t.tokenType === EOF) {
      return "the configuration holds no assignments (secnet needs at least one)";
    }
    return `expected ${RULE_HINT[ruleName] ?? "an assignment (KEY = value;)"}, found ${
      describeToken(t)
    }`;
  },
};

export class ConfParser extends CstParser {
  constructor() {
    super(allTokens, { recoveryEnabled: false, errorMessageProvider: messages, maxLookahead: 1 });
    this.performSelfAnalysis();
  }

  /** conffile.y's `input` (chevrotain keeps the token vector in `this.input`). */
  inputFile = this.RULE("inputFile", () => {
    this.SUBRULE(this.assignments);
  });

  assignments = this.RULE("assignments", () => {
    this.AT_LEAST_ONE(() => this.SUBRULE(this.assignment));
  });

  assignment = this.RULE("assignment", () => {
    this.CONSUME(Key);
    this.OPTION(() => this.CONSUME(Equals));
    this.SUBRULE(this.list);
    this.CONSUME(Semicolon);
  });

  list = this.RULE("list", () => {
    this.SUBRULE(this.item);
    this.MANY(() => {
      this.CONSUME(Comma);
      this.SUBRULE2(this.item);
    });
  });

  item = this.RULE("item", () => {
    this.OR([
      { ALT: () => this.CONSUME(StringLit) },
      { ALT: () => this.CONSUME(NumberLit) },
      { ALT: () => this.SUBRULE(this.path) },
      { ALT: () => this.SUBRULE(this.dict) },
    ]);
    this.MANY(() => this.SUBRULE(this.exec));
  });

  exec = this.RULE("exec", () => {
    this.OR([
      {
        ALT: () => {
          this.CONSUME(LParen);
          this.OPTION(() => this.SUBRULE(this.list));
          this.CONSUME(RParen);
        },
      },
      { ALT: () => this.SUBRULE(this.dict) },
    ]);
  });

  path = this.RULE("path", () => {
    this.OPTION(() => this.CONSUME(Slash));
    this.SUBRULE(this.pathelements);
  });

  pathelements = this.RULE("pathelements", () => {
    this.CONSUME(Key);
    this.MANY(() => {
      this.CONSUME(Slash);
      this.CONSUME2(Key);
    });
  });

  dict = this.RULE("dict", () => {
    this.OPTION(() => this.SUBRULE(this.searchpath));
    this.CONSUME(LBrace);
    this.MANY(() => this.SUBRULE(this.assignment));
    this.CONSUME(RBrace);
  });

  searchpath = this.RULE("searchpath", () => {
    this.CONSUME(LAngle);
    this.SUBRULE(this.list);
    this.CONSUME(RAngle);
  });
}

let shared: ConfParser | undefined;
/** One parser instance (building one runs chevrotain's grammar analysis). */
export function confParser(): ConfParser {
  return shared ??= new ConfParser();
}
