/**
 * Serpent (Anderson, Biham, Knudsen), bitslice formulation, in pure TypeScript, plus the
 * two tincture packet ciphers built on it (shared by both backends):
 * - serpent-256-cbc: CBC, PKCS#7, fixed IV reset per packet (like tinc's aes-256-cbc);
 * - eax-serpent: EAX (Bellare, Rogaway, Wagner) with a 16-byte tag, nonce = seqno.
 *
 * Byte order: the reference implementation's (key, plaintext and ciphertext words
 * little-endian), as in secnet's eax-serpent, libgcrypt and Linux. `bigEndian: true` reverses
 * the bytes of the whole key and block: secnet's "serpentbe" (used by its serpent256-cbc),
 * which is also the order the NESSIE vectors are usually printed in. Both are tested.
 *
 * The S-boxes are evaluated in bitslice form through their algebraic normal form (XOR of
 * AND-monomials of the four input words), so each is a few ANDs and XORs on whole 32-bit
 * words. Pure: no Deno, no I/O.
 *
 * @module
 */

import type { PacketCipher } from "./types.ts";

/** The eight S-boxes from the Serpent specification. */
export const SBOXES: readonly (readonly number[])[] = [
  [3, 8, 15, 1, 10, 6, 5, 11, 14, 13, 4, 2, 7, 0, 9, 12],
  [15, 12, 2, 7, 9, 0, 5, 10, 1, 11, 14, 8, 6, 13, 3, 4],
  [8, 6, 7, 9, 3, 12, 10, 15, 13, 1, 14, 4, 0, 11, 5, 2],
  [0, 15, 11, 8, 12, 9, 6, 3, 13, 1, 2, 4, 10, 7, 5, 14],
  [1, 15, 8, 3, 12, 0, 11, 6, 2, 5, 4, 10, 9, 14, 7, 13],
  [15, 5, 2, 11, 4, 10, 9, 12, 0, 3, 14, 8, 13, 6, 7, 1],
  [7, 2, 12, 5, 8, 4, 6, 11, 14, 9, 1, 15, 13, 3, 10, 0],
  [1, 13, 15, 0, 14, 8, 2, 11, 7, 4, 12, 10, 9, 3, 5, 6],
];

/**
 * The S-boxes in bitslice form: each output word is the XOR of AND-monomials of the input
 * words (the algebraic normal form of the table above). These straight-line functions were
 * generated from SBOXES by a Möbius transform; tests/crypto/serpent_test.ts checks every one
 * against the table on all 16 inputs.
 */
function s0(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m02 = x0 & x2;
  const m12 = x1 & x2;
  const m012 = m01 & x2;
  const m023 = m02 & x3;
  const m123 = m12 & x3;
  const m13 = x1 & x3;
  const m03 = x0 & x3;
  st[0] = ~(x0 ^ m01 ^ x2 ^ m02 ^ m12 ^ m012 ^ x3 ^ m023 ^ m123);
  st[1] = ~(x0 ^ m02 ^ m12 ^ m012 ^ m13 ^ m023 ^ m123);
  st[2] = x1 ^ m01 ^ m02 ^ m012 ^ x3 ^ m13 ^ m123;
  st[3] = x0 ^ x1 ^ x2 ^ x3 ^ m03;
}

function s1(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m03 = x0 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m123 = m12 & x3;
  const m01 = x0 & x1;
  const m13 = x1 & x3;
  const m013 = m01 & x3;
  st[0] = ~(x0 ^ x1 ^ m12 ^ m03 ^ m23 ^ m023 ^ m123);
  st[1] = ~(x0 ^ m01 ^ x2 ^ m02 ^ x3 ^ m13 ^ m013 ^ m023 ^ m123);
  st[2] = ~(x1 ^ m01 ^ x2 ^ x3);
  st[3] = ~(x1 ^ m02 ^ x3 ^ m03 ^ m013 ^ m023 ^ m123);
}

function s2(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m02 = x0 & x2;
  const m12 = x1 & x2;
  const m01 = x0 & x1;
  const m012 = m01 & x2;
  const m03 = x0 & x3;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m023 = m02 & x3;
  const m13 = x1 & x3;
  st[0] = x1 ^ x2 ^ m02 ^ x3;
  st[1] = x0 ^ x1 ^ x2 ^ m12 ^ m012 ^ m03 ^ m013 ^ m23 ^ m023;
  st[2] = x0 ^ x1 ^ m12 ^ x3 ^ m13 ^ m013 ^ m23 ^ m023;
  st[3] = ~(x0 ^ x1 ^ x2 ^ m012 ^ m13);
}

function s3(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m03 = x0 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m123 = m12 & x3;
  const m01 = x0 & x1;
  const m013 = m01 & x3;
  const m012 = m01 & x2;
  const m13 = x1 & x3;
  st[0] = x0 ^ x1 ^ m12 ^ x3 ^ m03 ^ m23 ^ m023 ^ m123;
  st[1] = x0 ^ x1 ^ m02 ^ m03 ^ m013 ^ m23 ^ m023;
  st[2] = x0 ^ m01 ^ x2 ^ m012 ^ x3 ^ m13 ^ m013;
  st[3] = x0 ^ x1 ^ m01 ^ x2 ^ m02 ^ m012 ^ x3 ^ m23 ^ m023;
}

function s4(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m02 = x0 & x2;
  const m12 = x1 & x2;
  const m23 = x2 & x3;
  const m023 = m02 & x3;
  const m123 = m12 & x3;
  const m012 = m01 & x2;
  const m013 = m01 & x3;
  st[0] = ~(x1 ^ m01 ^ x2 ^ x3 ^ m03 ^ m13);
  st[1] = x0 ^ m02 ^ m12 ^ x3 ^ m13 ^ m23 ^ m023 ^ m123;
  st[2] = x0 ^ m01 ^ x2 ^ m12 ^ m012 ^ m13 ^ m013 ^ m23 ^ m123;
  st[3] = x0 ^ x1 ^ x2 ^ m12 ^ m03 ^ m13 ^ m013;
}

function s5(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m12 = x1 & x2;
  const m123 = m12 & x3;
  const m012 = m01 & x2;
  st[0] = ~(x1 ^ m01 ^ x2 ^ x3 ^ m03 ^ m13);
  st[1] = ~(x0 ^ m01 ^ x2 ^ x3 ^ m13 ^ m013 ^ m23);
  st[2] = ~(x1 ^ m02 ^ x3 ^ m013 ^ m23 ^ m023 ^ m123);
  st[3] = ~(x0 ^ x1 ^ x2 ^ m012 ^ x3 ^ m03 ^ m023);
}

function s6(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m02 = x0 & x2;
  const m12 = x1 & x2;
  const m01 = x0 & x1;
  const m012 = m01 & x2;
  const m013 = m01 & x3;
  const m123 = m12 & x3;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m23 = x2 & x3;
  st[0] = ~(x0 ^ x1 ^ x2 ^ m02 ^ m12 ^ m012 ^ x3 ^ m013 ^ m123);
  st[1] = ~(x1 ^ x2 ^ m03);
  st[2] = ~(x0 ^ m01 ^ x2 ^ m12 ^ m012 ^ m13 ^ m013 ^ m23 ^ m123);
  st[3] = x1 ^ m01 ^ x2 ^ m02 ^ m012 ^ x3 ^ m23 ^ m123;
}

function s7(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m12 = x1 & x2;
  const m123 = m12 & x3;
  const m013 = m01 & x3;
  const m012 = m01 & x2;
  st[0] = ~(m01 ^ x2 ^ m03 ^ m13 ^ m23 ^ m023 ^ m123);
  st[1] = x1 ^ m01 ^ x2 ^ m02 ^ m12 ^ x3 ^ m03 ^ m013 ^ m023;
  st[2] = x0 ^ x1 ^ x2 ^ m012 ^ x3 ^ m03 ^ m13 ^ m013 ^ m123;
  st[3] = x0 ^ x1 ^ x2 ^ m02 ^ m012 ^ m03;
}

function si0(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m12 = x1 & x2;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m123 = m12 & x3;
  st[0] = ~(m01 ^ x2 ^ m12 ^ m03 ^ m13 ^ m013 ^ m23 ^ m023 ^ m123);
  st[1] = x0 ^ x1 ^ x2 ^ m02 ^ m13 ^ m023 ^ m123;
  st[2] = ~(x0 ^ x1 ^ m01 ^ x2 ^ x3);
  st[3] = ~(x0 ^ m12 ^ x3 ^ m013 ^ m23 ^ m023 ^ m123);
}

function si1(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m012 = m01 & x2;
  const m13 = x1 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m12 = x1 & x2;
  const m123 = m12 & x3;
  const m03 = x0 & x3;
  st[0] = ~(x0 ^ x1 ^ m01 ^ m012 ^ m13 ^ m023 ^ m123);
  st[1] = x1 ^ x2 ^ m012 ^ x3 ^ m03 ^ m13 ^ m023 ^ m123;
  st[2] = ~(x0 ^ x1 ^ m02 ^ m12 ^ m012 ^ x3 ^ m023);
  st[3] = x0 ^ x2 ^ x3 ^ m13;
}

function si2(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m13 = x1 & x3;
  const m01 = x0 & x1;
  const m03 = x0 & x3;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m012 = m01 & x2;
  st[0] = x0 ^ x1 ^ x2 ^ m12 ^ m13;
  st[1] = x1 ^ m01 ^ x2 ^ m03 ^ m013 ^ m23 ^ m023;
  st[2] = ~(x0 ^ m01 ^ x2 ^ x3 ^ m03 ^ m13 ^ m013 ^ m023);
  st[3] = ~(m01 ^ m12 ^ m012 ^ x3 ^ m023);
}

function si3(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m123 = m12 & x3;
  const m01 = x0 & x1;
  const m012 = m01 & x2;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  st[0] = x0 ^ x2 ^ m12 ^ x3 ^ m03 ^ m13 ^ m123;
  st[1] = x1 ^ x2 ^ m12 ^ m012 ^ x3 ^ m03 ^ m023 ^ m123;
  st[2] = m01 ^ m02 ^ m12 ^ m03 ^ m13 ^ m013 ^ m23 ^ m023;
  st[3] = x0 ^ x1 ^ x2 ^ m02 ^ m012 ^ m03 ^ m013 ^ m23;
}

function si4(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m03 = x0 & x3;
  const m01 = x0 & x1;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m012 = m01 & x2;
  const m13 = x1 & x3;
  st[0] = ~(x0 ^ x1 ^ x2 ^ x3 ^ m03 ^ m013 ^ m23 ^ m023);
  st[1] = m01 ^ x2 ^ m02 ^ x3 ^ m03 ^ m023;
  st[2] = ~(x0 ^ x1 ^ m01 ^ x2 ^ m02 ^ m012 ^ x3 ^ m13 ^ m013);
  st[3] = x1 ^ m01 ^ x2 ^ m03 ^ m013 ^ m23;
}

function si5(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m01 = x0 & x1;
  const m013 = m01 & x3;
  const m02 = x0 & x2;
  const m012 = m01 & x2;
  const m03 = x0 & x3;
  const m13 = x1 & x3;
  const m023 = m02 & x3;
  st[0] = x0 ^ m12 ^ x3 ^ m013;
  st[1] = x0 ^ x1 ^ m02 ^ m12 ^ m012 ^ x3 ^ m03 ^ m013;
  st[2] = x0 ^ m01 ^ x2 ^ m13 ^ m013 ^ m023;
  st[3] = ~(x1 ^ m01 ^ x2 ^ m012 ^ m03);
}

function si6(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m01 = x0 & x1;
  const m02 = x0 & x2;
  const m12 = x1 & x2;
  const m012 = m01 & x2;
  const m013 = m01 & x3;
  const m123 = m12 & x3;
  const m13 = x1 & x3;
  const m23 = x2 & x3;
  const m03 = x0 & x3;
  st[0] = ~(x0 ^ m01 ^ m02 ^ m12 ^ m012 ^ x3 ^ m013 ^ m123);
  st[1] = ~(x1 ^ x2 ^ m02 ^ x3);
  st[2] = ~(x0 ^ x1 ^ m12 ^ m13 ^ m013 ^ m23 ^ m123);
  st[3] = ~(x1 ^ m01 ^ x2 ^ m12 ^ m012 ^ x3 ^ m03 ^ m013 ^ m23 ^ m123);
}

function si7(st: Int32Array): void {
  const x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  const m12 = x1 & x2;
  const m13 = x1 & x3;
  const m01 = x0 & x1;
  const m013 = m01 & x3;
  const m23 = x2 & x3;
  const m123 = m12 & x3;
  const m03 = x0 & x3;
  const m02 = x0 & x2;
  const m023 = m02 & x3;
  const m012 = m01 & x2;
  st[0] = ~(x0 ^ x1 ^ m12 ^ m13 ^ m013 ^ m23 ^ m123);
  st[1] = ~(x0 ^ x2 ^ m12 ^ x3 ^ m03 ^ m13 ^ m023 ^ m123);
  st[2] = x1 ^ m02 ^ x3 ^ m013 ^ m23 ^ m023;
  st[3] = m01 ^ x2 ^ m012 ^ m03 ^ m13 ^ m013;
}

/** Forward S-boxes S0..S7 and their inverses, by index. */
export const SBOX_FUNCTIONS: readonly ((st: Int32Array) => void)[] = [
  s0,
  s1,
  s2,
  s3,
  s4,
  s5,
  s6,
  s7,
];
export const SBOX_INVERSE_FUNCTIONS: readonly ((st: Int32Array) => void)[] = [
  si0,
  si1,
  si2,
  si3,
  si4,
  si5,
  si6,
  si7,
];

const rotl = (x: number, n: number) => (x << n) | (x >>> (32 - n));

function lt(st: Int32Array): void {
  let x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  x0 = rotl(x0, 13);
  x2 = rotl(x2, 3);
  x1 ^= x0 ^ x2;
  x3 ^= x2 ^ (x0 << 3);
  x1 = rotl(x1, 1);
  x3 = rotl(x3, 7);
  x0 ^= x1 ^ x3;
  x2 ^= x3 ^ (x1 << 7);
  st[0] = rotl(x0, 5);
  st[1] = x1;
  st[2] = rotl(x2, 22);
  st[3] = x3;
}

function ltInverse(st: Int32Array): void {
  let x0 = st[0]!, x1 = st[1]!, x2 = st[2]!, x3 = st[3]!;
  x2 = rotl(x2, 10); // >>> 22
  x0 = rotl(x0, 27); // >>> 5
  x2 ^= x3 ^ (x1 << 7);
  x0 ^= x1 ^ x3;
  x3 = rotl(x3, 25); // >>> 7
  x1 = rotl(x1, 31); // >>> 1
  x3 ^= x2 ^ (x0 << 3);
  x1 ^= x0 ^ x2;
  st[0] = rotl(x0, 19); // >>> 13
  st[1] = x1;
  st[2] = rotl(x2, 29); // >>> 3
  st[3] = x3;
}

/** Anything that encrypts one 16-byte block (src and dst may be the same bytes). */
export interface BlockEncryptor {
  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void;
}

export class SerpentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "SerpentError";
  }
}

export class Serpent implements BlockEncryptor {
  /** 33 round keys of 4 words. */
  private readonly k = new Int32Array(132);
  private readonly st = new Int32Array(4);

  constructor(key: Uint8Array, readonly bigEndian = false) {
    if (key.length === 0 || key.length > 32) {
      throw new SerpentError(`Serpent key must be 1..32 bytes, not ${key.length}`);
    }
    // Short keys are padded with a single 1 bit, then zeros (in the standard order).
    const padded = new Uint8Array(32);
    if (bigEndian) {
      // serpentbe: the key is a big-endian number; its last byte is the least significant.
      padded.set(key, 32 - key.length);
      if (key.length < 32) padded[31 - key.length] = 1;
      padded.reverse();
    } else {
      padded.set(key);
      if (key.length < 32) padded[key.length] = 1;
    }
    const w = new Int32Array(140);
    for (let i = 0; i < 8; i++) w[i] = readLe(padded, 4 * i);
    for (let i = 8; i < 140; i++) {
      w[i] = rotl(w[i - 8]! ^ w[i - 5]! ^ w[i - 3]! ^ w[i - 1]! ^ 0x9e3779b9 ^ (i - 8), 11);
    }
    const st = this.st;
    for (let i = 0; i < 33; i++) {
      for (let j = 0; j < 4; j++) st[j] = w[8 + 4 * i + j]!;
      SBOX_FUNCTIONS[(35 - i) % 8]!(st);
      this.k.set(st, 4 * i);
    }
  }

  private load(src: Uint8Array, off: number): void {
    const st = this.st;
    if (this.bigEndian) {
      for (let j = 0; j < 4; j++) st[j] = readBe(src, off + 12 - 4 * j);
    } else {
      for (let j = 0; j < 4; j++) st[j] = readLe(src, off + 4 * j);
    }
  }

  private store(dst: Uint8Array, off: number): void {
    const st = this.st;
    if (this.bigEndian) {
      for (let j = 0; j < 4; j++) writeBe(dst, off + 12 - 4 * j, st[j]!);
    } else {
      for (let j = 0; j < 4; j++) writeLe(dst, off + 4 * j, st[j]!);
    }
  }

  encryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    const st = this.st, k = this.k;
    this.load(src, srcOff);
    // Unrolled by eight so every S-box call site is monomorphic.
    for (let o = 0; o < 128; o += 32) {
      mix(st, k, o);
      s0(st);
      lt(st);
      mix(st, k, o + 4);
      s1(st);
      lt(st);
      mix(st, k, o + 8);
      s2(st);
      lt(st);
      mix(st, k, o + 12);
      s3(st);
      lt(st);
      mix(st, k, o + 16);
      s4(st);
      lt(st);
      mix(st, k, o + 20);
      s5(st);
      lt(st);
      mix(st, k, o + 24);
      s6(st);
      lt(st);
      mix(st, k, o + 28);
      s7(st);
      if (o < 96) lt(st);
    }
    mix(st, k, 128);
    this.store(dst, dstOff);
  }

  decryptBlock(src: Uint8Array, srcOff: number, dst: Uint8Array, dstOff: number): void {
    const st = this.st, k = this.k;
    this.load(src, srcOff);
    mix(st, k, 128);
    for (let o = 96; o >= 0; o -= 32) {
      if (o < 96) ltInverse(st);
      si7(st);
      mix(st, k, o + 28);
      ltInverse(st);
      si6(st);
      mix(st, k, o + 24);
      ltInverse(st);
      si5(st);
      mix(st, k, o + 20);
      ltInverse(st);
      si4(st);
      mix(st, k, o + 16);
      ltInverse(st);
      si3(st);
      mix(st, k, o + 12);
      ltInverse(st);
      si2(st);
      mix(st, k, o + 8);
      ltInverse(st);
      si1(st);
      mix(st, k, o + 4);
      ltInverse(st);
      si0(st);
      mix(st, k, o);
    }
    this.store(dst, dstOff);
  }
}

/** XORs round key k[o..o+4) into the state. */
function mix(st: Int32Array, k: Int32Array, o: number): void {
  st[0]! ^= k[o]!;
  st[1]! ^= k[o + 1]!;
  st[2]! ^= k[o + 2]!;
  st[3]! ^= k[o + 3]!;
}

function readLe(b: Uint8Array, o: number): number {
  return b[o]! | (b[o + 1]! << 8) | (b[o + 2]! << 16) | (b[o + 3]! << 24);
}
function readBe(b: Uint8Array, o: number): number {
  return (b[o]! << 24) | (b[o + 1]! << 16) | (b[o + 2]! << 8) | b[o + 3]!;
}
function writeLe(b: Uint8Array, o: number, v: number): void {
  b[o] = v;
  b[o + 1] = v >>> 8;
  b[o + 2] = v >>> 16;
  b[o + 3] = v >>> 24;
}
function writeBe(b: Uint8Array, o: number, v: number): void {
  b[o] = v >>> 24;
  b[o + 1] = v >>> 16;
  b[o + 2] = v >>> 8;
  b[o + 3] = v;
}

// ---------------------------------------------------------------------------------------------
// serpent-256-cbc packet cipher

export class SerpentCbcPacketCipher implements PacketCipher {
  private readonly serpent: Serpent;
  private readonly iv = new Uint8Array(16);
  private readonly prev = new Uint8Array(16);
  private readonly block = new Uint8Array(16);

  constructor(key: Uint8Array, iv: Uint8Array) {
    if (key.length !== 32) throw new SerpentError("serpent-256-cbc needs a 32-byte key");
    if (iv.length !== 16) throw new SerpentError("serpent-256-cbc needs a 16-byte IV");
    this.serpent = new Serpent(key);
    this.iv.set(iv);
  }

  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    const pad = 16 - (len % 16);
    const total = len + pad;
    const b = this.block;
    let prev: Uint8Array = this.iv, prevOff = 0;
    // Walk forwards; src and dst may overlap at the same offset (in place).
    for (let i = 0; i < total; i += 16) {
      for (let j = 0; j < 16; j++) {
        const p = i + j < len ? src[srcOff + i + j]! : pad;
        b[j] = p ^ prev[prevOff + j]!;
      }
      this.serpent.encryptBlock(b, 0, dst, dstOff + i);
      prev = dst;
      prevOff = dstOff + i;
    }
    return total;
  }

  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (len === 0 || len % 16 !== 0) return -1;
    const b = this.block, prev = this.prev;
    prev.set(this.iv);
    for (let i = 0; i < len; i += 16) {
      this.serpent.decryptBlock(src, srcOff + i, b, 0);
      for (let j = 0; j < 16; j++) {
        const c = src[srcOff + i + j]!; // read before dst may overwrite it (in place)
        dst[dstOff + i + j] = b[j]! ^ prev[j]!;
        prev[j] = c;
      }
    }
    const pad = dst[dstOff + len - 1]!;
    if (pad < 1 || pad > 16) return -1;
    let bad = 0;
    for (let j = 1; j <= pad; j++) bad |= dst[dstOff + len - j]! ^ pad;
    return bad === 0 ? len - pad : -1;
  }

  free(): void {}
}

// ---------------------------------------------------------------------------------------------
// EAX over any 128-bit block cipher

/** EAX mode with preallocated state; no allocation per message. */
export class Eax {
  private readonly k1 = new Uint8Array(16);
  private readonly k2 = new Uint8Array(16);
  private readonly state = new Uint8Array(16);
  private readonly ctr = new Uint8Array(16);
  private readonly ks = new Uint8Array(16);
  private readonly nTag = new Uint8Array(16);
  private readonly hTag = new Uint8Array(16);
  private readonly cTag = new Uint8Array(16);

  constructor(readonly cipher: BlockEncryptor, readonly tagLength = 16) {
    if (tagLength < 1 || tagLength > 16) throw new SerpentError("EAX tag length must be 1..16");
    const l = new Uint8Array(16);
    cipher.encryptBlock(l, 0, l, 0);
    dbl(l, this.k1);
    dbl(this.k1, this.k2);
  }

  /** OMAC^t(src[off, +len)) into out (CMAC of the block [t] followed by the data). */
  omac(t: number, src: Uint8Array, off: number, len: number, out: Uint8Array): void {
    const s = this.state;
    s.fill(0);
    s[15] = t;
    if (len === 0) {
      for (let j = 0; j < 16; j++) s[j]! ^= this.k1[j]!;
      this.cipher.encryptBlock(s, 0, out, 0);
      return;
    }
    this.cipher.encryptBlock(s, 0, s, 0);
    let i = 0;
    for (; len - i > 16; i += 16) {
      for (let j = 0; j < 16; j++) s[j]! ^= src[off + i + j]!;
      this.cipher.encryptBlock(s, 0, s, 0);
    }
    const rest = len - i;
    if (rest === 16) {
      for (let j = 0; j < 16; j++) s[j]! ^= src[off + i + j]! ^ this.k1[j]!;
    } else {
      for (let j = 0; j < rest; j++) s[j]! ^= src[off + i + j]!;
      s[rest]! ^= 0x80;
      for (let j = 0; j < 16; j++) s[j]! ^= this.k2[j]!;
    }
    this.cipher.encryptBlock(s, 0, out, 0);
  }

  /** CTR keystream starting at counter block `iv` (big-endian 128-bit increment). */
  private ctrXor(
    iv: Uint8Array,
    src: Uint8Array,
    srcOff: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
  ): void {
    const c = this.ctr, ks = this.ks;
    c.set(iv);
    for (let i = 0; i < len; i += 16) {
      this.cipher.encryptBlock(c, 0, ks, 0);
      const n = Math.min(16, len - i);
      for (let j = 0; j < n; j++) dst[dstOff + i + j] = src[srcOff + i + j]! ^ ks[j]!;
      for (let j = 15; j >= 0; j--) if (++c[j]! & 0xff) break; // c[j] wraps to 0: carry on
    }
  }

  /** The header tag, for callers that reuse one header for many messages. */
  headerTag(h: Uint8Array, off: number, len: number, out: Uint8Array): void {
    this.omac(1, h, off, len, out);
  }

  /** OMAC^0(nonce) into nTag; returns the header tag (`hTag`, else OMAC^1(header) in this.hTag). */
  private nonceAndHeaderTags(
    nonce: Uint8Array,
    nonceOff: number,
    nonceLen: number,
    header: Uint8Array | null,
    hTag: Uint8Array | undefined,
  ): Uint8Array {
    const n = this.nTag;
    this.omac(0, nonce, nonceOff, nonceLen, n);
    if (hTag) return hTag;
    this.omac(1, header ?? n, 0, header ? header.length : 0, this.hTag);
    return this.hTag;
  }

  /**
   * Encrypts msg into dst and writes the tag right after the ciphertext. With `hTag`
   * given, the header tag is taken from it instead of computing OMAC^1(header).
   */
  seal(
    nonce: Uint8Array,
    nonceOff: number,
    nonceLen: number,
    header: Uint8Array | null,
    src: Uint8Array,
    srcOff: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
    hTag?: Uint8Array,
  ): number {
    const n = this.nTag, c = this.cTag;
    const h = this.nonceAndHeaderTags(nonce, nonceOff, nonceLen, header, hTag);
    this.ctrXor(n, src, srcOff, len, dst, dstOff);
    this.omac(2, dst, dstOff, len, c);
    for (let j = 0; j < this.tagLength; j++) dst[dstOff + len + j] = n[j]! ^ h[j]! ^ c[j]!;
    return len + this.tagLength;
  }

  /** Verifies and decrypts ciphertext ‖ tag; returns the plaintext length or -1. */
  open(
    nonce: Uint8Array,
    nonceOff: number,
    nonceLen: number,
    header: Uint8Array | null,
    src: Uint8Array,
    srcOff: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
    hTag?: Uint8Array,
  ): number {
    const clen = len - this.tagLength;
    if (clen < 0) return -1;
    const n = this.nTag, c = this.cTag;
    const h = this.nonceAndHeaderTags(nonce, nonceOff, nonceLen, header, hTag);
    this.omac(2, src, srcOff, clen, c);
    let diff = 0;
    for (let j = 0; j < this.tagLength; j++) {
      diff |= src[srcOff + clen + j]! ^ n[j]! ^ h[j]! ^ c[j]!;
    }
    if (diff !== 0) return -1;
    this.ctrXor(n, src, srcOff, clen, dst, dstOff);
    return clen;
  }
}

/** Doubling in GF(2^128) (CMAC subkeys). */
function dbl(src: Uint8Array, dst: Uint8Array): void {
  const carry = src[0]! >> 7;
  for (let i = 0; i < 15; i++) dst[i] = ((src[i]! << 1) | (src[i + 1]! >> 7)) & 0xff;
  dst[15] = ((src[15]! << 1) & 0xff) ^ (carry ? 0x87 : 0);
}

// ---------------------------------------------------------------------------------------------
// eax-serpent packet cipher

/**
 * Packet format: in = seqno(4) ‖ payload; out = seqno(4, clear) ‖ EAX(payload) ‖ tag(16).
 * The nonce is the 4 seqno bytes (unique per key because tinc never reuses a seqno under
 * one key), the header is empty.
 */
export class EaxSerpentPacketCipher implements PacketCipher {
  private readonly eax: Eax;
  private readonly hTag = new Uint8Array(16);
  private readonly seq = new Uint8Array(4);

  constructor(key: Uint8Array) {
    if (key.length !== 32) throw new SerpentError("eax-serpent needs a 32-byte key");
    this.eax = new Eax(new Serpent(key), 16);
    this.eax.headerTag(this.hTag, 0, 0, this.hTag);
  }

  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (len < 4) throw new SerpentError("eax-serpent packet must start with a 4-byte seqno");
    const s = this.seq;
    for (let j = 0; j < 4; j++) s[j] = src[srcOff + j]!;
    for (let j = 0; j < 4; j++) dst[dstOff + j] = s[j]!;
    return 4 + this.eax.seal(s, 0, 4, null, src, srcOff + 4, len - 4, dst, dstOff + 4, this.hTag);
  }

  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (len < 4 + 16) return -1;
    const s = this.seq;
    for (let j = 0; j < 4; j++) s[j] = src[srcOff + j]!;
    const n = this.eax.open(s, 0, 4, null, src, srcOff + 4, len - 4, dst, dstOff + 4, this.hTag);
    if (n < 0) return -1;
    for (let j = 0; j < 4; j++) dst[dstOff + j] = s[j]!;
    return 4 + n;
  }

  free(): void {}
}
