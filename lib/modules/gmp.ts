/**
 * The two GMP behaviours secnet's closures depend on, with BigInt:
 *  - mpz_set_str(s, base): leading blanks, an optional `-`, digits with blanks anywhere
 *    among them, either letter case; no `0x`, not empty;
 *  - mpz_probab_prime_p(n, 5) as a yes/no: Baillie-PSW (a strong base-2 Miller-Rabin test
 *    and a strong Lucas test) plus Miller-Rabin with further fixed bases. No composite is
 *    known to pass BPSW, so this agrees with GMP on every modulus anyone will write.
 *
 * @module
 */

const isCSpace = (c: string | undefined) =>
  c === " " || c === "\t" || c === "\n" || c === "\v" || c === "\f" || c === "\r";

function digitValue(c: string | undefined): number {
  if (c === undefined) return 99;
  const x = c.charCodeAt(0);
  if (x >= 48 && x <= 57) return x - 48;
  if (x >= 97 && x <= 122) return x - 97 + 10;
  if (x >= 65 && x <= 90) return x - 65 + 10;
  return 99;
}

/** mpz_set_str: the number, or null where GMP returns -1. */
export function mpzSetStr(s: string, base: 10 | 16): bigint | null {
  let i = 0;
  while (isCSpace(s[i])) i++;
  let neg = false;
  if (s[i] === "-") {
    neg = true;
    i++;
  }
  // GMP rejects at once unless the first character is some base-36 digit.
  if (digitValue(s[i]) >= 36) return null;
  let v = 0n;
  const b = BigInt(base);
  for (; i < s.length; i++) {
    const c = s[i];
    if (isCSpace(c)) continue;
    const d = digitValue(c);
    if (d >= base) return null;
    v = v * b + BigInt(d);
  }
  return neg ? -v : v;
}

export function modPow(b: bigint, e: bigint, m: bigint): bigint {
  let r = 1n;
  b %= m;
  if (b < 0n) b += m;
  while (e > 0n) {
    if (e & 1n) r = (r * b) % m;
    e >>= 1n;
    b = (b * b) % m;
  }
  return r;
}

function strongProbablePrime(n: bigint, a: bigint): boolean {
  let d = n - 1n;
  let s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  let x = modPow(a, d, n);
  if (x === 1n || x === n - 1n) return true;
  for (let r = 1; r < s; r++) {
    x = (x * x) % n;
    if (x === n - 1n) return true;
    if (x === 1n) return false;
  }
  return false;
}

function jacobi(a: bigint, n: bigint): number {
  a %= n;
  if (a < 0n) a += n;
  let t = 1;
  while (a !== 0n) {
    while ((a & 1n) === 0n) {
      a >>= 1n;
      const r = n % 8n;
      if (r === 3n || r === 5n) t = -t;
    }
    [a, n] = [n, a];
    if (a % 4n === 3n && n % 4n === 3n) t = -t;
    a %= n;
  }
  return n === 1n ? t : 0;
}

function isSquare(n: bigint): boolean {
  if (n < 0n) return false;
  if (n < 2n) return true;
  let x = BigInt(Math.floor(Math.sqrt(Number(n))));
  // Newton from a float guess, for any size.
  if (x === 0n) x = 1n;
  for (;;) {
    const y = (x + n / x) >> 1n;
    if (y >= x && x * x <= n) break;
    x = y;
  }
  while (x * x > n) x--;
  while ((x + 1n) * (x + 1n) <= n) x++;
  return x * x === n;
}

/** Strong Lucas probable prime test with Selfridge's parameters (n odd, not a square). */
function strongLucas(n: bigint): boolean {
  let D = 5n;
  for (;;) {
    const j = jacobi(D, n);
    if (j === -1) break;
    if (j === 0 && (D < 0n ? -D : D) !== n) return false;
    D = D > 0n ? -(D + 2n) : -D + 2n;
  }
  const P = 1n, Q = (1n - D) / 4n;
  const mod = (x: bigint) => ((x % n) + n) % n;
  const half = (x: bigint) => {
    let y = mod(x);
    if (y & 1n) y += n;
    return y >> 1n;
  };
  let d = n + 1n, s = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    s++;
  }
  // Binary Lucas chain for U_d, V_d, Q^d.
  let U = 1n, V = P, Qk = mod(Q);
  const bits = d.toString(2);
  for (let i = 1; i < bits.length; i++) {
    U = mod(U * V);
    V = mod(V * V - 2n * Qk);
    Qk = mod(Qk * Qk);
    if (bits[i] === "1") {
      const U2 = half(P * U + V);
      const V2 = half(D * U + P * V);
      U = U2;
      V = V2;
      Qk = mod(Qk * Q);
    }
  }
  if (U === 0n || V === 0n) return true;
  for (let r = 1; r < s; r++) {
    V = mod(V * V - 2n * Qk);
    if (V === 0n) return true;
    Qk = mod(Qk * Qk);
  }
  return false;
}

const SMALL_PRIMES = [2n, 3n, 5n, 7n, 11n, 13n, 17n, 19n, 23n, 29n, 31n, 37n, 41n, 43n, 47n];

/** mpz_probab_prime_p(n, reps) != 0 (GMP tests |n|). */
export function isProbablePrime(n: bigint): boolean {
  if (n < 0n) n = -n;
  if (n < 2n) return false;
  for (const p of SMALL_PRIMES) {
    if (n === p) return true;
    if (n % p === 0n) return false;
  }
  if (!strongProbablePrime(n, 2n)) return false;
  if (isSquare(n) || !strongLucas(n)) return false;
  for (const a of SMALL_PRIMES.slice(1, 8)) {
    if (!strongProbablePrime(n, a)) return false;
  }
  return true;
}

/** Bits in |n| (0 for 0), as mpz_sizeinbase(n, 2) except that GMP says 1 for 0. */
export function bitLength(n: bigint): number {
  if (n < 0n) n = -n;
  return n === 0n ? 0 : n.toString(2).length;
}
