/**
 * A hostile tinc peer for the interop tests: garbage and a connection flood.
 *
 * `deno run -A --unstable-net hostile_peer.ts HOST PORT SECONDS`
 *
 * For SECONDS it keeps up to 200 TCP connections to HOST:PORT open (recycling the oldest),
 * each sending one of: random bytes, an HTTP request, a tinc ID with an unknown name, an ID
 * with a known name followed by garbage, a path-like name, an overlong line, or nothing; and
 * it sprays random UDP datagrams at the same port. Prints one summary line. It talks only
 * to HOST (a lab namespace address).
 *
 * @module
 */

const [host = "", portText = "655", secondsText = "10", knownName = "d1"] = Deno.args;
const port = Number(portText);
const end = Date.now() + Number(secondsText) * 1000;
const enc = new TextEncoder();

function random(n: number): Uint8Array {
  const b = new Uint8Array(n);
  for (let i = 0; i < n; i += 65536) crypto.getRandomValues(b.subarray(i, i + 65536));
  return b;
}
const concat = (a: Uint8Array, b: Uint8Array) => {
  const r = new Uint8Array(a.length + b.length);
  r.set(a);
  r.set(b, a.length);
  return r;
};
const payloads: (() => Uint8Array)[] = [
  () => random(1 + Math.floor(Math.random() * 4000)),
  () => enc.encode("GET / HTTP/1.0\r\n\r\n"),
  () => enc.encode("0 nosuchnode 17\n"),
  () => concat(enc.encode(`0 ${knownName} 17\n`), random(600)),
  () => enc.encode("0 ../etc 17\n"),
  () => new Uint8Array(0),
  () => enc.encode("9".repeat(5000) + "\n"),
];

const stats = { tcp: 0, tcpFailed: 0, udp: 0 };
const open: Deno.Conn[] = [];

async function attacker(): Promise<void> {
  while (Date.now() < end) {
    try {
      const c = await Deno.connect({ hostname: host, port });
      stats.tcp++;
      open.push(c);
      const data = payloads[Math.floor(Math.random() * payloads.length)]!();
      if (data.length) c.write(data).catch(() => {});
      // drain whatever comes back so the peer never blocks on us
      c.readable.pipeTo(new WritableStream()).catch(() => {});
    } catch {
      stats.tcpFailed++;
      await new Promise((r) => setTimeout(r, 20));
    }
    if (open.length >= 200) {
      for (const c of open.splice(0, 50)) {
        try {
          c.close();
        } catch { /* already closed */ }
      }
    }
  }
}

async function sprayer(): Promise<void> {
  const udp = Deno.listenDatagram({ transport: "udp", hostname: "0.0.0.0", port: 0 });
  while (Date.now() < end) {
    for (let i = 0; i < 20; i++) {
      try {
        await udp.send(random(1 + Math.floor(Math.random() * 1600)), {
          transport: "udp",
          hostname: host,
          port,
        });
        stats.udp++;
      } catch { /* ignore */ }
    }
    await new Promise((r) => setTimeout(r, 10));
  }
  udp.close();
}

await Promise.all([attacker(), attacker(), sprayer()]);
for (const c of open) {
  try {
    c.close();
  } catch { /* already closed */ }
}
// deno-lint-ignore no-console
console.log(`hostile_peer: ${JSON.stringify(stats)}`);
Deno.exit(0);
