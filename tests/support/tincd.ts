/**
 * A real tincd 1.0.36 in a lab namespace: writes a tinc 1.0 config directory (tinc.conf,
 * hosts/*, rsa_key.priv, tinc-up, tinc-down) and runs `tincd -D -d4` by PID.
 *
 * @module
 */
import { type Lab, OVERLAY_PREFIX, type Proc, sleep, TINCD } from "./netns.ts";

/** A host we know (a hosts/NAME file with its key) and whether we connect to it. */
export interface PeerSpec {
  /** Lab node id, which is also its tinc name. */
  readonly id: string;
  readonly connect?: boolean;
  /** The port it listens on (655). */
  readonly port?: number;
  /** Extra lines for our hosts/<id> (IndirectData, TCPOnly, Weight, ...). */
  readonly hostOptions?: readonly string[];
}

export interface TincdOptions {
  readonly port?: number;
  readonly peers: readonly PeerSpec[];
  /** Extra tinc.conf lines. */
  readonly extra?: readonly string[];
  /** Extra lines in our own hosts file (e.g. Cipher, KeyExpire is tinc.conf). */
  readonly ownHostOptions?: readonly string[];
  readonly debug?: number;
  /** Interface name inside the namespace. */
  readonly ifname?: string;
}

export interface TincdNode {
  readonly id: string;
  readonly dir: string;
  readonly log: string;
  proc: Proc;
  /**
   * Stops it and starts it again on the same config, `pauseMs` later (default 1100). tincd
   * 1.0 seeds rand() with time(NULL), so a tincd restarted within the same second repeats
   * its request nonces, and peers drop its ADD_SUBNET as already seen: it then never heals,
   * against tincd as well as tincture. A real restart takes longer than that anyway.
   */
  restart(pauseMs?: number): Promise<Proc>;
  /** Starts it again without stopping it first (after kill -9 or stop). */
  start(): Proc;
}

/** Writes the tinc config for lab node `id` and starts tincd. */
export async function startTincd(lab: Lab, id: string, opts: TincdOptions): Promise<TincdNode> {
  const node = lab.node(id);
  const dir = `${lab.dir}/${id}-tincd`;
  const port = opts.port ?? 655;
  const ifname = opts.ifname ?? "vpn0";
  await Deno.mkdir(`${dir}/hosts`, { recursive: true });
  const key = await lab.key(id);

  const conf = [
    `Name = ${id}`,
    ...opts.peers.filter((p) => p.connect).map((p) => `ConnectTo = ${p.id}`),
    "AddressFamily = ipv4",
    "Device = /dev/net/tun",
    `Interface = ${ifname}`,
    ...(opts.extra ?? []),
  ];
  await Deno.writeTextFile(`${dir}/tinc.conf`, conf.join("\n") + "\n");
  await Deno.copyFile(key.privatePem, `${dir}/rsa_key.priv`);
  await Deno.chmod(`${dir}/rsa_key.priv`, 0o600);

  const own = [`Port = ${port}`, `Subnet = ${node.subnet}`, ...(opts.ownHostOptions ?? [])];
  await Deno.writeTextFile(`${dir}/hosts/${id}`, own.join("\n") + "\n\n" + key.publicPem);
  for (const peer of opts.peers) {
    const peerKey = await lab.key(peer.id);
    const address = lab.addressOf(peer.id, id);
    const lines = [
      ...(address ? [`Address = ${address}`] : []),
      `Port = ${peer.port ?? 655}`,
      `Subnet = ${lab.node(peer.id).subnet}`,
      ...(peer.hostOptions ?? []),
    ];
    await Deno.writeTextFile(
      `${dir}/hosts/${peer.id}`,
      lines.join("\n") + "\n\n" + peerKey.publicPem,
    );
  }

  const overlayLen = OVERLAY_PREFIX.split("/")[1];
  await writeScript(
    `${dir}/tinc-up`,
    `ip addr add ${node.overlay}/${overlayLen} dev "$INTERFACE"\nip link set "$INTERFACE" up\n`,
  );
  await writeScript(`${dir}/tinc-down`, `ip link set "$INTERFACE" down\n`);

  const log = `${dir}/tincd.log`;
  const argv = [
    TINCD,
    "-c",
    dir,
    "-D",
    `-d${opts.debug ?? Number(Deno.env.get("TT_TINCD_DEBUG") ?? 4)}`,
    `--logfile=${log}`,
    `--pidfile=${dir}/tincd.pid`,
  ]; // prettier-ignore
  const start = () => lab.spawn(id, `${id}-tincd`, argv, { log: `${dir}/stdio.log` });
  const result: TincdNode = {
    id,
    dir,
    log,
    proc: start(),
    async restart(pauseMs = 1100) {
      await result.proc.stop();
      await sleep(pauseMs);
      result.proc = start();
      return result.proc;
    },
    start() {
      result.proc = start();
      return result.proc;
    },
  };
  return result;
}

async function writeScript(path: string, body: string): Promise<void> {
  await Deno.writeTextFile(path, "#!/bin/sh\n" + body);
  await Deno.chmod(path, 0o755);
}
