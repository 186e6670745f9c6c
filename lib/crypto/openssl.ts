/**
 * CryptoBackend over libcrypto.so.3 (ffi/libcrypto.ts).
 *
 * Packet path, built to touch few FFI symbols per packet (on a cold CPU each distinct symbol
 * costs about a microsecond, docs/design.md "Data plane latency"): one EVP_CIPHER_CTX per
 * direction per key that CBC keeps chaining across packets (the fixed per-packet IV is folded
 * into the first block; padding is ours), so a packet is EVP_Cipher only; HMAC is two
 * one-shot EVP_Digest calls over precomputed pad blocks. Pointers come from per-call-site
 * caches, sizes from a BigInt table: no allocation per packet once warm.
 *
 * Raw RSA goes through the deprecated-but-exported RSA_* API with RSA_NO_PADDING; one RSA*
 * per key object (cached, freed with the key).
 *
 * @module
 */

import {
  big,
  cstr,
  type Libcrypto,
  libcrypto,
  opensslError,
  pointerOf,
  type Ptr,
  PtrSlot,
  RSA_NO_PADDING,
} from "../../ffi/libcrypto.ts";
import {
  checkStreamCipher,
  commonPacketCipher,
  isSerpent,
  NullMac,
  rsaInput,
  unsupportedCipher,
  unsupportedDigest,
} from "./common.ts";
import { bigIntToBytes } from "./rsa_key.ts";
import type {
  CipherInfo,
  CryptoBackend,
  DigestInfo,
  Mac,
  PacketCipher,
  RsaPrivateKey,
  RsaPublicKey,
  StreamCipher,
} from "./types.ts";

/** Holds the native objects and the byte buffers they point into. */
class Native {
  readonly outl = new Int32Array(1);
  readonly outlP: Ptr;
  constructor() {
    this.outlP = pointerOf(new Uint8Array(this.outl.buffer));
  }
}

class OpensslPacketCipher implements PacketCipher {
  private enc: Ptr;
  private dec: Ptr;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly ivP: Ptr;
  private readonly bs: number;
  /** CBC/ECB: padding is ours, so a packet is one or two EVP_Cipher calls. */
  private readonly padded: boolean;
  /** CBC: the contexts keep chaining across packets (see encrypt). */
  private readonly chained: boolean;
  /** CBC: IV xor the last ciphertext block each context saw (all zero right after init). */
  private readonly encFix = new Uint8Array(32);
  private readonly decFix = new Uint8Array(32);
  private readonly saved = new Uint8Array(32);
  private readonly last = new Uint8Array(32);
  private readonly lastP: Ptr;
  private readonly srcSlot = new PtrSlot();
  private readonly dstSlot = new PtrSlot();
  private readonly tailSlot = new PtrSlot();

  constructor(
    private readonly lib: Libcrypto,
    private readonly cipher: Ptr,
    private readonly info: CipherInfo,
    key: Uint8Array,
    iv: Uint8Array,
  ) {
    // Copies: native code keeps pointing at them for the life of the contexts.
    this.key = new Uint8Array(Math.max(1, key.length));
    this.key.set(key);
    this.iv = new Uint8Array(Math.max(16, iv.length));
    this.iv.set(iv);
    this.ivP = info.ivLength > 0 ? pointerOf(this.iv) : null;
    this.lastP = pointerOf(this.last);
    this.bs = info.blockSize;
    this.padded = info.mode === "cbc" || info.mode === "ecb";
    this.chained = info.mode === "cbc";
    const s = lib.sym;
    this.enc = s.EVP_CIPHER_CTX_new();
    this.dec = s.EVP_CIPHER_CTX_new();
    if (
      this.enc === null || this.dec === null || !this.arm(this.enc, 1) || !this.arm(this.dec, 0)
    ) {
      this.free();
      throw opensslError(`${info.name}: EVP_CipherInit_ex`);
    }
  }

  /** Keys `ctx` with the fixed IV (padding off for block modes: we pad ourselves). */
  private arm(ctx: Ptr, enc: number): boolean {
    const s = this.lib.sym;
    return s.EVP_CipherInit_ex(ctx, this.cipher, null, pointerOf(this.key), this.ivP, enc) === 1 &&
      (!this.padded || s.EVP_CIPHER_CTX_set_padding(ctx, 0) === 1);
  }

  /*
   * tinc restarts every packet at the key's fixed IV. For CBC we do not re-initialise the
   * context per packet (one FFI symbol fewer; on a cold CPU each costs about a microsecond):
   * the context chains on from the previous packet's last ciphertext block C, so the first
   * block goes in XORed with IV ^ C (encrypting), or comes out XORed with it (decrypting).
   * PKCS#7 padding is added and checked here, so EVP_CipherFinal_ex is never needed either.
   */
  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (!this.padded) return this.stream(this.enc, true, src, srcOff, len, dst, dstOff);
    const bs = this.bs, full = len - (len % bs), last = this.last;
    // The final block (the rest plus padding), taken before dst is written: dst may be src.
    for (let i = 0; i < bs; i++) {
      last[i] = full + i < len ? src[srcOff + full + i]! : bs - (len - full);
    }
    const fix = this.encFix, chained = this.chained;
    if (full > 0) {
      const saved = this.saved;
      if (chained) {
        for (let i = 0; i < bs; i++) {
          saved[i] = src[srcOff + i]!;
          src[srcOff + i] = saved[i]! ^ fix[i]!;
        }
      }
      const ok = this.update(
        this.enc,
        this.dstSlot.get(dst, dstOff),
        this.srcSlot.get(src, srcOff),
        full,
      );
      // Put the caller's bytes back (in place they are ciphertext now).
      if (chained && (src !== dst || srcOff !== dstOff)) {
        for (let i = 0; i < bs; i++) src[srcOff + i] = saved[i]!;
      }
      if (!ok) return this.failed(true);
    } else if (chained) {
      for (let i = 0; i < bs; i++) last[i] = last[i]! ^ fix[i]!;
    }
    if (!this.update(this.enc, this.tailSlot.get(dst, dstOff + full), this.lastP, bs)) {
      return this.failed(true);
    }
    const out = full + bs;
    if (chained) {
      const iv = this.iv;
      for (let i = 0; i < bs; i++) fix[i] = iv[i]! ^ dst[dstOff + out - bs + i]!;
    }
    return out;
  }

  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (!this.padded) return this.stream(this.dec, false, src, srcOff, len, dst, dstOff);
    const bs = this.bs;
    if (len === 0 || len % bs !== 0) return -1;
    const chained = this.chained, saved = this.saved;
    // The context's next chaining block, taken before an in-place call overwrites it.
    if (chained) { for (let i = 0; i < bs; i++) saved[i] = src[srcOff + len - bs + i]!; }
    if (!this.update(this.dec, this.dstSlot.get(dst, dstOff), this.srcSlot.get(src, srcOff), len)) {
      return this.failed(false);
    }
    if (chained) {
      const fix = this.decFix, iv = this.iv;
      for (let i = 0; i < bs; i++) {
        dst[dstOff + i] = dst[dstOff + i]! ^ fix[i]!;
        fix[i] = iv[i]! ^ saved[i]!;
      }
    }
    const pad = dst[dstOff + len - 1]!;
    if (pad === 0 || pad > bs) return -1;
    for (let i = 2; i <= pad; i++) if (dst[dstOff + len - i] !== pad) return -1;
    return len - pad;
  }

  /** One EVP_Cipher call: every provider cipher we use has the one-shot entry it needs. */
  private update(ctx: Ptr, dst: Ptr, src: Ptr, len: number): boolean {
    return this.lib.sym.EVP_Cipher(ctx, dst, src, len) === len;
  }

  /** CFB/OFB/CTR: re-armed at the fixed IV, then one update. */
  private stream(
    ctx: Ptr,
    encrypting: boolean,
    src: Uint8Array,
    srcOff: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
  ): number {
    if (this.lib.sym.EVP_CipherInit_ex(ctx, null, null, null, this.ivP, -1) !== 1) {
      throw opensslError(`${this.info.name}: re-init`);
    }
    if (len === 0) return 0;
    const ok = this.update(ctx, this.dstSlot.get(dst, dstOff), this.srcSlot.get(src, srcOff), len);
    return ok ? len : this.failed(encrypting);
  }

  /**
   * Encrypting, a failure is OpenSSL's error; decrypting, a bad packet (-1). Either way the
   * context is re-armed, since its chaining state is no longer known.
   */
  private failed(encrypting: boolean): number {
    const s = this.lib.sym;
    const ctx = encrypting ? this.enc : this.dec;
    if (encrypting) {
      const e = opensslError(`${this.info.name}: encrypt`);
      this.rearm(ctx, 1);
      throw e;
    }
    s.ERR_clear_error(); // bad ciphertext: not exceptional on the network
    this.rearm(ctx, 0);
    return -1;
  }

  private rearm(ctx: Ptr, enc: number): void {
    (enc ? this.encFix : this.decFix).fill(0);
    if (!this.arm(ctx, enc)) throw opensslError(`${this.info.name}: EVP_CipherInit_ex`);
  }

  free(): void {
    const s = this.lib.sym;
    if (this.enc !== null) s.EVP_CIPHER_CTX_free(this.enc);
    if (this.dec !== null) s.EVP_CIPHER_CTX_free(this.dec);
    this.enc = null;
    this.dec = null;
    this.key.fill(0);
  }
}

class OpensslStreamCipher implements StreamCipher {
  private ctx: Ptr;
  private readonly key: Uint8Array;
  private readonly iv: Uint8Array;
  private readonly n = new Native();
  private readonly srcSlot = new PtrSlot();
  private readonly dstSlot = new PtrSlot();

  constructor(
    private readonly lib: Libcrypto,
    cipher: Ptr,
    private readonly info: CipherInfo,
    key: Uint8Array,
    iv: Uint8Array,
    encrypt: boolean,
  ) {
    this.key = key.slice();
    this.iv = new Uint8Array(Math.max(16, iv.length));
    this.iv.set(iv);
    const s = lib.sym;
    this.ctx = s.EVP_CIPHER_CTX_new();
    if (
      this.ctx === null ||
      s.EVP_CipherInit_ex(
          this.ctx,
          cipher,
          null,
          pointerOf(this.key),
          pointerOf(this.iv),
          encrypt ? 1 : 0,
        ) !== 1
    ) {
      this.free();
      throw opensslError(`${info.name}: EVP_CipherInit_ex`);
    }
  }

  update(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (len === 0) return;
    const s = this.lib.sym, n = this.n;
    if (
      s.EVP_CipherUpdate(
          this.ctx,
          this.dstSlot.get(dst, dstOff),
          n.outlP,
          this.srcSlot.get(src, srcOff),
          len,
        ) !== 1 || n.outl[0] !== len
    ) throw opensslError(`${this.info.name}: stream update`);
  }

  free(): void {
    if (this.ctx !== null) this.lib.sym.EVP_CIPHER_CTX_free(this.ctx);
    this.ctx = null;
    this.key.fill(0);
  }
}

/** The one-digest functions of a digest, and its context struct's size (public, stable ABI). */
interface LowLevelDigest {
  readonly prefix: "MD5" | "SHA1" | "SHA224" | "SHA256" | "SHA384" | "SHA512";
  readonly ctxBytes: number;
}

const LOW_LEVEL: Record<string, LowLevelDigest> = {
  md5: { prefix: "MD5", ctxBytes: 92 },
  sha1: { prefix: "SHA1", ctxBytes: 96 },
  sha224: { prefix: "SHA224", ctxBytes: 112 },
  sha256: { prefix: "SHA256", ctxBytes: 112 },
  sha384: { prefix: "SHA384", ctxBytes: 216 },
  sha512: { prefix: "SHA512", ctxBytes: 216 },
};

type UpdateFn = (ctx: Ptr, data: Ptr, len: bigint) => number;
type FinalFn = (md: Ptr, ctx: Ptr) => number;

/**
 * HMAC, H((K ^ opad) || H((K ^ ipad) || m)), with the two pad blocks hashed once per key.
 *
 * Packet path: with the one-digest API (MD5_*, SHA256_*, ...) a packet copies the saved
 * inner and outer contexts in JS and calls Update and Final on each: two small FFI symbols,
 * no EVP dispatch, no allocation. On a cold CPU that is what counts (the EVP layer's code and
 * its malloc/free per call were measured at 7-9% of a ping's round trip). Without that API,
 * two one-shot EVP_Digest calls: the ipad block goes into the caller's headroom in front of
 * the message for the call (the bytes there are put back), or the message is copied to a
 * scratch buffer when there is no headroom.
 */
class OpensslMac implements Mac {
  readonly size: number;
  private md: Ptr;
  private readonly block: number;
  // Low-level path: saved contexts after the pad blocks, a working one, the inner digest.
  private readonly update: UpdateFn | null = null;
  private readonly final: FinalFn | null = null;
  private readonly ctxBytes: number = 0;
  private readonly innerCtx = new Uint8Array(256);
  private readonly outerCtx = new Uint8Array(256);
  private readonly work = new Uint8Array(256);
  private readonly workP: Ptr;
  // EVP_Digest path: the ipad block; opad block then inner digest (the outer hash's input).
  private readonly ipad: Uint8Array;
  private readonly outer: Uint8Array;
  private readonly outerP: Ptr;
  private readonly innerP: Ptr;
  private readonly out = new Uint8Array(64);
  private readonly outP: Ptr;
  private readonly saved: Uint8Array;
  private scratch = new Uint8Array(0);
  private readonly srcSlot = new PtrSlot();

  constructor(
    private readonly lib: Libcrypto,
    md: Ptr,
    d: DigestInfo,
    key: Uint8Array,
    lowLevel: boolean,
  ) {
    const s = lib.sym;
    this.md = md;
    this.size = d.size;
    const block = this.block = s.EVP_MD_get_block_size(md);
    if (block <= 0 || block > 256 || d.size > 64) throw opensslError(`HMAC-${d.name}: block size`);
    // K: keys longer than a block are hashed first, then zero-padded to a block.
    const k = new Uint8Array(block);
    k.set(key.length > block ? this.digest(key, key.length) : key);
    this.ipad = k.map((x) => x ^ 0x36);
    this.outer = new Uint8Array(block + 64);
    for (let i = 0; i < block; i++) this.outer[i] = k[i]! ^ 0x5c;
    k.fill(0);
    this.outerP = pointerOf(this.outer);
    this.innerP = Deno.UnsafePointer.offset(this.outerP!, block);
    this.outP = pointerOf(this.out);
    this.workP = pointerOf(this.work);
    this.saved = new Uint8Array(block);
    const low = lowLevel ? LOW_LEVEL[d.name] : undefined;
    const init = low && s[`${low.prefix}_Init`];
    const update = low && s[`${low.prefix}_Update`];
    const final = low && s[`${low.prefix}_Final`];
    if (low && init && update && final) {
      const padded = (ctx: Uint8Array, pad: Uint8Array) => {
        const p = pointerOf(ctx);
        if (
          init(p) !== 1 || update(p, pointerOf(pad as Uint8Array<ArrayBuffer>), big(block)) !== 1
        ) {
          throw opensslError(`HMAC-${d.name}: ${low.prefix}_Init`);
        }
      };
      padded(this.innerCtx, this.ipad);
      padded(this.outerCtx, this.outer.subarray(0, block));
      this.update = update;
      this.final = final;
      this.ctxBytes = low.ctxBytes;
    }
  }

  private digest(data: Uint8Array, len: number): Uint8Array {
    const out = new Uint8Array(64);
    const ok = this.lib.sym.EVP_Digest(
      pointerOf(data as Uint8Array<ArrayBuffer>),
      big(len),
      pointerOf(out),
      null,
      this.md,
      null,
    );
    if (ok !== 1) throw opensslError("HMAC key digest");
    return out.subarray(0, this.size);
  }

  compute(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): void {
    if (this.update !== null) this.computeLowLevel(src, off, len);
    else this.computeEvp(src, off, len);
    const out = this.out, size = this.size;
    for (let i = 0; i < size; i++) dst[dstOff + i] = out[i]!;
  }

  private computeLowLevel(src: Uint8Array, off: number, len: number): void {
    const update = this.update!, final = this.final!, n = this.ctxBytes;
    const work = this.work, workP = this.workP;
    let ctx = this.innerCtx;
    for (let i = 0; i < n; i++) work[i] = ctx[i]!;
    let ok = update(workP, this.srcSlot.get(src, off), big(len)) === 1 &&
      final(this.innerP, workP) === 1;
    ctx = this.outerCtx;
    for (let i = 0; i < n; i++) work[i] = ctx[i]!;
    ok = ok && update(workP, this.innerP, big(this.size)) === 1 && final(this.outP, workP) === 1;
    if (!ok) throw opensslError("HMAC");
  }

  private computeEvp(src: Uint8Array, off: number, len: number): void {
    const s = this.lib.sym, block = this.block, ipad = this.ipad, saved = this.saved;
    // The inner hash's input, ipad block then message, made contiguous: in the caller's
    // headroom (whose bytes are put back after) or in a scratch copy.
    const inPlace = off >= block;
    let buf = src, at = off - block;
    if (inPlace) {
      for (let i = 0; i < block; i++) {
        saved[i] = src[at + i]!;
        src[at + i] = ipad[i]!;
      }
    } else {
      if (this.scratch.length < block + len) {
        this.scratch = new Uint8Array(Math.max(2048, block + len)); // rare: a caller without headroom
        this.scratch.set(ipad);
      }
      buf = this.scratch;
      at = 0;
      for (let i = 0; i < len; i++) buf[block + i] = src[off + i]!;
    }
    const p = this.srcSlot.get(buf, at);
    const ok = s.EVP_Digest(p, big(block + len), this.innerP, null, this.md, null) === 1;
    if (inPlace) { for (let i = 0; i < block; i++) src[at + i] = saved[i]!; }
    if (
      !ok || s.EVP_Digest(this.outerP, big(block + this.size), this.outP, null, this.md, null) !== 1
    ) {
      throw opensslError("HMAC");
    }
  }

  free(): void {
    for (
      const b of [this.ipad, this.outer, this.scratch, this.innerCtx, this.outerCtx, this.work]
    ) {
      b.fill(0);
    }
    this.md = null;
  }
}

export class OpensslBackend implements CryptoBackend {
  readonly name = "openssl" as const;
  readonly lib: Libcrypto;
  private readonly ciphers = new Map<string, Ptr>();
  private readonly digests = new Map<string, Ptr>();
  private readonly rsaKeys = new WeakMap<RsaPublicKey, Ptr>();
  private readonly rsaFinalizer = new FinalizationRegistry<Ptr>((rsa) => {
    this.lib.sym.RSA_free(rsa);
  });
  private readonly randSlot = new PtrSlot();

  /**
   * Throws when libcrypto cannot be loaded (no library, no --allow-ffi). `lowLevelDigests`
   * false makes HMAC use EVP only (tests; libraries built without the one-digest API).
   */
  constructor(private readonly lowLevelDigests = true) {
    this.lib = libcrypto();
  }

  private evpCipher(c: CipherInfo): Ptr {
    let p = this.ciphers.get(c.name);
    if (p === undefined) {
      const s = this.lib.sym;
      p = s.EVP_CIPHER_fetch(null, cstr(c.name), null);
      if (
        p !== null && (s.EVP_CIPHER_get_key_length(p) !== c.keyLength ||
          s.EVP_CIPHER_get_iv_length(p) !== c.ivLength)
      ) {
        p = null; // our table and OpenSSL disagree: refuse rather than misbehave
      }
      s.ERR_clear_error();
      this.ciphers.set(c.name, p);
    }
    return p;
  }

  private evpDigest(d: DigestInfo): Ptr {
    let p = this.digests.get(d.name);
    if (p === undefined) {
      const s = this.lib.sym;
      p = s.EVP_MD_fetch(null, cstr(d.name), null);
      if (p !== null && s.EVP_MD_get_size(p) !== d.size) p = null;
      s.ERR_clear_error();
      this.digests.set(d.name, p);
    }
    return p;
  }

  supportsCipher(c: CipherInfo): boolean {
    if (c.nid === 0 || isSerpent(c)) return true;
    return this.evpCipher(c) !== null;
  }

  packetCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array): PacketCipher {
    const common = commonPacketCipher(c, key, iv);
    if (common) return common;
    const p = this.evpCipher(c);
    if (p === null) throw unsupportedCipher(this.name, c);
    return new OpensslPacketCipher(this.lib, p, c, key, iv);
  }

  streamCipher(c: CipherInfo, key: Uint8Array, iv: Uint8Array, encrypt: boolean): StreamCipher {
    checkStreamCipher(c, key, iv);
    const p = this.evpCipher(c);
    if (p === null) throw unsupportedCipher(this.name, c);
    return new OpensslStreamCipher(this.lib, p, c, key, iv, encrypt);
  }

  hmac(d: DigestInfo, key: Uint8Array): Mac {
    if (d.nid === 0) return new NullMac();
    const md = this.evpDigest(d);
    if (md === null) throw unsupportedDigest(this.name, d);
    return new OpensslMac(this.lib, md, d, key, this.lowLevelDigests);
  }

  digest(d: DigestInfo, data: Uint8Array): Uint8Array {
    if (d.nid === 0) return new Uint8Array(0);
    const md = this.evpDigest(d);
    if (md === null) throw unsupportedDigest(this.name, d);
    const out = new Uint8Array(d.size);
    const copy = new Uint8Array(Math.max(1, data.length));
    copy.set(data);
    if (
      this.lib.sym.EVP_Digest(pointerOf(copy), big(data.length), pointerOf(out), null, md, null) !==
        1
    ) throw opensslError(`digest ${d.name}`);
    return out;
  }

  private rsa(key: RsaPublicKey | RsaPrivateKey): Ptr {
    let rsa = this.rsaKeys.get(key);
    if (rsa !== undefined) return rsa;
    const s = this.lib.sym;
    const bn = (x: bigint) => {
      const len = Math.max(1, Math.ceil(x.toString(16).length / 2));
      const b = bigIntToBytes(x, len);
      const p = s.BN_bin2bn(b, len, null);
      if (p === null) throw opensslError("BN_bin2bn");
      return p;
    };
    rsa = s.RSA_new();
    if (rsa === null) throw opensslError("RSA_new");
    const priv = "d" in key ? key : null;
    let ok = s.RSA_set0_key(rsa, bn(key.n), bn(key.e), priv ? bn(priv.d) : null) === 1;
    if (ok && priv) {
      ok = s.RSA_set0_factors(rsa, bn(priv.p), bn(priv.q)) === 1 &&
        s.RSA_set0_crt_params(rsa, bn(priv.dp), bn(priv.dq), bn(priv.qinv)) === 1;
    }
    if (!ok) {
      s.RSA_free(rsa);
      throw opensslError("RSA_set0_*");
    }
    this.rsaKeys.set(key, rsa);
    this.rsaFinalizer.register(key, rsa);
    return rsa;
  }

  private rsaRaw(key: RsaPublicKey, input: Uint8Array, priv: boolean): Uint8Array {
    rsaInput(key, input);
    const rsa = this.rsa(key);
    const out = new Uint8Array(key.size);
    const s = this.lib.sym;
    const r = priv
      ? s.RSA_private_decrypt(input.length, input, out, rsa, RSA_NO_PADDING)
      : s.RSA_public_encrypt(input.length, input, out, rsa, RSA_NO_PADDING);
    if (r !== key.size) throw opensslError(priv ? "RSA private" : "RSA public");
    return out;
  }

  rsaPublic(key: RsaPublicKey, input: Uint8Array): Uint8Array {
    return this.rsaRaw(key, input, false);
  }

  rsaPrivate(key: RsaPrivateKey, input: Uint8Array): Uint8Array {
    return this.rsaRaw(key, input, true);
  }

  randomBytes(dst: Uint8Array): void {
    if (dst.length === 0) return;
    if (this.lib.sym.RAND_bytes(this.randSlot.get(dst, 0), dst.length) !== 1) {
      throw opensslError("RAND_bytes");
    }
  }
}
