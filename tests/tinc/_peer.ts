// A scripted tinc peer for protocol tests: it speaks the handshake itself (with the test
// crypto, not the engine's code), records every line the engine sends, and lets a test send
// arbitrary lines or bytes. One engine + any number of peers + a fake clock.
import type {
  CryptoBackend,
  RsaPrivateKey,
  RsaPublicKey,
  StreamCipher,
} from "../../lib/crypto/types.ts";
import { cipherByNid, isStreamMode } from "../../lib/crypto/algorithms.ts";
import { type EngineDeps, TincEngine } from "../../lib/tinc/engine.ts";
import type { EngineConfig } from "../../lib/tinc/config.ts";
import { type ConnId, type EngineEvent, type SockAddr, sockAddr } from "../../lib/tinc/types.ts";
import { keyFor, testCrypto } from "./_crypto.ts";
import { publicKeyOf } from "../../lib/crypto/rsa_key.ts";
import { engineConfig, MemoryLog, type NodeSpec } from "./_mesh.ts";

const HEX = "0123456789ABCDEF";
export function hex(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += HEX[x >> 4]! + HEX[x & 15]!;
  return s;
}
export function unhex(s: string): Uint8Array {
  const out = new Uint8Array(s.length >> 1);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(s.slice(2 * i, 2 * i + 2), 16);
  return out;
}

function latin1(b: Uint8Array): string {
  let s = "";
  for (const x of b) s += String.fromCharCode(x);
  return s;
}

function bytes(s: string): Uint8Array {
  const b = new Uint8Array(s.length);
  for (let i = 0; i < s.length; i++) b[i] = s.charCodeAt(i);
  return b;
}

export interface PeerOptions {
  /** Cipher NID to announce in METAKEY (429). */
  metaCipher?: number;
  metaDigest?: number;
  /** ACK fields. */
  ackPort?: number;
  ackWeight?: number;
  ackOptions?: number;
  /** Stop auto-answering after this request number is sent by us (e.g. 1 = after METAKEY). */
  stopAfter?: number;
  /** Which handshake steps to perform automatically. */
  auto?: boolean;
}

export class Peer {
  conn: ConnId = 0;
  readonly lines: string[] = [];
  readonly packets: Uint8Array[] = [];
  closed: null | { tarpit: boolean } = null;
  active = false;
  outCipher: StreamCipher | null = null;
  inCipher: StreamCipher | null = null;
  #inbuf = new Uint8Array(0);
  #tcplen = 0;
  /** The RSA plaintext of the engine's METAKEY. */
  metaKeyPlain: Uint8Array | null = null;
  #challengeSent: Uint8Array | null = null;
  #challengeGot: Uint8Array | null = null;
  readonly key: RsaPrivateKey;

  constructor(
    readonly h: Harness,
    readonly name: string,
    readonly address: SockAddr,
    readonly outgoing: boolean, // the peer connected to the engine
    readonly opts: PeerOptions = {},
  ) {
    this.key = keyFor(name);
  }

  get crypto(): CryptoBackend {
    return this.h.crypto;
  }

  /** Lines of a request type the engine sent us. */
  got(req: number): string[] {
    return this.lines.filter((l) => l.split(" ")[0] === String(req));
  }

  /** Sends one line (plus `\n`) to the engine, encrypted once our METAKEY went out. */
  send(line: string): void {
    this.sendBytes(bytes(line + "\n"));
  }

  sendBytes(b: Uint8Array): void {
    const data = b.slice();
    if (this.outCipher) this.outCipher.update(data, 0, data.length, data, 0);
    this.h.engine.onMetaData(this.conn, data, this.h.now);
    this.h.flush();
  }

  /** Bytes from the engine. */
  receive(data: Uint8Array): void {
    const d = data.slice();
    if (this.inCipher) this.inCipher.update(d, 0, d.length, d, 0);
    const merged = new Uint8Array(this.#inbuf.length + d.length);
    merged.set(this.#inbuf);
    merged.set(d, this.#inbuf.length);
    this.#inbuf = merged;
    for (;;) {
      if (this.#tcplen) {
        if (this.#inbuf.length < this.#tcplen) return;
        this.packets.push(this.#inbuf.slice(0, this.#tcplen));
        this.#inbuf = this.#inbuf.slice(this.#tcplen);
        this.#tcplen = 0;
        continue;
      }
      const nl = this.#inbuf.indexOf(10);
      if (nl < 0) return;
      const line = latin1(this.#inbuf.subarray(0, nl));
      const rest = this.#inbuf.slice(nl + 1);
      this.#inbuf = new Uint8Array(0);
      this.lines.push(line);
      this.#handle(line);
      // Bytes after the engine's METAKEY line are encrypted: decrypt the rest now.
      if (this.inCipher && rest.length && line.startsWith("1 ")) {
        this.inCipher.update(rest, 0, rest.length, rest, 0);
      }
      const merged2 = new Uint8Array(this.#inbuf.length + rest.length);
      merged2.set(this.#inbuf);
      merged2.set(rest, this.#inbuf.length);
      this.#inbuf = merged2;
    }
  }

  #stopped(req: number): boolean {
    return this.opts.auto === false ||
      (this.opts.stopAfter !== undefined && req > this.opts.stopAfter);
  }

  #handle(line: string): void {
    const f = line.split(" ");
    const req = Number(f[0]);
    if (req === 17) {
      this.#tcplen = Number(f[1]);
      return;
    }
    switch (req) {
      case 0:
        if (!this.outgoing && !this.#stopped(0)) this.send(`0 ${this.name} 17`);
        if (!this.#stopped(1)) this.sendMetakey();
        break;
      case 1: {
        const k = this.crypto.rsaPrivate(this.key, unhex(f[5]!));
        this.metaKeyPlain = k;
        const c = cipherByNid(Number(f[1]))!;
        const len = k.length;
        this.inCipher = this.crypto.streamCipher(
          c,
          k.slice(len - c.keyLength),
          k.slice(len - c.keyLength - c.ivLength, len - c.keyLength),
          false,
        );
        if (!this.#stopped(2)) this.sendChallenge();
        break;
      }
      case 2:
        this.#challengeGot = unhex(f[1]!);
        if (this.outgoing && !this.#stopped(3)) this.sendChalReply();
        break;
      case 3: {
        const want = hex(
          this.crypto.digest({ name: "sha256", nid: 672, size: 32 }, this.#challengeSent!),
        );
        if (f[1] !== want) throw new Error(`engine's CHAL_REPLY is wrong: ${f[1]} != ${want}`);
        if (!this.outgoing && !this.#stopped(3)) this.sendChalReply();
        if (!this.#stopped(4)) this.sendAck();
        break;
      }
      case 4:
        this.active = true;
        break;
      case 8:
        if (this.opts.auto !== false) this.send("9");
        break;
    }
  }

  sendMetakey(cipherNid = this.opts.metaCipher ?? 429, digestNid = this.opts.metaDigest ?? 672) {
    const pub = this.h.enginePublic;
    const k = new Uint8Array(pub.size);
    this.crypto.randomBytes(k);
    k[0]! &= 0x7f;
    const wanted = cipherByNid(cipherNid);
    const c = wanted && isStreamMode(wanted) ? wanted : cipherByNid(429)!;
    this.send(`1 ${cipherNid} ${digestNid} 0 0 ${hex(this.crypto.rsaPublic(pub, k))}`);
    const len = k.length;
    this.outCipher = this.crypto.streamCipher(
      c,
      k.slice(len - c.keyLength),
      k.slice(len - c.keyLength - c.ivLength, len - c.keyLength),
      true,
    );
  }

  sendChallenge(): void {
    const ch = new Uint8Array(this.h.enginePublic.size);
    this.crypto.randomBytes(ch);
    this.#challengeSent = ch;
    this.send(`2 ${hex(ch)}`);
  }

  sendChalReply(): void {
    const d = this.crypto.digest({ name: "sha256", nid: 672, size: 32 }, this.#challengeGot!);
    this.send(`3 ${hex(d)}`);
  }

  sendAck(): void {
    const o = this.opts;
    this.send(`4 ${o.ackPort ?? 655} ${o.ackWeight ?? 10} ${(o.ackOptions ?? 0xc).toString(16)}`);
  }
}

/** One engine under test, driven with a fake clock; peers attach by accept or connect. */
export class Harness {
  readonly engine: TincEngine;
  readonly log: MemoryLog;
  readonly crypto: CryptoBackend;
  readonly enginePublic: RsaPublicKey;
  now = 1000;
  readonly peers = new Map<ConnId, Peer>();
  readonly connects: { conn: ConnId; to: SockAddr }[] = [];
  readonly closes: { conn: ConnId; tarpit: boolean }[] = [];
  readonly udp: { to: SockAddr; data: Uint8Array }[] = [];
  readonly tun: Uint8Array[] = [];
  readonly events: EngineEvent[] = [];
  /** What metaBacklog reports per connection (the queue below counts as sent): tests set it. */
  readonly backlog = new Map<ConnId, number>();
  #queue: { conn: ConnId; data: Uint8Array }[] = [];
  #nextAccept = 1_000_000;
  #flushing = false;

  constructor(
    readonly spec: NodeSpec,
    others: NodeSpec[],
    extra: Partial<EngineConfig> = {},
    deps: Partial<EngineDeps> = {},
  ) {
    this.log = new MemoryLog(spec.name);
    this.crypto = testCrypto();
    const cfg = { ...engineConfig(spec, [spec, ...others]), ...extra };
    this.enginePublic = publicKeyOf(cfg.privateKey);
    this.engine = new TincEngine(cfg, {
      crypto: this.crypto,
      log: this.log,
      now: this.now,
      ...deps,
      out: {
        sendMeta: (conn, data) => this.#queue.push({ conn, data: data.slice() }),
        metaBacklog: (conn) => this.backlog.get(conn) ?? 0,
        closeMeta: (conn, tarpit) => {
          this.closes.push({ conn, tarpit });
          const p = this.peers.get(conn);
          if (p) p.closed = { tarpit };
        },
        connect: (conn, to) => this.connects.push({ conn, to }),
        sendUdp: (to, buf, off, len) => {
          this.udp.push({ to, data: buf.slice(off, off + len) });
          return true;
        },
        writeTun: (buf, off, len) => {
          this.tun.push(buf.slice(off, off + len));
        },
        event: (e) => this.events.push(e),
      },
    });
  }

  /** Delivers queued engine output to the peers (which may answer). */
  flush(): void {
    if (this.#flushing) return;
    this.#flushing = true;
    try {
      while (this.#queue.length) {
        const { conn, data } = this.#queue.shift()!;
        const p = this.peers.get(conn);
        if (p && !p.closed) p.receive(data);
      }
    } finally {
      this.#flushing = false;
    }
  }

  start(): void {
    this.engine.start(this.now);
    this.flush();
  }

  /** A peer connects to the engine (engine is the server). */
  accept(name: string, ip: string, opts: PeerOptions = {}, port = 40000): Peer {
    const p = new Peer(this, name, sockAddr(ip, port), true, opts);
    p.conn = this.#nextAccept++;
    this.peers.set(p.conn, p);
    this.engine.onAccept(p.conn, p.address, this.now);
    if (opts.auto !== false && opts.stopAfter !== -1) p.send(`0 ${name} 17`);
    this.flush();
    return p;
  }

  /** Completes the engine's pending outgoing connect to `name` (engine is the client). */
  answerConnect(name: string, opts: PeerOptions = {}): Peer {
    const i = this.connects.findIndex((c) => this.engine.connections.get(c.conn)?.name === name);
    if (i < 0) throw new Error(`no pending connect to ${name}`);
    const { conn, to } = this.connects.splice(i, 1)[0]!;
    const p = new Peer(this, name, to, false, opts);
    p.conn = conn;
    this.peers.set(conn, p);
    this.engine.onConnected(conn, this.now);
    this.flush();
    return p;
  }

  /** Advances the fake clock, running timers. */
  advance(ms: number, step = 100): void {
    const end = this.now + ms;
    while (this.now < end) {
      this.now = Math.min(end, this.now + step);
      if (this.engine.nextTimeout() <= this.now) this.engine.onTick(this.now);
      this.flush();
    }
  }
}

/** Accepts `name`, completes the handshake and sends its edge back so it is reachable. */
export function activePeer(h: Harness, name: string, ip: string, opts: PeerOptions = {}): Peer {
  const p = h.accept(name, ip, opts);
  if (!p.active) throw new Error(`handshake with ${name} failed:\n${h.log.lines.join("\n")}`);
  p.send(`12 ${(0x1000 + h.peers.size).toString(16)} ${name} ${h.spec.name} ${h.spec.ip} 655 c 5`);
  return p;
}

/** Starts `h` with beta (192.168.77.2) and gamma (.3) as active peers, their lines cleared. */
export function startWithBetaGamma(h: Harness): { h: Harness; beta: Peer; gamma: Peer } {
  h.start();
  const beta = activePeer(h, "beta", "192.168.77.2");
  const gamma = activePeer(h, "gamma", "192.168.77.3");
  beta.lines.length = 0;
  gamma.lines.length = 0;
  return { h, beta, gamma };
}
