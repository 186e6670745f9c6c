// Protocol-level check against the real tincd 1.0.36: tincd runs on loopback with
// DeviceType = dummy (no TUN, no namespace needed); the engine runs in this process behind a
// small Deno TCP/UDP driver. Skipped when tincd is not installed.
import assert from "node:assert/strict";
import { TincEngine } from "../../lib/tinc/engine.ts";
import type { ConnId, EngineOutput, SockAddr } from "../../lib/tinc/types.ts";
import { sockAddr } from "../../lib/tinc/types.ts";
import { ENGINE_DEFAULTS, type EngineConfig } from "../../lib/tinc/config.ts";
import { generateRsaPem, testCrypto } from "../tinc/_crypto.ts";
import { publicKeyOf } from "../../lib/crypto/rsa_key.ts";
import { hostConfig, ipv4Frame, MemoryLog } from "../tinc/_mesh.ts";

const TINCD = "/usr/sbin/tincd";
const haveTincd = (() => {
  try {
    return Deno.statSync(TINCD).isFile;
  } catch {
    return false;
  }
})();

/** Drives one engine with real sockets (loopback only). */
class LoopbackDriver {
  engine!: TincEngine;
  readonly conns = new Map<ConnId, Deno.TcpConn>();
  readonly writes = new Map<ConnId, Promise<void>>();
  udp: Deno.DatagramConn;
  listener: Deno.TcpListener;
  #timer: ReturnType<typeof setInterval>;
  #nextAccept = 1_000_000;
  #closed = false;
  readonly tun: Uint8Array[] = [];

  constructor(readonly port: number) {
    this.udp = Deno.listenDatagram({ transport: "udp", hostname: "127.0.0.1", port });
    this.listener = Deno.listen({ hostname: "127.0.0.1", port });
    this.#timer = setInterval(() => this.engine.onTick(performance.now()), 100);
    this.#acceptLoop();
    this.#udpLoop();
  }

  output(): EngineOutput {
    return {
      sendMeta: (conn, data) => {
        const c = this.conns.get(conn);
        if (!c) return;
        const copy = data.slice();
        const prev = this.writes.get(conn) ?? Promise.resolve();
        this.writes.set(
          conn,
          prev.then(async () => {
            let off = 0;
            while (off < copy.length) off += await c.write(copy.subarray(off));
          }).catch(() => {}),
        );
      },
      // Writes chain up unbounded here: report no backlog, so no frame is dropped early.
      metaBacklog: () => 0,
      closeMeta: (conn, _tarpit) => {
        const c = this.conns.get(conn);
        this.conns.delete(conn);
        (this.writes.get(conn) ?? Promise.resolve()).then(() => {
          try {
            c?.close();
          } catch { /* already closed */ }
        });
      },
      connect: (conn, to) => {
        Deno.connect({ hostname: to.ip, port: to.port }).then((c) => {
          this.conns.set(conn, c);
          this.engine.onConnected(conn, performance.now());
          this.#readLoop(conn, c);
        }).catch(() => this.engine.onConnectFailed(conn, performance.now()));
      },
      sendUdp: (to, buf, off, len) => {
        this.udp.send(buf.slice(off, off + len), {
          transport: "udp",
          hostname: to.ip,
          port: to.port,
        }).catch(() => {});
        return true;
      },
      writeTun: (buf, off, len) => {
        this.tun.push(buf.slice(off, off + len));
      },
      event: () => {},
    };
  }

  async #acceptLoop() {
    try {
      for await (const c of this.listener) {
        const id = this.#nextAccept++;
        this.conns.set(id, c);
        const ra = c.remoteAddr as Deno.NetAddr;
        this.engine.onAccept(id, sockAddr(ra.hostname, ra.port), performance.now());
        this.#readLoop(id, c);
      }
    } catch { /* closed */ }
  }

  async #readLoop(id: ConnId, c: Deno.TcpConn) {
    const buf = new Uint8Array(4096);
    try {
      for (;;) {
        const n = await c.read(buf);
        if (n === null) break;
        if (!this.conns.has(id)) return;
        this.engine.onMetaData(id, buf.slice(0, n), performance.now());
      }
    } catch { /* reset */ }
    if (this.conns.has(id) && !this.#closed) {
      this.conns.delete(id);
      this.engine.onMetaClosed(id, performance.now());
    }
  }

  async #udpLoop() {
    try {
      for (;;) {
        const [data, addr] = await this.udp.receive();
        const a = addr as Deno.NetAddr;
        const from: SockAddr = sockAddr(a.hostname, a.port);
        this.engine.onUdp(data, 0, data.length, from, performance.now());
      }
    } catch { /* closed */ }
  }

  async close() {
    this.#closed = true;
    clearInterval(this.#timer);
    this.engine.stop(performance.now());
    for (const c of this.conns.values()) {
      try {
        c.close();
      } catch { /* ignore */ }
    }
    this.listener.close();
    this.udp.close();
    await new Promise((r) => setTimeout(r, 50));
  }
}

function freePort(): number {
  const l = Deno.listen({ hostname: "127.0.0.1", port: 0 });
  const p = (l.addr as Deno.NetAddr).port;
  l.close();
  return p;
}

async function waitUntil(cond: () => boolean | Promise<boolean>, ms: number): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (await cond()) return true;
    await new Promise((r) => setTimeout(r, 100));
  }
  return false;
}

interface Setup {
  dir: string;
  proc: Deno.ChildProcess;
  /** The first engine ("ours"), and all of them by name. */
  driver: LoopbackDriver;
  log: MemoryLog;
  drivers: Record<string, LoopbackDriver>;
  logs: Record<string, MemoryLog>;
  tincdLog: () => string;
  stop: () => Promise<void>;
}

/**
 * tincd "real" on loopback plus engines (default: one named "ours"); engine i owns
 * 10.99.0.(2+i)/32. Either tincd connects to every engine, or every engine to tincd.
 */
async function setup(
  tincdConnects: boolean,
  extraConf: string[] = [],
  engineNames: string[] = ["ours"],
): Promise<Setup> {
  const dir = await Deno.makeTempDir({ prefix: "tincture-ctl-" });
  const realPort = freePort();
  const real = generateRsaPem(2048);
  const engines = engineNames.map((name, i) => ({
    name,
    port: freePort(),
    key: generateRsaPem(2048),
    subnet: `10.99.0.${2 + i}/32`,
  }));
  await Deno.mkdir(`${dir}/hosts`);
  await Deno.writeTextFile(
    `${dir}/tinc.conf`,
    [
      "Name = real",
      `Port = ${realPort}`,
      "BindToAddress = 127.0.0.1",
      "AddressFamily = ipv4",
      "DeviceType = dummy",
      ...(tincdConnects ? engines.map((e) => `ConnectTo = ${e.name}`) : []),
      ...extraConf,
    ].join("\n") + "\n",
  );
  await Deno.writeTextFile(`${dir}/rsa_key.priv`, real.privatePem, { mode: 0o600 });
  await Deno.writeTextFile(
    `${dir}/hosts/real`,
    `Address = 127.0.0.1\nPort = ${realPort}\nSubnet = 10.99.0.1/32\n\n${real.publicPem}`,
  );
  for (const e of engines) {
    await Deno.writeTextFile(
      `${dir}/hosts/${e.name}`,
      `Address = 127.0.0.1\nPort = ${e.port}\nSubnet = ${e.subnet}\n\n${e.key.publicPem}`,
    );
  }
  const drivers: Record<string, LoopbackDriver> = {};
  const logs: Record<string, MemoryLog> = {};
  for (const e of engines) {
    const driver = new LoopbackDriver(e.port);
    const log = new MemoryLog(e.name);
    const cfg: EngineConfig = {
      ...ENGINE_DEFAULTS,
      name: e.name,
      privateKey: e.key.key,
      port: e.port,
      subnets: [e.subnet],
      hosts: [
        hostConfig({
          name: "real",
          ip: "127.0.0.1",
          port: realPort,
          host: { publicKey: publicKeyOf(real.key) },
        }, !tincdConnects),
      ],
    };
    driver.engine = new TincEngine(cfg, {
      crypto: testCrypto(),
      out: driver.output(),
      log,
      now: performance.now(),
    });
    drivers[e.name] = driver;
    logs[e.name] = log;
  }
  const proc = new Deno.Command(TINCD, {
    args: ["-c", dir, "-D", "-d5", `--logfile=${dir}/tincd.log`, `--pidfile=${dir}/tincd.pid`],
    stdin: "null",
    stdout: "null",
    stderr: "null",
  }).spawn();
  // Let tincd bind before we connect.
  await waitUntil(async () => {
    try {
      const c = await Deno.connect({ hostname: "127.0.0.1", port: realPort });
      c.close();
      return true;
    } catch {
      return false;
    }
  }, 5000);
  for (const d of Object.values(drivers)) d.engine.start(performance.now());
  const tincdLog = () => {
    try {
      return Deno.readTextFileSync(`${dir}/tincd.log`);
    } catch {
      return "";
    }
  };
  const first = engineNames[0]!;
  return {
    dir,
    proc,
    driver: drivers[first]!,
    log: logs[first]!,
    drivers,
    logs,
    tincdLog,
    stop: async () => {
      for (const d of Object.values(drivers)) await d.close();
      try {
        proc.kill("SIGTERM");
      } catch { /* gone */ }
      await proc.status;
      await Deno.remove(dir, { recursive: true });
    },
  };
}

function realNode(s: Setup) {
  return s.driver.engine.dump().nodes.find((n) => n.name === "real");
}

for (const tincdConnects of [false, true]) {
  const role = tincdConnects ? "server" : "client";
  Deno.test({
    name: `real tincd 1.0.36: engine as ${role}: handshake, graph, keys, UDP data`,
    ignore: !haveTincd,
    sanitizeOps: false,
    sanitizeResources: false,
    fn: async () => {
      const s = await setup(tincdConnects, ["PingInterval = 2", "PingTimeout = 1"]);
      try {
        const ok = await waitUntil(() => {
          const n = realNode(s);
          return !!n && n.reachable && n.validKey;
        }, 15000);
        assert.ok(ok, `handshake failed:\n${s.log.lines.join("\n")}\n---\n${s.tincdLog()}`);
        assert.ok(
          await waitUntil(() => /Connection with ours .* activated/.test(s.tincdLog()), 5000),
          s.tincdLog(),
        );
        const d = s.driver.engine.dump();
        assert.deepEqual(d.subnets.map((x) => `${x.owner} ${x.subnet}`).sort(), [
          "ours 10.99.0.2/32#10",
          "real 10.99.0.1/32#10",
        ]);
        const e = d.edges.find((x) => x.from === "real")!;
        assert.equal(e.address, "127.0.0.1");
        // Data: a frame to tincd's subnet goes over UDP and reaches its (dummy) device.
        const frame = ipv4Frame("10.99.0.2", "10.99.0.1", 64);
        const buf = new Uint8Array(64 + frame.length);
        buf.set(frame, 64);
        for (let i = 0; i < 3; i++) {
          s.driver.engine.onTun(buf, 64, frame.length, performance.now());
          await new Promise((r) => setTimeout(r, 200));
        }
        assert.ok(
          await waitUntil(() => /Received packet of 98 bytes from ours/.test(s.tincdLog()), 3000),
          s.tincdLog(),
        );
        // Pings both ways with PingInterval 2 on tincd: the connection stays up.
        await new Promise((r) => setTimeout(r, 4500));
        const log = s.tincdLog();
        // ("Got unauthenticated packet" can happen: the documented double-ANS_KEY race.)
        assert.ok(!/Got bad|Unauthorized|Bogus|Error|didn't respond/.test(log), log);
        assert.ok(/Got PONG from ours/.test(log), log);
        assert.equal(s.driver.engine.dump().connections.filter((c) => c.active).length, 1);
      } finally {
        await s.stop();
      }
    },
  });
}

Deno.test({
  name: "real tincd 1.0.36 in the middle: two engines exchange frames through it",
  ignore: !haveTincd,
  sanitizeOps: false,
  sanitizeResources: false,
  fn: async () => {
    const s = await setup(false, [], ["east", "west"]);
    const east = s.drivers.east!, west = s.drivers.west!;
    try {
      const seen = (d: LoopbackDriver, name: string) =>
        d.engine.dump().nodes.find((n) => n.name === name)?.reachable ?? false;
      assert.ok(
        await waitUntil(() => seen(east, "west") && seen(west, "east"), 15000),
        `${s.logs.east!.lines.join("\n")}\n---\n${s.tincdLog()}`,
      );
      // tincd forwarded west's edges and subnets to east byte-identically (we parsed them).
      const d = east.engine.dump();
      assert.ok(d.subnets.some((x) => x.owner === "west" && x.subnet === "10.99.0.3/32#10"));
      assert.ok(d.edges.some((x) => x.from === "west" && x.to === "real"));
      const send = (from: LoopbackDriver, src: string, dst: string, fill: number) => {
        const frame = ipv4Frame(src, dst, 64, fill);
        const buf = new Uint8Array(64 + frame.length);
        buf.set(frame, 64);
        from.engine.onTun(buf, 64, frame.length, performance.now());
      };
      // Keys go REQ_KEY/ANS_KEY through tincd; the first frames travel over TCP meanwhile.
      for (let i = 0; i < 20; i++) {
        send(east, "10.99.0.2", "10.99.0.3", i);
        send(west, "10.99.0.3", "10.99.0.2", i);
        await new Promise((r) => setTimeout(r, 150));
      }
      assert.ok(
        await waitUntil(() => west.tun.length >= 18 && east.tun.length >= 18, 5000),
        `west got ${west.tun.length}, east got ${east.tun.length}\n${s.tincdLog()}`,
      );
      assert.ok(west.tun.every((f) => f[30] === 10 && f[33] === 3));
      const log = s.tincdLog();
      assert.match(log, /Got REQ_KEY from (east|west)/);
      assert.match(log, /Got ANS_KEY from (east|west)/);
      assert.ok(
        east.engine.dump().nodes.find((n) => n.name === "west")!.validKey &&
          west.engine.dump().nodes.find((n) => n.name === "east")!.validKey,
      );
      assert.ok(!/Got bad|Unauthorized|Bogus|Error/.test(log), log);
    } finally {
      await s.stop();
    }
  },
});
