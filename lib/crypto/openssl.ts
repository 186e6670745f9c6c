/**
 * CryptoBackend over libcrypto.so.3 (ffi/libcrypto.ts).
 *
 * Packet path: one EVP_CIPHER_CTX per direction per key, re-armed per packet with
 * `EVP_CipherInit_ex(ctx, NULL, NULL, NULL, iv, -1)` (same key, IV back to the fixed one;
 * passing the IV also restarts CTR counters); one EVP_MAC_CTX per key re-armed with
 * `EVP_MAC_init(ctx, NULL, 0, NULL)`. Pointers come from per-call-site caches, sizes from a
 * BigInt table, the final block and the MAC go through fixed scratch buffers and are copied
 * in JS: no allocation per packet once warm.
 *
 * Raw RSA goes through the deprecated-but-exported RSA_* API with RSA_NO_PADDING; one RSA*
 * per key object (cached, freed with the key).
 *
 * @module
 */

import {
  big,
  cstr,
  digestParams,
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
  private readonly n = new Native();
  private readonly tail = new Uint8Array(64); // EVP_CipherFinal_ex output (≤ one block)
  private readonly tailP: Ptr;
  private readonly padded: boolean;
  private readonly srcSlot = new PtrSlot();
  private readonly dstSlot = new PtrSlot();

  constructor(
    private readonly lib: Libcrypto,
    cipher: Ptr,
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
    this.tailP = pointerOf(this.tail);
    this.padded = info.mode === "cbc" || info.mode === "ecb";
    const s = lib.sym;
    const keyP = pointerOf(this.key);
    this.enc = s.EVP_CIPHER_CTX_new();
    this.dec = s.EVP_CIPHER_CTX_new();
    if (
      this.enc === null || this.dec === null ||
      s.EVP_CipherInit_ex(this.enc, cipher, null, keyP, this.ivP, 1) !== 1 ||
      s.EVP_CipherInit_ex(this.dec, cipher, null, keyP, this.ivP, 0) !== 1
    ) {
      this.free();
      throw opensslError(`${info.name}: EVP_CipherInit_ex`);
    }
  }

  encrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    return this.run(this.enc, true, src, srcOff, len, dst, dstOff);
  }

  decrypt(src: Uint8Array, srcOff: number, len: number, dst: Uint8Array, dstOff: number): number {
    if (this.padded && (len === 0 || len % this.info.blockSize !== 0)) return -1;
    return this.run(this.dec, false, src, srcOff, len, dst, dstOff);
  }

  /** One packet through `ctx`, re-armed with the fixed IV. */
  private run(
    ctx: Ptr,
    encrypting: boolean,
    src: Uint8Array,
    srcOff: number,
    len: number,
    dst: Uint8Array,
    dstOff: number,
  ): number {
    const s = this.lib.sym, n = this.n;
    if (s.EVP_CipherInit_ex(ctx, null, null, null, this.ivP, -1) !== 1) {
      throw opensslError(`${this.info.name}: re-init`);
    }
    let out = 0;
    if (len > 0) {
      if (
        s.EVP_CipherUpdate(
          ctx,
          this.dstSlot.get(dst, dstOff),
          n.outlP,
          this.srcSlot.get(src, srcOff),
          len,
        ) !== 1
      ) return this.failed(encrypting, "");
      out = n.outl[0]!;
    }
    if (this.padded) {
      if (s.EVP_CipherFinal_ex(ctx, this.tailP, n.outlP) !== 1) {
        return this.failed(encrypting, " final");
      }
      const t = n.outl[0]!, tail = this.tail;
      for (let i = 0; i < t; i++) dst[dstOff + out + i] = tail[i]!;
      out += t;
    }
    return out;
  }

  /** Encrypting, a failure is OpenSSL's error; decrypting, it is a bad packet (-1). */
  private failed(encrypting: boolean, step: string): number {
    if (encrypting) throw opensslError(`${this.info.name}: encrypt${step}`);
    this.lib.sym.ERR_clear_error(); // bad ciphertext or padding: not exceptional on the network
    return -1;
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

class OpensslMac implements Mac {
  readonly size: number;
  private ctx: Ptr;
  private readonly key: Uint8Array;
  private readonly out = new Uint8Array(64);
  private readonly outP: Ptr;
  private readonly outlen = new BigUint64Array(1);
  private readonly outlenP: Ptr;
  private readonly outSize: bigint;
  private readonly srcSlot = new PtrSlot();
  private keep: Uint8Array[];

  constructor(private readonly lib: Libcrypto, mac: Ptr, d: DigestInfo, key: Uint8Array) {
    this.size = d.size;
    this.key = new Uint8Array(Math.max(1, key.length));
    this.key.set(key);
    this.outP = pointerOf(this.out);
    this.outlenP = pointerOf(new Uint8Array(this.outlen.buffer));
    this.outSize = big(this.out.length);
    const s = lib.sym;
    const { params, keep } = digestParams(d.name);
    this.keep = keep; // what `params` points into: only read during init, but cheap to hold
    this.ctx = s.EVP_MAC_CTX_new(mac);
    if (
      this.ctx === null ||
      s.EVP_MAC_init(this.ctx, pointerOf(this.key), big(key.length), params) !== 1
    ) {
      this.free();
      throw opensslError(`HMAC-${d.name}: EVP_MAC_init`);
    }
  }

  compute(src: Uint8Array, off: number, len: number, dst: Uint8Array, dstOff: number): void {
    const s = this.lib.sym, ctx = this.ctx;
    if (
      s.EVP_MAC_init(ctx, null, 0n, null) !== 1 ||
      (len > 0 && s.EVP_MAC_update(ctx, this.srcSlot.get(src, off), big(len)) !== 1) ||
      s.EVP_MAC_final(ctx, this.outP, this.outlenP, this.outSize) !== 1
    ) throw opensslError("HMAC");
    const out = this.out, size = this.size;
    for (let i = 0; i < size; i++) dst[dstOff + i] = out[i]!;
  }

  free(): void {
    if (this.ctx !== null) this.lib.sym.EVP_MAC_CTX_free(this.ctx);
    this.ctx = null;
    this.key.fill(0);
    this.keep = [];
  }
}

export class OpensslBackend implements CryptoBackend {
  readonly name = "openssl" as const;
  readonly lib: Libcrypto;
  private readonly ciphers = new Map<string, Ptr>();
  private readonly digests = new Map<string, Ptr>();
  private hmacAlg: Ptr = null;
  private readonly rsaKeys = new WeakMap<RsaPublicKey, Ptr>();
  private readonly rsaFinalizer = new FinalizationRegistry<Ptr>((rsa) => {
    this.lib.sym.RSA_free(rsa);
  });
  private readonly randSlot = new PtrSlot();

  /** Throws when libcrypto cannot be loaded (no library, no --allow-ffi). */
  constructor() {
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
    if (this.evpDigest(d) === null) throw unsupportedDigest(this.name, d);
    if (this.hmacAlg === null) {
      this.hmacAlg = this.lib.sym.EVP_MAC_fetch(null, cstr("HMAC"), null);
      if (this.hmacAlg === null) throw opensslError("EVP_MAC_fetch(HMAC)");
    }
    return new OpensslMac(this.lib, this.hmacAlg, d, key);
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
