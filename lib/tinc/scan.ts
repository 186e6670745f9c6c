/**
 * A small sscanf for request lines, with glibc's semantics for the directives tincd uses
 * (`%d %x %hu %s` with width 2048, `%*d %*x` to skip), so that we accept and refuse exactly
 * the lines 1.0.36 does. Never throws.
 *
 * @module
 */

/** MAX_STRING in src/protocol.h: string fields are read with %2048s. */
export const MAX_STRING = 2048;

function isSpace(c: number): boolean {
  return c === 0x20 || (c >= 0x09 && c <= 0x0d);
}

/** Result of scanning: the converted values in order, or fewer when input ran out/mismatched. */
export type Scanned = (string | number)[];

const LONG_MAX = (1n << 63n) - 1n;
const LONG_MIN = -(1n << 63n);
const ULONG_MAX = (1n << 64n) - 1n;

/** strtol/strtoul-like integer read at s[i]; returns [value, next] or null when no digits. */
function readInt(
  s: string,
  start: number,
  base: 10 | 16,
  unsigned: boolean,
): [bigint, number] | null {
  let i = start;
  let neg = false;
  if (s[i] === "+" || s[i] === "-") {
    neg = s[i] === "-";
    i++;
  }
  if (base === 16 && s[i] === "0" && (s[i + 1] === "x" || s[i + 1] === "X") && isHex(s, i + 2)) {
    i += 2;
  }
  const digitsStart = i;
  while (i < s.length && (base === 16 ? isHex(s, i) : isDec(s, i))) i++;
  if (i === digitsStart) return null;
  let v = BigInt((base === 16 ? "0x" : "") + s.slice(digitsStart, i));
  // strtol clamps to LONG range, strtoul to ULONG range (then negates).
  if (unsigned) {
    if (v > ULONG_MAX) v = ULONG_MAX;
    else if (neg) v = BigInt.asUintN(64, -v);
  } else {
    if (neg) v = -v;
    if (v > LONG_MAX) v = LONG_MAX;
    if (v < LONG_MIN) v = LONG_MIN;
  }
  return [v, i];
}

function isDec(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return c >= 0x30 && c <= 0x39;
}

function isHex(s: string, i: number): boolean {
  const c = s.charCodeAt(i);
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);
}

/**
 * Scans `input` with `format`: a space-separated list of `%d`, `%x`, `%hu`, `%s`, `%*d`,
 * `%*x`. Like sscanf, whitespace in the format skips any whitespace in the input, `%s`
 * stops at whitespace or after MAX_STRING characters, and conversion stops at the first
 * failure. Returns the converted values (stored ones only); `length` is sscanf's count,
 * except that sscanf returns -1 (EOF) when input ends before the first conversion: use
 * `scan(...).length` and compare with the expected count, which is what tincd does.
 */
export function scan(input: string, format: string): Scanned {
  const out: Scanned = [];
  let i = 0;
  for (const directive of format.split(" ")) {
    while (i < input.length && isSpace(input.charCodeAt(i))) i++;
    const skip = directive[1] === "*";
    const conv = directive.slice(skip ? 2 : 1);
    if (i >= input.length) return out;
    switch (conv) {
      case "d":
      case "x":
      case "hu": {
        const r = readInt(input, i, conv === "x" ? 16 : 10, conv !== "d");
        if (!r) return out;
        i = r[1];
        if (!skip) {
          // Stored into int / unsigned int / unsigned short.
          if (conv === "d") out.push(Number(BigInt.asIntN(32, r[0])));
          else if (conv === "x") out.push(Number(BigInt.asUintN(32, r[0])));
          else out.push(Number(BigInt.asUintN(16, r[0])));
        }
        break;
      }
      case "s": {
        const begin = i;
        while (i < input.length && i - begin < MAX_STRING && !isSpace(input.charCodeAt(i))) i++;
        if (!skip) out.push(input.slice(begin, i));
        break;
      }
      default:
        throw new Error(`scan: unsupported directive ${directive}`);
    }
  }
  return out;
}

/** The request number at the start of a line (`sscanf("%d")`), or null ("Bogus data"). */
export function scanRequestNumber(line: string): number | null {
  const r = scan(line, "%d");
  return r.length === 1 ? (r[0] as number) : null;
}

/** hex2bin over `length` bytes (2*length chars, either case); null on a non-hex char. */
export function hexToBytes(hex: string, length: number): Uint8Array | null {
  if (hex.length < 2 * length) return null;
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const h = hexVal(hex.charCodeAt(2 * i)), l = hexVal(hex.charCodeAt(2 * i + 1));
    if (h < 0 || l < 0) return null;
    out[i] = (h << 4) | l;
  }
  return out;
}

function hexVal(c: number): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  return -1;
}

const HEX = "0123456789ABCDEF";

/** bin2hex: uppercase. */
export function bytesToHex(b: Uint8Array): string {
  let s = "";
  for (let i = 0; i < b.length; i++) s += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  return s;
}
