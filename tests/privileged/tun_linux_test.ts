/**
 * Real TUN/TAP devices, in network namespaces of our own. FFI calls affect only the calling
 * thread's namespace, so the device work runs in a child process (this same file, run with
 * `deno run ... child <mode>`) started under `unshare --net` or `ip netns exec`.
 */
import assert from "node:assert/strict";
import { openTun, TunDevice } from "../../ffi/tun_linux.ts";
import { addressOf, check, libc } from "../../ffi/libc.ts";
import { AF_UNIX, SOCK_DGRAM, SOCK_NONBLOCK } from "../../ffi/linux_constants.ts";
import { NetIf } from "../../lib/runtime/netif.ts";
import { run, skipUnlessPrivileged, sleep, waitFor } from "../support/netns.ts";

const SELF = new URL(import.meta.url).pathname;

function pollIn(fd: number, ms: number): boolean {
  const pfd = new Uint8Array(8);
  const dv = new DataView(pfd.buffer);
  dv.setInt32(0, fd, true);
  dv.setInt16(4, 1, true);
  return libc().poll(addressOf(pfd), 1n, ms) > 0;
}

/** Turns an ICMP echo request (in an Ethernet frame at off) into the reply, in place. */
function echoReply(buf: Uint8Array, off: number): boolean {
  const ip = off + 14;
  if (buf[off + 12] !== 0x08 || buf[off + 13] !== 0x00) return false;
  if (buf[ip]! >> 4 !== 4 || buf[ip + 9] !== 1) return false;
  const ihl = (buf[ip]! & 15) * 4;
  const icmp = ip + ihl;
  if (buf[icmp] !== 8) return false;
  for (let i = 0; i < 4; i++) {
    const t = buf[ip + 12 + i]!;
    buf[ip + 12 + i] = buf[ip + 16 + i]!;
    buf[ip + 16 + i] = t;
  }
  buf[icmp] = 0;
  // Type 8 → 0 raises the one's-complement checksum by 0x0800.
  let sum = ((buf[icmp + 2]! << 8) | buf[icmp + 3]!) + 0x0800;
  sum = (sum & 0xffff) + (sum >> 16);
  buf[icmp + 2] = sum >> 8;
  buf[icmp + 3] = sum & 0xff;
  return true;
}

/** The child's one line of results on stdout. */
function say(out: Record<string, unknown>): void {
  Deno.stdout.writeSync(new TextEncoder().encode(JSON.stringify(out) + "\n"));
}

async function child(mode: string): Promise<void> {
  const netif = new NetIf();
  await run(["ip", "link", "set", "lo", "up"]);
  const out: Record<string, unknown> = {};
  if (mode === "tun") {
    const tun = openTun({ name: "tt0", kind: "tun" });
    out.name = tun.name;
    await netif.configure({
      name: tun.name,
      mtu: 1400,
      addresses: [{ local: "10.99.0.1", prefixLength: 24 }],
      routes: ["10.99.1.0/24"],
    });
    // (/sys still shows the parent namespace under unshare: ask ip)
    out.mtu = /mtu (\d+)/.exec((await run(["ip", "link", "show", tun.name])).stdout)?.[1];
    const ping = new Deno.Command("ping", {
      args: ["-n", "-c", "3", "-i", "0.2", "-W", "2", "10.99.1.5"],
      stdout: "piped",
      stderr: "piped",
    }).spawn();
    const buf = new Uint8Array(64 + 1600);
    let requests = 0;
    const end = performance.now() + 5000;
    const done = ping.output();
    let finished = false;
    done.then(() => (finished = true));
    while (!finished && performance.now() < end) {
      if (!pollIn(tun.fd, 20)) {
        await sleep(0);
        continue;
      }
      for (;;) {
        const n = tun.readFrame(buf, 64);
        if (n === 0) break;
        if (echoReply(buf, 64)) {
          requests++;
          tun.writeFrame(buf, 64, n);
        }
      }
      await sleep(0);
    }
    const r = await done;
    const text = new TextDecoder().decode(r.stdout);
    out.requests = requests;
    out.received = Number(/(\d+) received/.exec(text)?.[1] ?? -1);
    out.rx = tun.rxFrames;
    out.tx = tun.txFrames;
    tun.close();
  } else if (mode === "tap") {
    const tap = openTun({ name: "tt%d", kind: "tap" });
    out.name = tap.name;
    await netif.configure({
      name: tap.name,
      mtu: 1500,
      addresses: [{ local: "10.98.0.1", prefixLength: 24 }],
      routes: [],
    });
    const ping = new Deno.Command("ping", {
      args: ["-n", "-c", "1", "-W", "1", "10.98.0.2"],
      stdout: "null",
      stderr: "null",
    }).spawn();
    const buf = new Uint8Array(64 + 1600);
    const types: number[] = [];
    const end = performance.now() + 3000;
    while (types.length < 8 && performance.now() < end) {
      if (!pollIn(tap.fd, 50)) continue;
      const n = tap.readFrame(buf, 64);
      if (n > 0) types.push((buf[64 + 12]! << 8) | buf[64 + 13]!);
      if (types.includes(0x0806)) break;
    }
    await ping.status;
    out.ethertypes = types;
    tap.close();
  } else if (mode === "persist") {
    const fresh = openTun({ name: "tt0", kind: "tun" });
    out.fresh = fresh.isPersistent();
    fresh.close();
    await run(["ip", "tuntap", "add", "dev", "tt1", "mode", "tun"]);
    const kept = openTun({ name: "tt1", kind: "tun" });
    out.kept = kept.isPersistent();
    kept.close();
  } else if (mode === "hold") {
    const tun: TunDevice = openTun({ name: "tt0", kind: "tun" });
    await netif.configure({
      name: tun.name,
      mtu: 1400,
      addresses: [{ local: "10.97.0.1", prefixLength: 32, peer: "10.97.0.2" }],
      routes: ["10.97.5.0/24"],
    });
    out.ready = true;
    say(out);
    await sleep(60_000); // killed by the test
    return;
  }
  say(out);
}

async function runChild(prefix: string[], mode: string): Promise<Record<string, unknown>> {
  const r = await run([...prefix, Deno.execPath(), "run", "-A", SELF, "child", mode], {
    check: false,
  });
  const line = r.stdout.trim().split("\n").at(-1) ?? "";
  try {
    return JSON.parse(line);
  } catch {
    throw new Error(`child ${mode} failed (${r.code}): ${r.stdout}\n${r.stderr}`);
  }
}

const ignore = skipUnlessPrivileged({ tun: true });

Deno.test("TunDevice over a socketpair: frames at alternating buffers and offsets; bad ranges refused", () => {
  const sv = new Int32Array(2);
  check(
    libc().socketpair(AF_UNIX, SOCK_DGRAM | SOCK_NONBLOCK, 0, new Uint8Array(sv.buffer)),
    "socketpair",
  );
  const [mine, kernel] = [sv[0]!, sv[1]!];
  const tun = new TunDevice(mine, "sp0", "tun");
  try {
    const bufs = [new Uint8Array(256), new Uint8Array(256)];
    const got = new Uint8Array(64);
    for (let i = 0; i < 8; i++) {
      const b = bufs[i % 2]!, off = [0, 7, 32][i % 3]!;
      // An IPv4 packet behind a 14-byte Ethernet header the TUN strips.
      for (let k = 0; k < 40; k++) b[off + 14 + k] = (0x45 + i + k) & 0xff;
      assert.ok(tun.writeFrame(b, off, 54), `frame ${i}`);
      assert.equal(libc().read(kernel, got, 64n), 40);
      assert.deepEqual(got.subarray(0, 40), b.subarray(off + 14, off + 54), `frame ${i}`);
      // And back: the kernel side's packet arrives after a synthesized header.
      const back = bufs[(i + 1) % 2]!, at = [3, 0, 16][i % 3]!;
      assert.equal(libc().write(kernel, got, 40n), 40);
      assert.equal(tun.readFrame(back, at), 54);
      assert.deepEqual([back[at + 12], back[at + 13]], [0x08, 0x00], "IPv4 ethertype");
      assert.deepEqual(back.subarray(at + 14, at + 54), got.subarray(0, 40));
    }
    assert.equal(tun.writeFrame(bufs[0]!, 240, 54), false, "past the end of the buffer");
    assert.equal(tun.writeFrame(bufs[0]!, -2, 54), false, "before its start");
    assert.equal(libc().read(kernel, got, 64n), -1, "nothing reached the kernel side");
  } finally {
    libc().close(mine);
    libc().close(kernel);
  }
});

Deno.test({
  name: "tun: open, configure, read a ping's echo request, write the reply, ping succeeds",
  ignore,
  async fn() {
    const r = await runChild(["unshare", "--net"], "tun");
    assert.equal(r.name, "tt0");
    assert.equal(r.mtu, "1400");
    assert.ok((r.requests as number) >= 3, `saw ${r.requests} echo requests`);
    assert.equal(r.received, 3, "every ping answered through our replies");
    assert.ok((r.tx as number) >= 3);
  },
});

Deno.test({
  name: "tun: a device our open created is not persistent; one from `ip tuntap add` is",
  ignore,
  async fn() {
    const r = await runChild(["unshare", "--net"], "persist");
    assert.deepEqual(r, { fresh: false, kept: true });
  },
});

Deno.test({
  name: "tap: frames come with their Ethernet header (ARP for an on-link address)",
  ignore,
  async fn() {
    const r = await runChild(["unshare", "--net"], "tap");
    assert.match(String(r.name), /^tt\d+$/, "template name resolved by the kernel");
    assert.ok((r.ethertypes as number[]).includes(0x0806), `ethertypes ${r.ethertypes}`);
  },
});

Deno.test({
  name: "tun: kill -9 leaves no interface or route behind, and a restart works",
  ignore,
  async fn() {
    const ns = `tt-rt${crypto.randomUUID().slice(0, 6)}`;
    await run(["ip", "netns", "add", ns]);
    const start = () =>
      new Deno.Command("ip", {
        args: ["netns", "exec", ns, Deno.execPath(), "run", "-A", SELF, "child", "hold"],
        stdout: "piped",
        stderr: "null",
      }).spawn();
    const readReady = async (p: Deno.ChildProcess) => {
      const reader = p.stdout.getReader();
      const { value } = await reader.read();
      reader.releaseLock();
      return JSON.parse(new TextDecoder().decode(value)).ready === true;
    };
    const routes = async () => (await run(["ip", "-n", ns, "route"], { check: false })).stdout;
    const link = async () =>
      (await run(["ip", "-n", ns, "link", "show", "tt0"], { check: false })).code;
    let p = start();
    try {
      assert.ok(await readReady(p));
      assert.match(await routes(), /10\.97\.5\.0\/24 dev tt0/);
      p.kill("SIGKILL");
      await p.status;
      await p.stdout.cancel();
      assert.ok(await waitFor(async () => (await link()) !== 0, 3000), "tt0 is gone");
      assert.doesNotMatch(await routes(), /10\.97\./);
      p = start();
      assert.ok(await readReady(p), "restart after kill -9");
      assert.match(await routes(), /10\.97\.5\.0\/24 dev tt0/);
    } finally {
      try {
        p.kill("SIGKILL");
      } catch { /* gone */ }
      await p.status;
      await p.stdout.cancel().catch(() => {});
      await run(["ip", "netns", "del", ns], { check: false });
    }
  },
});

if (import.meta.main && Deno.args[0] === "child") await child(Deno.args[1] ?? "tun");
