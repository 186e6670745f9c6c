/**
 * Source locations, as secnet's `struct cloc`: the file name as it was written (the `-c`
 * argument, `-` for stdin, or an include name) and a line number counted the way secnet's
 * lexer counts (newlines inside strings are not counted).
 *
 * @module
 */

/** Where a token, item or call came from. Line 0 means "no location" (secnet's no_loc). */
export interface Loc {
  readonly file: string;
  readonly line: number;
}

/** secnet's `no_loc`: used for predefined values and for closures. */
export const NO_LOC: Loc = Object.freeze({ file: "none", line: 0 });

/** True when the location names a real line (secnet prints it only then). */
export function hasLoc(loc: Loc | undefined): loc is Loc {
  return loc !== undefined && loc.line !== 0;
}

/** `FILE:LINE`, the form used in tincture's diagnostics. */
export function formatLoc(loc: Loc): string {
  return `${loc.file}:${loc.line}`;
}
