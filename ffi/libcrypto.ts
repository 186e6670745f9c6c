/**
 * libcrypto.so.3 (OpenSSL 3) through Deno FFI: the dlopen table, provider loading, and the
 * helpers the packet path needs to call it without allocating (docs deno-platform.md §2):
 * - `usize` arguments are BigInt (numbers fall off V8's fast-call path): `big(n)` returns
 *   a cached BigInt for every n < 65536;
 * - pointers into JS buffers are cached per (ArrayBuffer, byte offset) (`PtrSlot`), so a
 *   call on `buf` at `off` creates no pointer object once warm;
 * - results are declared `i32`.
 *
 * All `Deno.*` use of the crypto layer lives here, so lib/crypto stays importable anywhere.
 * Loading is lazy (`libcrypto()`): importing this module costs nothing; each Worker gets its
 * own handle.
 *
 * @module
 */

/** Tried in order; an absolute path first so `--allow-ffi=<path>` can be scoped. */
export const LIBCRYPTO_PATHS = [
  "/usr/lib/x86_64-linux-gnu/libcrypto.so.3",
  "/lib/x86_64-linux-gnu/libcrypto.so.3",
  "/usr/lib/aarch64-linux-gnu/libcrypto.so.3",
  "libcrypto.so.3",
];

/** One-digest API signatures: Init(ctx), Update(ctx, data, len), Final(md, ctx). */
const DIGEST_INIT = { parameters: ["pointer"], result: "i32", optional: true } as const;
const DIGEST_UPDATE = {
  parameters: ["pointer", "pointer", "usize"],
  result: "i32",
  optional: true,
} as const;
const DIGEST_FINAL = { parameters: ["pointer", "pointer"], result: "i32", optional: true } as const;

const SYMBOLS = {
  OpenSSL_version: { parameters: ["i32"], result: "pointer" },
  OSSL_PROVIDER_load: { parameters: ["pointer", "buffer"], result: "pointer" },
  ERR_get_error: { parameters: [], result: "u64" },
  ERR_error_string_n: { parameters: ["u64", "buffer", "usize"], result: "void" },
  ERR_clear_error: { parameters: [], result: "void" },
  OBJ_nid2sn: { parameters: ["i32"], result: "pointer" },
  OBJ_txt2nid: { parameters: ["buffer"], result: "i32" },

  EVP_CIPHER_fetch: { parameters: ["pointer", "buffer", "pointer"], result: "pointer" },
  EVP_CIPHER_free: { parameters: ["pointer"], result: "void" },
  EVP_CIPHER_get_nid: { parameters: ["pointer"], result: "i32" },
  EVP_CIPHER_get_key_length: { parameters: ["pointer"], result: "i32" },
  EVP_CIPHER_get_iv_length: { parameters: ["pointer"], result: "i32" },
  EVP_CIPHER_get_block_size: { parameters: ["pointer"], result: "i32" },
  EVP_CIPHER_CTX_new: { parameters: [], result: "pointer" },
  EVP_CIPHER_CTX_free: { parameters: ["pointer"], result: "void" },
  EVP_CIPHER_CTX_set_padding: { parameters: ["pointer", "i32"], result: "i32" },
  EVP_CipherInit_ex: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "pointer", "i32"],
    result: "i32",
  },
  // Packets: the provider's one-shot cipher call, less dispatch than EVP_CipherUpdate (~2% off
  // a cold ping round trip); returns the bytes written, -1 on failure.
  EVP_Cipher: { parameters: ["pointer", "pointer", "pointer", "u32"], result: "i32" },
  EVP_CipherUpdate: {
    parameters: ["pointer", "pointer", "pointer", "pointer", "i32"],
    result: "i32",
  },

  EVP_MD_fetch: { parameters: ["pointer", "buffer", "pointer"], result: "pointer" },
  EVP_MD_free: { parameters: ["pointer"], result: "void" },
  EVP_MD_get_size: { parameters: ["pointer"], result: "i32" },
  EVP_MD_get_type: { parameters: ["pointer"], result: "i32" },
  EVP_MD_get_block_size: { parameters: ["pointer"], result: "i32" },
  EVP_Digest: {
    parameters: ["pointer", "usize", "pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },

  // The one-digest API (deprecated in OpenSSL 3, still exported unless built without it): HMAC
  // through it skips the EVP dispatch and its allocations, measured 7-9% off a cold ping RTT.
  MD5_Init: DIGEST_INIT,
  MD5_Update: DIGEST_UPDATE,
  MD5_Final: DIGEST_FINAL,
  SHA1_Init: DIGEST_INIT,
  SHA1_Update: DIGEST_UPDATE,
  SHA1_Final: DIGEST_FINAL,
  SHA224_Init: DIGEST_INIT,
  SHA224_Update: DIGEST_UPDATE,
  SHA224_Final: DIGEST_FINAL,
  SHA256_Init: DIGEST_INIT,
  SHA256_Update: DIGEST_UPDATE,
  SHA256_Final: DIGEST_FINAL,
  SHA384_Init: DIGEST_INIT,
  SHA384_Update: DIGEST_UPDATE,
  SHA384_Final: DIGEST_FINAL,
  SHA512_Init: DIGEST_INIT,
  SHA512_Update: DIGEST_UPDATE,
  SHA512_Final: DIGEST_FINAL,

  BN_bin2bn: { parameters: ["buffer", "i32", "pointer"], result: "pointer" },
  BN_free: { parameters: ["pointer"], result: "void" },
  RSA_new: { parameters: [], result: "pointer" },
  RSA_free: { parameters: ["pointer"], result: "void" },
  RSA_size: { parameters: ["pointer"], result: "i32" },
  RSA_set0_key: { parameters: ["pointer", "pointer", "pointer", "pointer"], result: "i32" },
  RSA_set0_factors: { parameters: ["pointer", "pointer", "pointer"], result: "i32" },
  RSA_set0_crt_params: {
    parameters: ["pointer", "pointer", "pointer", "pointer"],
    result: "i32",
  },
  RSA_public_encrypt: {
    parameters: ["i32", "buffer", "buffer", "pointer", "i32"],
    result: "i32",
  },
  RSA_private_decrypt: {
    parameters: ["i32", "buffer", "buffer", "pointer", "i32"],
    result: "i32",
  },

  RAND_bytes: { parameters: ["pointer", "i32"], result: "i32" },
} as const satisfies Deno.ForeignLibraryInterface;

export type LibcryptoSymbols = Deno.DynamicLibrary<typeof SYMBOLS>["symbols"];
export type Ptr = Deno.PointerValue;

export const RSA_NO_PADDING = 3;

export interface Libcrypto {
  readonly sym: LibcryptoSymbols;
  readonly path: string;
  readonly version: string;
  /** Whether the `legacy` provider (Blowfish) loaded. */
  readonly legacy: boolean;
}

let loaded: Libcrypto | null = null;
let loadError: Error | null = null;

/**
 * Opens libcrypto and loads the `default` and `legacy` providers (explicitly loading one
 * provider disables the implicit default, so both are loaded). Throws when the library or
 * the FFI permission is missing; remembers the failure.
 */
export function libcrypto(): Libcrypto {
  if (loaded) return loaded;
  if (loadError) throw loadError;
  let lib: Deno.DynamicLibrary<typeof SYMBOLS> | null = null;
  let path = "";
  const errors: string[] = [];
  for (const p of LIBCRYPTO_PATHS) {
    try {
      lib = Deno.dlopen(p, SYMBOLS);
      path = p;
      break;
    } catch (e) {
      errors.push(`${p}: ${(e as Error).message}`);
    }
  }
  if (!lib) {
    loadError = new Error(`cannot load libcrypto: ${errors.join("; ")}`);
    throw loadError;
  }
  const sym = lib.symbols;
  if (sym.OSSL_PROVIDER_load(null, cstr("default")) === null) {
    loadError = new Error("libcrypto: cannot load the default provider");
    throw loadError;
  }
  const legacy = sym.OSSL_PROVIDER_load(null, cstr("legacy")) !== null;
  sym.ERR_clear_error();
  const v = sym.OpenSSL_version(0);
  const version = v ? new Deno.UnsafePointerView(v).getCString() : "unknown";
  loaded = { sym, path, version, legacy };
  return loaded;
}

/** NUL-terminated UTF-8 for `buffer` string parameters. */
export function cstr(s: string): Uint8Array<ArrayBuffer> {
  const b = new TextEncoder().encode(s);
  const out = new Uint8Array(b.length + 1);
  out.set(b);
  return out;
}

export function readCString(p: Ptr): string | null {
  return p === null ? null : new Deno.UnsafePointerView(p).getCString();
}

/** The OpenSSL error queue, drained into one message (for exceptions, never per packet). */
export function opensslError(what: string): Error {
  const { sym } = libcrypto();
  const parts: string[] = [];
  const buf = new Uint8Array(256);
  for (let i = 0; i < 8; i++) {
    const e = sym.ERR_get_error();
    if (e === 0n) break;
    sym.ERR_error_string_n(e, buf, 256n);
    parts.push(new TextDecoder().decode(buf.subarray(0, buf.indexOf(0))));
  }
  sym.ERR_clear_error();
  return new Error(parts.length ? `${what}: ${parts.join("; ")}` : what);
}

// ---------------------------------------------------------------------------------------------
// Allocation-free argument helpers

const BIG: bigint[] = [];
for (let i = 0; i < 65536; i++) BIG.push(BigInt(i));

/** `n` as a BigInt for a `usize` parameter; cached below 65536 so packet sizes never allocate. */
export function big(n: number): bigint {
  return n < 65536 ? BIG[n]! : BigInt(n);
}

const bases = new WeakMap<ArrayBufferLike, Map<number, Ptr>>();

/** Pointer to buf[off], cached per (ArrayBuffer, absolute offset). */
export function pointerAt(buf: Uint8Array, off: number): Ptr {
  const ab = buf.buffer;
  const abs = buf.byteOffset + off;
  let m = bases.get(ab);
  if (m === undefined) {
    m = new Map();
    bases.set(ab, m);
  }
  let p = m.get(abs);
  if (p === undefined) {
    if (m.size > 256) m.clear(); // offsets that keep changing: don't grow without bound
    const base = Deno.UnsafePointer.of(ab as ArrayBuffer);
    p = base === null ? null : Deno.UnsafePointer.offset(base, abs);
    m.set(abs, p);
  }
  return p;
}

/** A one-entry memo in front of pointerAt for a call site that sees the same buffer again. */
export class PtrSlot {
  private buf: Uint8Array | null = null;
  private off = -1;
  private p: Ptr = null;
  get(buf: Uint8Array, off: number): Ptr {
    if (buf === this.buf && off === this.off) return this.p;
    this.p = pointerAt(buf, off);
    this.buf = buf;
    this.off = off;
    return this.p;
  }
}

/** A pointer to a fresh, long-lived native-visible buffer (kept alive by the caller). */
export function pointerOf(buf: Uint8Array): Ptr {
  return Deno.UnsafePointer.of(buf as Uint8Array<ArrayBuffer>);
}
