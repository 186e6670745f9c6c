import { sharedPath } from "../support/shared.ts";
import assert from "node:assert/strict";
import { Harness } from "./_peer.ts";
import type { NodeSpec } from "./_mesh.ts";
import { tailKeyIv } from "../../lib/tinc/protocol_auth.ts";
import { cipherByNid } from "../../lib/crypto/algorithms.ts";
import { unhex } from "./_peer.ts";

const ALPHA: NodeSpec = { name: "alpha", ip: "192.168.77.1", subnets: ["10.77.0.1/32"] };
const BETA: NodeSpec = { name: "beta", ip: "192.168.77.2", subnets: ["10.77.0.2/32"] };

function server(extra: Partial<NodeSpec> = {}) {
  const h = new Harness({ ...ALPHA, ...extra }, [BETA]);
  h.start();
  return h;
}

Deno.test("auth: engine as server answers ID with ID then METAKEY (1 429 672 0 0 HEX)", () => {
  const h = server();
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  assert.equal(p.lines[0], "0 alpha 17");
  assert.match(p.lines[1]!, /^1 429 672 0 0 [0-9A-F]+$/);
  assert.equal(p.lines[1]!.split(" ")[5]!.length, 2 * p.key.size);
});

Deno.test("auth: the METAKEY plaintext always has its top bit cleared (K < n)", () => {
  const h = server();
  for (let i = 0; i < 24; i++) {
    h.now += 1000; // below the accept-burst limit
    const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
    assert.ok(p.metaKeyPlain);
    assert.equal(p.metaKeyPlain.length, p.key.size);
    assert.ok(p.metaKeyPlain[0]! < 0x80, `K[0] = ${p.metaKeyPlain[0]}`);
  }
});

Deno.test("auth: server sends nothing before the client's ID", () => {
  const h = server();
  const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
  assert.equal(p.lines.length, 0);
  p.send("0 beta 17");
  assert.equal(p.lines[0], "0 alpha 17");
});

Deno.test("auth: server sends CHAL_REPLY only after verifying the client's, then ACK", () => {
  const h = server();
  // The peer stops before answering the engine's challenge.
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 2 });
  assert.deepEqual(p.lines.map((l) => l.split(" ")[0]), ["0", "1", "2"]);
  assert.equal(p.lines[2]!.split(" ")[1]!.length, 2 * p.key.size); // challenge = RSA_size(peer)
  h.now += 250;
  p.sendChalReply();
  assert.deepEqual(p.lines.map((l) => l.split(" ")[0]), ["0", "1", "2", "3", "4"]);
  assert.match(p.lines[3]!, /^3 [0-9A-F]{64}$/);
  // ACK: our port, ms since the connection started, options c.
  assert.equal(p.lines[4], "4 655 250 c");
  assert.equal(p.closed, null);
});

Deno.test("auth: engine as client sends ID first and answers CHALLENGE at once", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA]);
  h.start();
  assert.equal(h.connects.length, 1);
  assert.equal(h.connects[0]!.to.key, "192.168.77.2:655");
  const p = h.answerConnect("beta", { stopAfter: 2 });
  // ID went out before anything from the peer.
  assert.equal(p.lines[0], "0 alpha 17");
  // The peer (server) sent ID, METAKEY and CHALLENGE; the engine sent METAKEY, CHALLENGE and
  // already its CHAL_REPLY (client role) although the peer has not replied yet.
  assert.deepEqual(p.lines.map((l) => l.split(" ")[0]), ["0", "1", "2", "3"]);
  p.sendChalReply();
  p.sendAck();
  assert.equal(p.lines[4]!.split(" ")[0], "4");
  assert.equal(h.engine.dump().connections[0]!.active, true);
});

for (const nid of [421, 425, 429]) {
  Deno.test(`auth: accepts meta cipher ${nid} from the peer`, () => {
    const h = server();
    const p = h.accept("beta", "192.168.77.2", { metaCipher: nid });
    assert.equal(p.closed, null, h.log.lines.join("\n"));
    assert.equal(p.active, true);
    assert.equal(h.engine.dump().connections[0]!.active, true);
  });
}

function dropsAt(
  name: string,
  script: (h: Harness) => { closed: null | { tarpit: boolean } },
  logRe?: RegExp,
) {
  Deno.test(`auth: drops (tarpit) on ${name}`, () => {
    const h = server();
    const p = script(h);
    assert.deepEqual(p.closed, { tarpit: true }, h.log.lines.join("\n"));
    assert.equal(h.engine.dump().connections.length, 0);
    if (logRe) assert.ok(h.log.has(logRe), h.log.lines.join("\n"));
  });
}

dropsAt("a bad ID line", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
  p.send("0 beta");
  return p;
}, /Got bad ID/);
dropsAt("an invalid name", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
  p.send("0 be-ta 17");
  return p;
});
dropsAt("our own name", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
  p.send("0 alpha 17");
  return p;
});
dropsAt("version 18", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: -1 });
  p.send("0 beta 18");
  return p;
}, /incompatible version/);
dropsAt("an unknown identity", (h) => {
  const p = h.accept("gamma", "192.168.77.3", { stopAfter: -1 });
  p.send("0 gamma 17");
  return p;
}, /unknown identity/);
dropsAt("a request out of order (ACK after ID)", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send("4 655 1 c");
  return p;
}, /Unauthorized request/);
dropsAt("PACKET before ACK", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send("17 4");
  return p;
}, /Unauthorized request/);
dropsAt("METAKEY with cipher 0", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.sendMetakey(0, 672);
  return p;
});
dropsAt("METAKEY with an unknown cipher", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.sendMetakey(12345, 672);
  return p;
});
dropsAt("METAKEY with digest 0", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.sendMetakey(429, 0);
  return p;
});
dropsAt("METAKEY with a MAC length above the digest size", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send(`1 429 672 33 0 ${"00".repeat(p.key.size)}`);
  return p;
});
dropsAt("METAKEY of the wrong length", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send(`1 429 672 0 0 ${"00".repeat(p.key.size - 1)}`);
  return p;
}, /wrong keylength/);
dropsAt("METAKEY with bad hex", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send(`1 429 672 0 0 ${"ZZ".repeat(p.key.size)}`);
  return p;
});
dropsAt("METAKEY not below the modulus (RSA failure)", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 0 });
  p.send(`1 429 672 0 0 ${"FF".repeat(p.key.size)}`);
  return p;
}, /decryption of meta key/);
dropsAt("a CHALLENGE of the wrong length", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 1 });
  p.send(`2 ${"AB".repeat(10)}`);
  return p;
}, /wrong challenge length/);
dropsAt("a wrong CHAL_REPLY", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 2 });
  p.send(`3 ${"00".repeat(32)}`);
  return p;
}, /wrong challenge reply/);
dropsAt("a CHAL_REPLY of the wrong length", (h) => {
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 2 });
  p.send(`3 ${"00".repeat(20)}`);
  return p;
});

Deno.test("auth: outgoing connection drops a peer with another name", () => {
  const h = new Harness({ ...ALPHA, connectTo: ["beta"] }, [BETA, {
    name: "gamma",
    ip: "1.2.3.4",
  }]);
  h.start();
  const conn = h.connects[0]!.conn;
  const p = h.answerConnect("beta", { auto: false });
  p.send("0 gamma 17");
  assert.deepEqual(p.closed, { tarpit: true });
  assert.ok(h.log.has(/is gamma instead of beta/));
  assert.ok(!h.engine.connections.has(conn));
});

Deno.test("auth: ACK options: PMTU bit cleared on both sides when the peer lacks it", () => {
  const h = server();
  h.accept("beta", "192.168.77.2", { ackOptions: 0x8, ackWeight: 30 });
  const d = h.engine.dump();
  const e = d.edges.find((x) => x.from === "alpha")!;
  assert.equal(e.options, 0x8);
  assert.equal(e.weight, 15); // (30 + 0) / 2
  assert.equal(d.connections[0]!.options, 0x8);
});

Deno.test("auth: a tinc 1.1 minor in the top byte is kept verbatim in the edge", () => {
  const h = server();
  const p = h.accept("beta", "192.168.77.2", { ackOptions: 0x0700000c });
  const addEdge = p.got(12).find((l) => l.includes(" alpha beta "))!;
  assert.match(addEdge, /^12 [0-9a-f]+ alpha beta 192\.168\.77\.2 655 700000c 5$/);
});

Deno.test("auth: IndirectData / TCPOnly host options shape our ACK", () => {
  const cases: [Partial<NodeSpec["host"]>, string][] = [
    [{ indirectData: true }, "d"],
    [{ tcpOnly: true }, "b"],
    [{ clampMss: false }, "4"],
  ];
  for (const [host, opts] of cases) {
    const h = new Harness(ALPHA, [{ ...BETA, host }]);
    h.start();
    const p = h.accept("beta", "192.168.77.2", { stopAfter: 2 });
    p.sendChalReply();
    assert.equal(p.got(4)[0], `4 655 0 ${opts}`);
  }
});

Deno.test("auth: Weight in the host entry overrides the measured ACK weight", () => {
  const h = new Harness(ALPHA, [{ ...BETA, host: { weight: 77 } }]);
  h.start();
  const p = h.accept("beta", "192.168.77.2", { stopAfter: 2 });
  h.now += 5;
  p.sendChalReply();
  assert.equal(p.got(4)[0], "4 655 77 c");
});

Deno.test("auth: meta key and IV are the tail of the RSA plaintext (real capture vector)", async () => {
  const v = JSON.parse(
    await Deno.readTextFile(sharedPath("tinc/vectors.json")),
  );
  const m = v.meta_alpha_to_beta;
  assert.ok(m, "vectors.json has the alpha->beta meta stream");
  const { cipherKey, iv } = tailKeyIv(unhex(m.metakey_plaintext_hex), cipherByNid(429)!);
  assert.equal(
    Array.from(cipherKey).map((b) => b.toString(16).padStart(2, "0")).join(""),
    m.aes256cfb_key_hex.toLowerCase(),
  );
  assert.equal(
    Array.from(iv).map((b) => b.toString(16).padStart(2, "0")).join(""),
    m.aes256cfb_iv_hex.toLowerCase(),
  );
});

Deno.test("auth: after ACK the engine sends its subnets, then ADD_EDGE me→peer, then ANS_KEY", () => {
  const h = server();
  const p = h.accept("beta", "192.168.77.2", { ackPort: 1655 });
  const after = p.lines.slice(p.lines.findIndex((l) => l.startsWith("4 ")) + 1);
  assert.match(after[0]!, /^10 [0-9a-f]{1,8} alpha 10\.77\.0\.1\/32#10$/);
  assert.match(after[1]!, /^12 [0-9a-f]{1,8} alpha beta 192\.168\.77\.2 1655 c 5$/);
  // beta is not reachable until its own edge arrives: no ANS_KEY yet.
  assert.equal(p.got(16).length, 0);
  p.send("12 1 beta alpha 192.168.77.1 655 c 5");
  const ans = p.got(16);
  assert.equal(ans.length, 1);
  assert.match(ans[0]!, /^16 alpha beta [0-9A-F]{96} 427 672 4 0$/);
});

Deno.test("auth: an ACK port of 0 keeps the peer's TCP source port in our edge", () => {
  const h = server();
  h.accept("beta", "192.168.77.2", { ackPort: 0 });
  const e = h.engine.dump().edges.find((x) => x.from === "alpha")!;
  assert.equal(e.port, "40000");
});
