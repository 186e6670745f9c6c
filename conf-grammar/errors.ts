/**
 * Errors found while turning text into an AST: syntax errors (with the line secnet's bison
 * parser would name) and the lexer's fatal errors (number too big, include problems).
 * They are lib/conf's ConfigError, so main.ts handles every config problem the same way.
 *
 * @module
 */

import { ConfigError, EXIT_GETOPTS, EXIT_READCONFIG } from "../lib/conf/errors.ts";
import type { Loc } from "../lib/conf/loc.ts";

export { ConfigError };

/** `config file F line N: syntax error` in secnet; tincture says what it expected. */
export function syntaxError(loc: Loc, message: string): ConfigError {
  return new ConfigError(loc, "syntax", message, { kind: "syntax", exitCode: EXIT_READCONFIG });
}

/** `config file F line N: 'DIGITS' is too big`: exit 1 at once, as secnet. */
export function numberTooBig(loc: Loc, digits: string): ConfigError {
  const shown = digits.length > 40 ? digits.slice(0, 37) + "..." : digits;
  return new ConfigError(
    loc,
    "lexer",
    `'${shown}' is too big (numbers are unsigned 32-bit: at most 4294967295)`,
    { kind: "lexer", exitCode: EXIT_GETOPTS },
  );
}

/** A fatal error of the include machinery (secnet prints these without a location). */
export function includeError(loc: Loc | undefined, message: string): ConfigError {
  return new ConfigError(loc, "include", message, { kind: "fatal", exitCode: EXIT_READCONFIG });
}
