/**
 * The authentication handshake: ID, METAKEY, CHALLENGE, CHAL_REPLY, ACK (1.0.36
 * src/protocol_auth.c, with the 1.0.35+ ordering: the server sends ID only after the
 * client's, and its CHAL_REPLY only after verifying the client's).
 *
 * @module
 */
import type { CipherInfo, DigestInfo } from "../crypto/types.ts";
import type { MetaConnection } from "./meta_connection.ts";
import type { TincEngine } from "./engine.ts";
import { ALL, Request } from "./request.ts";
import { cipherByNid, digestByNid, isStreamMode } from "../crypto/algorithms.ts";
import { bytesToHex, hexToBytes, scan } from "./scan.ts";
import { checkId } from "./names.ts";
import {
  OPTION_CLAMP_MSS,
  OPTION_INDIRECT,
  OPTION_PMTU_DISCOVERY,
  OPTION_TCPONLY,
} from "./graph.ts";
import { Node } from "./node.ts";
import { Edge } from "./edge.ts";
import { edgeAddressOf, withPort } from "./address.ts";
import { sendAddEdge } from "./protocol_edge.ts";
import { sendAddSubnet } from "./protocol_subnet.ts";

/** Protocol version 17 (PROT_CURRENT in 1.0). */
export const PROT_CURRENT = 17;

/** The meta cipher we send: aes-256-cfb (429), as 1.0.36 with its default Cipher. */
export const META_CIPHER_SENT = cipherByNid(429)!;
/** The meta digest we send: sha256 (672). */
export const META_DIGEST_SENT = digestByNid(672)!;

/** A METAKEY cipher NID we accept: any stream mode the backend has (421/425/429 at least). */
export function metaCipher(e: TincEngine, nid: number): CipherInfo | null {
  const c = nid === 0 ? undefined : cipherByNid(nid);
  return c && isStreamMode(c) && e.crypto.supportsCipher(c) ? c : null;
}

/** A digest NID tincd's OpenSSL resolves (0 = none is refused by METAKEY). */
export function metaDigest(nid: number): DigestInfo | null {
  return nid === 0 ? null : digestByNid(nid) ?? null;
}

export function sendId(e: TincEngine, c: MetaConnection): void {
  e.send(c, `${Request.ID} ${e.config.name} ${PROT_CURRENT}`);
}

export function idHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s %d");
  if (f.length !== 2) return e.bad(c, "ID");
  const name = f[0] as string;
  const version = f[1] as number;
  if (!checkId(name) || name === e.config.name) return e.bad(c, "ID", "invalid name");
  if (c.outgoing) {
    if (c.name !== name) {
      e.log.log("error", "connections", `Peer ${c.hostname} is ${name} instead of ${c.name}`);
      return false;
    }
  } else {
    c.name = name;
  }
  if (version !== PROT_CURRENT) {
    e.log.log(
      "error",
      "connections",
      `Peer ${c.name} (${c.hostname}) uses incompatible version ${version}`,
    );
    return false;
  }
  const host = e.hostConfig(name);
  if (!host) {
    e.log.log("error", "connections", `Peer ${c.hostname} had unknown identity (${name})`);
    return false;
  }
  c.host = host;
  c.allowRequest = Request.METAKEY;
  if (!c.outgoing) sendId(e, c);
  return sendMetakey(e, c);
}

/** RSA-encrypts a fresh random number for the peer; our output stream key is its tail. */
export function sendMetakey(e: TincEngine, c: MetaConnection): boolean {
  const key = c.host!.publicKey;
  const len = key.size;
  const k = new Uint8Array(len);
  e.crypto.randomBytes(k);
  k[0]! &= 0x7f; // below the modulus
  const cipher = META_CIPHER_SENT;
  const encrypted = e.crypto.rsaPublic(key, k);
  e.send(
    c,
    `${Request.METAKEY} ${cipher.nid} ${META_DIGEST_SENT.nid} 0 0 ${bytesToHex(encrypted)}`,
  );
  const { cipherKey, iv } = tailKeyIv(k, cipher);
  c.outDigest = META_DIGEST_SENT;
  c.startEncrypt(e.crypto.streamCipher(cipher, cipherKey, iv, true));
  return true;
}

/** key = K[len-kl, len), iv = K[len-kl-il, len-kl) */
export function tailKeyIv(k: Uint8Array, c: CipherInfo): { cipherKey: Uint8Array; iv: Uint8Array } {
  const len = k.length;
  return {
    cipherKey: k.slice(len - c.keyLength, len),
    iv: k.slice(len - c.keyLength - c.ivLength, len - c.keyLength),
  };
}

export function metakeyHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %d %d %d %d %s");
  if (f.length !== 5) return e.bad(c, "METAKEY");
  const [cipherNid, digestNid, macLength, , hex] = f as [number, number, number, number, string];
  const len = e.config.privateKey.size;
  if (hex.length !== 2 * len) return e.bad(c, "METAKEY", "wrong keylength");
  const encrypted = hexToBytes(hex, len);
  if (!encrypted) return e.bad(c, "METAKEY", "invalid key");
  let k: Uint8Array;
  try {
    k = e.crypto.rsaPrivate(e.config.privateKey, encrypted);
  } catch (err) {
    // RSA_private_decrypt failed (e.g. input not below the modulus).
    return e.bad(c, "METAKEY", `error during decryption of meta key: ${err}`);
  }
  const cipher = metaCipher(e, cipherNid);
  if (!cipher) {
    e.log.log("error", "protocol", `${c.name} (${c.hostname}) uses unknown cipher ${cipherNid}`);
    return false;
  }
  const { cipherKey, iv } = tailKeyIv(k, cipher);
  c.startDecrypt(e.crypto.streamCipher(cipher, cipherKey, iv, false));
  const digest = metaDigest(digestNid);
  if (!digest) {
    e.log.log("error", "protocol", `${c.name} (${c.hostname}) uses unknown digest ${digestNid}`);
    return false;
  }
  if (macLength > digest.size || macLength < 0) {
    e.log.log("error", "protocol", `${c.name} (${c.hostname}) uses bogus MAC length`);
    return false;
  }
  c.inDigest = digest;
  c.allowRequest = Request.CHALLENGE;
  return sendChallenge(e, c);
}

export function sendChallenge(e: TincEngine, c: MetaConnection): boolean {
  const challenge = new Uint8Array(c.host!.publicKey.size);
  e.crypto.randomBytes(challenge);
  c.sentChallenge = challenge;
  e.send(c, `${Request.CHALLENGE} ${bytesToHex(challenge)}`);
  return true;
}

export function challengeHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s");
  if (f.length !== 1) return e.bad(c, "CHALLENGE");
  const hex = f[0] as string;
  const len = e.config.privateKey.size;
  if (hex.length !== 2 * len) return e.bad(c, "CHALLENGE", "wrong challenge length");
  const challenge = hexToBytes(hex, len);
  if (!challenge) return e.bad(c, "CHALLENGE", "invalid challenge");
  c.receivedChallenge = challenge;
  c.allowRequest = Request.CHAL_REPLY;
  // 1.0.35+: only the client answers at once; the server waits for the client's reply.
  if (c.outgoing) return sendChalReply(e, c);
  return true;
}

export function sendChalReply(e: TincEngine, c: MetaConnection): boolean {
  const hash = e.crypto.digest(c.inDigest!, c.receivedChallenge!);
  e.send(c, `${Request.CHAL_REPLY} ${bytesToHex(hash)}`);
  return true;
}

export function chalReplyHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s");
  if (f.length !== 1) return e.bad(c, "CHAL_REPLY");
  const hex = f[0] as string;
  const digest = c.outDigest!;
  if (hex.length !== 2 * digest.size) return e.bad(c, "CHAL_REPLY", "wrong challenge reply length");
  const his = hexToBytes(hex, digest.size);
  if (!his) return e.bad(c, "CHAL_REPLY", "invalid hash");
  const mine = e.crypto.digest(digest, c.sentChallenge!);
  let diff = 0;
  for (let i = 0; i < digest.size; i++) diff |= his[i]! ^ mine[i]!;
  if (diff !== 0) return e.bad(c, "CHAL_REPLY", "wrong challenge reply");
  c.allowRequest = Request.ACK;
  if (!c.outgoing) sendChalReply(e, c);
  return sendAck(e, c);
}

export function sendAck(e: TincEngine, c: MetaConnection): boolean {
  const cfg = e.config;
  const host = c.host!;
  c.estimatedWeight = Math.max(0, Math.floor(e.now - c.start));
  if (host.indirectData || cfg.indirectData) c.options |= OPTION_INDIRECT;
  if (host.tcpOnly || cfg.tcpOnly) c.options |= OPTION_TCPONLY | OPTION_INDIRECT;
  if (e.myOptions & OPTION_PMTU_DISCOVERY && !(c.options & OPTION_TCPONLY)) {
    c.options |= OPTION_PMTU_DISCOVERY;
  }
  if (host.clampMss) c.options |= OPTION_CLAMP_MSS;
  if (host.weight !== null) c.estimatedWeight = host.weight;
  e.send(
    c,
    `${Request.ACK} ${cfg.port} ${c.estimatedWeight} ${(c.options & 0xffffff).toString(16)}`,
  );
  return true;
}

export function ackHandler(e: TincEngine, c: MetaConnection, line: string): boolean {
  const f = scan(line, "%*d %s %d %x");
  if (f.length !== 3) return e.bad(c, "ACK");
  const [hisPort, weight] = f as [string, number];
  let options = f[2] as number;
  let n = e.graph.lookupNode(c.name);
  if (!n) {
    n = new Node(c.name);
    e.graph.addNode(n);
  } else if (n.connection) {
    const old = n.connection;
    // Both ends dialled at once. tincd closes the older connection; two nodes doing that in
    // step close *different* ones, both die, and with identical retry timers they do it again
    // forever. So keep the connection dialled by the node whose name sorts first: both ends
    // of a tincture pair agree on it, and toward a tincd it is no worse than its own rule.
    const me = e.graph.myself.name;
    const dialler = (x: MetaConnection) => x.outgoing ? me : x.name;
    if (old.active && dialler(old) < dialler(c)) {
      e.log.log(
        "info",
        "connections",
        `Established a second connection with ${n.name}, keeping the one ${dialler(old)} dialled`,
      );
      if (c.outgoingRecord) {
        if (!old.outgoingRecord) old.outgoingRecord = c.outgoingRecord;
        c.outgoingRecord = null;
      }
      e.terminate(c, false, false);
      return true;
    }
    e.log.log(
      "info",
      "connections",
      `Established a second connection with ${n.name}, closing old connection`,
    );
    // The reconnect duty moves to the surviving connection.
    if (old.outgoingRecord) {
      if (!c.outgoingRecord) c.outgoingRecord = old.outgoingRecord;
      old.outgoingRecord = null;
    }
    e.terminate(old, false, false);
    e.runGraph();
  }
  n.connection = c;
  c.node = n;
  if (!(c.options & options & OPTION_PMTU_DISCOVERY)) {
    c.options &= ~OPTION_PMTU_DISCOVERY;
    options &= ~OPTION_PMTU_DISCOVERY;
  }
  c.options = (c.options | options) >>> 0;
  const host = c.host!;
  if (host.clampMss) c.options |= OPTION_CLAMP_MSS;
  else c.options &= ~OPTION_CLAMP_MSS;
  c.allowRequest = ALL;
  c.active = true;
  e.log.log("notice", "connections", `Connection with ${c.name} (${c.hostname}) activated`);
  e.dataPlane.connectionUp(n, host.pmtu);
  sendEverything(e, c);
  // The edge me→peer: TCP address with the UDP port from his ACK.
  // sockaddr_setport: atoi, and 0 keeps the TCP source port.
  const port = (Number.parseInt(hisPort, 10) || 0) & 0xffff;
  const addr = c.address && port !== 0 ? withPort(c.address, port) : c.address;
  const edge = new Edge(
    e.graph.myself,
    n,
    addr ? edgeAddressOf(addr) : { host: "unknown", port: "unknown", sock: null },
    c.options,
    ((weight + c.estimatedWeight) / 2) | 0,
  );
  edge.connection = c;
  c.edge = edge;
  e.graph.addEdge(edge);
  if (e.config.tunnelServer) sendAddEdge(e, c, edge);
  else sendAddEdge(e, null, edge);
  e.runGraph();
  e.out.event({ type: "connection-up", node: n.name, address: c.address });
  return true;
}

/** After ACK: every subnet and edge we know, node by node in name order. */
export function sendEverything(e: TincEngine, c: MetaConnection): void {
  if (e.config.tunnelServer) {
    for (const s of e.subnetsOf(e.graph.myself)) sendAddSubnet(e, c, e.graph.myself, s);
    return;
  }
  for (const n of e.graph.sortedNodes()) {
    for (const s of e.subnetsOf(n)) sendAddSubnet(e, c, n, s);
    for (const edge of [...n.edges.values()].sort((a, b) => a.to.name < b.to.name ? -1 : 1)) {
      sendAddEdge(e, c, edge);
    }
  }
}
