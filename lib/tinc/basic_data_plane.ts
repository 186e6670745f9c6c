/**
 * A minimal built-in data plane, so the control plane can run and be tested before (or
 * without) lib/tinc/packet_path.ts: UDP datagrams as tincd 1.0.36 builds them
 * (encrypt-then-MAC, seqno, replay window), TCP fallback while keyless, router mode by
 * subnet, switch mode by MAC, MTU probe replies. No compression, no PMTU discovery of its
 * own (never sets minmtu), no fragmentation, no ICMP.
 *
 * @module
 */
import type { CipherInfo, DigestInfo, Mac, PacketCipher } from "../crypto/types.ts";
import type { SockAddr } from "./types.ts";
import type { Subnet } from "./subnet.ts";
import type { ControlHooks, DataPlane, PacketKey } from "./engine.ts";
import type { Node } from "./node.ts";
import type { PacketTransform } from "./config.ts";
import { REPLAY_OK, ReplayWindow } from "./replay.ts";
import { cipherByName, cipherByNid, digestByName, digestByNid } from "../crypto/algorithms.ts";
import { OPTION_TCPONLY } from "./graph.ts";

interface Key {
  material: Uint8Array;
  cipher: PacketCipher | null;
  mac: Mac | null;
  macLength: number;
}

/** Per-node packet state (what tincd keeps in node_t for the data path). */
interface Channel {
  inKey: Key | null;
  outKey: Key | null;
  replay: ReplayWindow;
  sentSeqno: number;
}

const MTU = 1518;
const SCRATCH = MTU + 4 + 64 + 64;

export class BasicDataPlane implements DataPlane {
  readonly #plain = new Uint8Array(SCRATCH);
  readonly #wire = new Uint8Array(SCRATCH);
  readonly #macOut = new Uint8Array(64);

  constructor(readonly control: ControlHooks) {}

  #channel(n: Node): Channel {
    let ch = n.channel as Channel | null;
    if (!ch) {
      ch = {
        inKey: null,
        outKey: null,
        replay: new ReplayWindow(this.control.config.replayWindow),
        sentSeqno: 0,
      };
      n.channel = ch;
    }
    return ch;
  }

  #transformFor(n: Node): PacketTransform {
    return this.control.config.hosts.find((h) => h.name === n.name)?.transform ??
      this.control.config.transform;
  }

  newInKey(n: Node): PacketKey {
    const t = this.#transformFor(n);
    const cipher = cipherByName(t.cipher) ?? cipherByNid(427)!;
    const digest = digestByName(t.digest) ?? digestByNid(672)!;
    const len = cipher.nid === 0 ? 1 : cipher.keyLength + cipher.ivLength;
    const material = new Uint8Array(len);
    this.control.crypto.randomBytes(material);
    const ch = this.#channel(n);
    freeKey(ch.inKey);
    ch.inKey = this.#makeKey(material, cipher, digest, Math.min(t.macLength, digest.size));
    ch.replay.reset();
    return {
      key: material,
      cipher: cipher.nid,
      digest: digest.nid,
      macLength: Math.min(t.macLength, digest.size),
      compression: 0,
    };
  }

  #makeKey(material: Uint8Array, c: CipherInfo, d: DigestInfo, macLength: number): Key {
    const crypto = this.control.crypto;
    return {
      material,
      cipher: c.nid === 0
        ? null
        : crypto.packetCipher(c, material.subarray(0, c.keyLength), material.subarray(c.keyLength)),
      mac: d.nid === 0 || macLength === 0 ? null : crypto.hmac(d, material),
      macLength: d.nid === 0 ? 0 : macLength,
    };
  }

  setOutKey(
    n: Node,
    key: Uint8Array,
    cipherNid: number,
    digestNid: number,
    macLength: number,
    compression: number,
  ): string | null {
    const cipher = cipherByNid(cipherNid);
    if (!cipher) return `unknown cipher ${cipherNid}`;
    if (cipher.nid === 0 ? key.length !== 1 : key.length !== cipher.keyLength + cipher.ivLength) {
      return "wrong keylength";
    }
    if (!this.control.crypto.supportsCipher(cipher) && cipher.nid !== 0) {
      return "unsupported cipher";
    }
    const digest = digestByNid(digestNid);
    if (!digest) return `unknown digest ${digestNid}`;
    if (macLength < 0 || macLength > digest.size) return "bogus MAC length";
    if (compression !== 0) return "compression not supported by the basic data plane";
    const ch = this.#channel(n);
    freeKey(ch.outKey);
    ch.outKey = this.#makeKey(key, cipher, digest, macLength);
    ch.sentSeqno = 0;
    return null;
  }

  outKeyInvalid(_n: Node): void {}
  keyReady(_n: Node): void {}
  clearInKeys(): void {
    for (const n of this.control.nodes()) {
      const ch = n.channel as Channel | null;
      if (ch) {
        freeKey(ch.inKey);
        ch.inKey = null;
      }
    }
  }
  minMtu(_n: Node): number {
    return 0;
  }
  connectionUp(_n: Node, _pmtu: number | null): void {}
  reachabilityChanged(_n: Node): void {}
  nodeRemoved(n: Node): void {
    const ch = n.channel as Channel | null;
    if (ch) {
      freeKey(ch.inKey);
      freeKey(ch.outKey);
    }
    n.channel = null;
  }
  macClaimed(_s: Subnet): void {}
  onTick(_now: number): void {}
  nextTimeout(): number {
    return Infinity;
  }

  onUdp(buf: Uint8Array, off: number, len: number, from: SockAddr, now: number): void {
    let n = this.control.nodeByUdp(from);
    if (!n || !this.#verify(n, buf, off, len)) {
      // try_harder: whose key authenticates this datagram?
      n = undefined;
      for (const cand of this.control.nodes()) {
        if (cand === this.control.myself) continue;
        if (this.#verify(cand, buf, off, len)) {
          n = cand;
          this.control.setNodeUdp(cand, from);
          break;
        }
      }
      if (!n) return;
    }
    const ch = this.#channel(n);
    const key = ch.inKey!;
    const body = len - key.macLength;
    let plainLen: number;
    if (key.cipher) {
      plainLen = key.cipher.decrypt(buf, off, body, this.#plain, 0);
      if (plainLen < 0) return;
    } else {
      this.#plain.set(buf.subarray(off, off + body), 0);
      plainLen = body;
    }
    if (plainLen < 4) return;
    const p = this.#plain;
    const seqno = ((p[0]! << 24) | (p[1]! << 16) | (p[2]! << 8) | p[3]!) >>> 0;
    if (ch.replay.check(seqno) !== REPLAY_OK) return;
    const frameLen = plainLen - 4;
    if (frameLen >= 14 && p[4 + 12] === 0 && p[4 + 13] === 0) {
      // MTU probe: answer requests with byte 0 set to 1, same length.
      if (p[4] === 0) {
        p[4] = 1;
        this.#sendUdp(n, p, 4, frameLen, now);
      }
      return;
    }
    this.#route(n, p, 4, frameLen, false, now);
  }

  #verify(n: Node, buf: Uint8Array, off: number, len: number): boolean {
    const key = (n.channel as Channel | null)?.inKey;
    if (!key) return false;
    if (len < 4 + key.macLength) return false;
    if (!key.mac) return true;
    const body = len - key.macLength;
    key.mac.compute(buf, off, body, this.#macOut, 0);
    let diff = 0;
    for (let i = 0; i < key.macLength; i++) diff |= this.#macOut[i]! ^ buf[off + body + i]!;
    return diff === 0;
  }

  onTun(buf: Uint8Array, off: number, len: number, now: number): void {
    this.#route(this.control.myself, buf, off, len, false, now);
  }

  onTcpPacket(from: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    const viaTcp = !(this.control.myself.options & OPTION_TCPONLY);
    this.#route(from, buf, off, len, viaTcp, now);
  }

  #route(source: Node, buf: Uint8Array, off: number, len: number, tcp: boolean, now: number): void {
    if (len < 14) return;
    const ctl = this.control;
    const mode = ctl.config.mode;
    let owner: Node | null = null;
    let broadcast = mode === "hub";
    if (mode === "router") {
      const type = (buf[off + 12]! << 8) | buf[off + 13]!;
      if (type === 0x0800 && len >= 34) {
        if (buf[off + 30]! >= 224) broadcast = true;
        else owner = ctl.subnets.lookupIpv4(buf, off + 30)?.owner ?? null;
      } else if (type === 0x86dd && len >= 54) {
        if (buf[off + 38] === 0xff) broadcast = true;
        else owner = ctl.subnets.lookupIpv6(buf, off + 38)?.owner ?? null;
      } else return;
    } else if (mode === "switch") {
      if (source === ctl.myself) ctl.learnMac(macSubnet(buf, off + 6), now);
      if (buf[off]! & 1) broadcast = true;
      else {
        owner = ctl.subnets.lookupMac(buf, off)?.owner ?? null;
        if (!owner) broadcast = true;
      }
    }
    if (broadcast) {
      if (source !== ctl.myself) ctl.out.writeTun(buf, off, len);
      if (ctl.config.broadcast === "no") return;
      const back = source === ctl.myself ? null : source.nexthop?.connection ?? null;
      for (const c of ctl.connections()) {
        if (c.active && c.mst && c !== back && c.node) {
          this.#sendPacket(c.node, buf, off, len, tcp, now);
        }
      }
      return;
    }
    if (!owner || owner === source) return;
    if (owner === ctl.myself) {
      ctl.out.writeTun(buf, off, len);
      return;
    }
    if (!owner.reachable) return;
    this.#sendPacket(owner, buf, off, len, tcp, now);
  }

  #sendPacket(n: Node, buf: Uint8Array, off: number, len: number, tcp: boolean, now: number): void {
    const me = this.control.myself;
    const via = tcp || n.via === me ? n.nexthop : n.via;
    if (!via) return;
    if (tcp || ((me.options | via.options) & OPTION_TCPONLY)) {
      const nh = via.nexthop;
      if (nh) this.control.sendTcpPacket(nh, buf, off, len);
      return;
    }
    this.#sendUdp(via, buf, off, len, now);
  }

  #sendUdp(n: Node, buf: Uint8Array, off: number, len: number, now: number): void {
    const ch = this.#channel(n);
    const key = ch.outKey;
    if (!n.validKey || !key) {
      if (n.lastReqKey === 0 || n.lastReqKey + 10_000 <= now) this.control.requestKey(n, now);
      if (n.nexthop) this.control.sendTcpPacket(n.nexthop, buf, off, len);
      return;
    }
    if (!n.udpAddress) return;
    const p = this.#plain;
    const seq = ++ch.sentSeqno;
    p[0] = seq >>> 24;
    p[1] = (seq >>> 16) & 0xff;
    p[2] = (seq >>> 8) & 0xff;
    p[3] = seq & 0xff;
    p.set(buf.subarray(off, off + len), 4);
    let outLen: number;
    if (key.cipher) outLen = key.cipher.encrypt(p, 0, len + 4, this.#wire, 0);
    else {
      this.#wire.set(p.subarray(0, len + 4), 0);
      outLen = len + 4;
    }
    if (key.mac) {
      key.mac.compute(this.#wire, 0, outLen, this.#macOut, 0);
      this.#wire.set(this.#macOut.subarray(0, key.macLength), outLen);
      outLen += key.macLength;
    }
    this.control.out.sendUdp(n.udpAddress, this.#wire, 0, outLen);
  }
}

function freeKey(k: Key | null): void {
  k?.cipher?.free();
  k?.mac?.free();
}

function macSubnet(buf: Uint8Array, off: number): Subnet {
  return { type: "mac", address: buf.slice(off, off + 6), prefix: 48, weight: 10 };
}
