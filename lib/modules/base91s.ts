/**
 * base91s: secnet's variant of basE91 (`"` replaced by `-` in the alphabet), used by
 * make-public and peer-keys files. Characters outside the alphabet are skipped.
 *
 * @module
 */

const ALPHABET =
  "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789!#$%&()*+,./:;<=>?@[]^_`{|}~-";

const DECODE = new Int16Array(256).fill(91);
for (let i = 0; i < 91; i++) DECODE[ALPHABET.charCodeAt(i)] = i;

/** The bytes `text` (bytes 0..255 as chars) decodes to. */
export function base91sDecode(text: string): Uint8Array {
  const out: number[] = [];
  let queue = 0, nbits = 0, val = -1;
  for (let i = 0; i < text.length; i++) {
    const d = DECODE[text.charCodeAt(i) & 0xff]!;
    if (d === 91) continue;
    if (val === -1) val = d;
    else {
      val += d * 91;
      queue |= val << nbits;
      nbits += (val & 8191) > 88 ? 13 : 14;
      do {
        out.push(queue & 0xff);
        queue >>>= 8;
        nbits -= 8;
      } while (nbits > 7);
      val = -1;
    }
  }
  if (val !== -1) out.push((queue | (val << nbits)) & 0xff);
  return Uint8Array.from(out);
}

/** base91s_decode_maxlen: the buffer secnet allocates for `len` input characters. */
export function base91sDecodeMaxlen(len: number): number {
  const pairs = Math.floor(len / 2);
  return Math.floor((pairs * 14) / 8) + (len % 2 ? 1 : 0);
}

/** Encoder (for tests and key tooling). */
export function base91sEncode(data: Uint8Array): string {
  let out = "", queue = 0, nbits = 0;
  for (const byte of data) {
    queue |= byte << nbits;
    nbits += 8;
    if (nbits > 13) {
      let v = queue & 8191;
      if (v > 88) {
        queue >>>= 13;
        nbits -= 13;
      } else {
        v = queue & 16383;
        queue >>>= 14;
        nbits -= 14;
      }
      out += ALPHABET[v % 91]! + ALPHABET[Math.floor(v / 91)]!;
    }
  }
  if (nbits) {
    out += ALPHABET[queue % 91]!;
    if (nbits > 7 || queue > 90) out += ALPHABET[Math.floor(queue / 91)]!;
  }
  return out;
}
