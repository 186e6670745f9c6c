// deno-lint-ignore-file no-console -- this file reports measurements and skip reasons
/**
 * `tincture -j` against `secnet -j` on a generated 10,000-site configuration.
 *
 *   deno bench -A tests/bench/conf_bench.ts
 *
 * Before the benches run, each program checks the file once as a subprocess under
 * /usr/bin/time -v (wall time and peak RSS; /proc is used for RSS when time is missing) and
 * the numbers are printed. The Deno.bench cases then time the in-process phases (parse,
 * evaluate + setup) so regressions show up in `deno bench`.
 *
 * TINCTURE_BENCH_SITES overrides the site count.
 */
import { sharedPath } from "../support/shared.ts";
import { parseConfig } from "../../conf-grammar/mod.ts";
import { checkConfig, type CliOptions, denoCliIO } from "../../lib/cli.ts";

const SITES = Number(Deno.env.get("TINCTURE_BENCH_SITES") ?? 10_000);
const SECNET = "/usr/sbin/secnet";
const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const KEY = sharedPath("conformance/secnet-conf/449-site-ok/alpha.key");

const PUBLIC_N =
  "130064631890186713927887504218626486455931306300999583387009075747001546036643522074275473238061323169592347601185592753550279410171535737146240085267000508853176463710554801101055212967131924064664249613912656320653505750073021702169423354903540699008756137338575553686987244488914481168225136440872431691669";
const DH_P =
  "8db5f2c15ac96d9f3382d1ef4688fba14dc7908ae7dfd71a9cfe7f479a75d506dc53f159aeaf488bde073fe544bc91c099f101fcf60074f30c06e36263c03ca9e07931ce3fc235fe1171dc6d9316fb097bd4362891e2c36e234e7c16b038fd97b1f165c710e90537de66ee4f54001f5712b050d4e07de3fba07607b19b64f6c3";

/** A make-secnet-sites style configuration with N sites under vpn/example. */
export function siteConfig(n: number): string {
  const out: string[] = [
    'log logfile { class "default"; };',
    'system { userid "root"; };',
    "resolver adns { };",
    'random randomfile("/dev/urandom", no);',
    "netlink null-netlink {",
    '    name "nl"; local-address "10.0.0.1"; secnet-address "10.0.0.2";',
    '    remote-networks "10.0.0.0/8";',
    "};",
    "comm udp { port 4000; buffer sysbuffer(); };",
    'local-name "local";',
    'local-key rsa-private("alpha.key");',
    `dh diffie-hellman("${DH_P}", "2");`,
    "transform eax-serpent { }, serpent256-cbc { };",
    "vpn-data {",
    "  example {",
  ];
  for (let i = 0; i < n; i++) {
    const a = 1 + (i >> 8), b = i & 255;
    out.push(
      `    site${i} {`,
      `      name "site${i}";`,
      `      key rsa-public("65537", "${PUBLIC_N}");`,
      `      address "[127.0.${a & 255}.${b}]"; port ${10000 + (i % 50000)};`,
      `      link netlink { routes "10.${a}.${b}.0/24"; };`,
      "    };",
    );
  }
  out.push("  };", "};");
  out.push("vpn { example { all-sites makelist(/vpn-data/example); }; };");
  out.push("sites map(site, vpn/example/all-sites);");
  return out.join("\n") + "\n";
}

interface Measured {
  code: number;
  seconds: number;
  rssMb: number | null;
}

async function measure(argv: string[], cwd: string): Promise<Measured> {
  let hasTime = true;
  try {
    Deno.statSync("/usr/bin/time");
  } catch {
    hasTime = false;
  }
  const t0 = performance.now();
  if (hasTime) {
    const out = await new Deno.Command("/usr/bin/time", {
      args: ["-v", ...argv],
      cwd,
      stdout: "null",
      stderr: "piped",
    }).output();
    const seconds = (performance.now() - t0) / 1000;
    const err = new TextDecoder().decode(out.stderr);
    const m = err.match(/Maximum resident set size \(kbytes\): (\d+)/);
    return { code: out.code, seconds, rssMb: m ? Number(m[1]) / 1024 : null };
  }
  // No /usr/bin/time: poll /proc/PID/status for VmHWM while the child runs.
  const child = new Deno.Command(argv[0]!, {
    args: argv.slice(1),
    cwd,
    stdout: "null",
    stderr: "null",
  }).spawn();
  let hwm: number | null = null;
  const poll = setInterval(() => {
    try {
      const st = Deno.readTextFileSync(`/proc/${child.pid}/status`);
      const m = st.match(/VmHWM:\s+(\d+) kB/);
      if (m) hwm = Math.max(hwm ?? 0, Number(m[1]) / 1024);
    } catch { /* exited */ }
  }, 10);
  const status = await child.status;
  clearInterval(poll);
  return { code: status.code, seconds: (performance.now() - t0) / 1000, rssMb: hwm };
}

const dir = Deno.makeTempDirSync({ prefix: "tincture-bench-" });
const conf = `${dir}/secnet.conf`;
const text = siteConfig(SITES);
Deno.writeTextFileSync(conf, text);
try {
  Deno.copyFileSync(KEY, `${dir}/alpha.key`);
} catch {
  console.log(`conf_bench: ${KEY} missing; the rsa-private key check will fail`);
}
const bytes = new TextEncoder().encode(text);
console.log(`conf_bench: ${SITES} sites, ${(bytes.length / 1e6).toFixed(1)} MB`);

const ours = await measure(
  [Deno.execPath(), "run", "-A", "--quiet", MAIN, "-j", "-c", "secnet.conf"],
  dir,
);
console.log(
  `tincture -j: exit ${ours.code}, ${ours.seconds.toFixed(2)} s, peak RSS ${
    ours.rssMb?.toFixed(0) ?? "?"
  } MB`,
);
let haveSecnet = true;
try {
  Deno.statSync(SECNET);
} catch {
  haveSecnet = false;
}
if (haveSecnet) {
  const theirs = await measure(["unshare", "-n", SECNET, "-j", "-c", "secnet.conf"], dir);
  console.log(
    `secnet -j:   exit ${theirs.code}, ${theirs.seconds.toFixed(2)} s, peak RSS ${
      theirs.rssMb?.toFixed(0) ?? "?"
    } MB`,
  );
}

const options: CliOptions = {
  config: conf,
  justCheck: true,
  sitesKey: "sites",
  levels: new Set(),
  nodetach: true,
  managed: false,
  json: false,
  extensions: false,
};

Deno.bench(`parse ${SITES}-site config`, { n: 3, warmup: 1 }, () => {
  const r = parseConfig(bytes, { file: "secnet.conf" });
  if (!r.ok) throw new Error(r.errors[0]!.message);
});

Deno.bench(`-j check (parse + evaluate + setup) of ${SITES} sites`, { n: 3, warmup: 1 }, () => {
  const old = Deno.cwd();
  Deno.chdir(dir);
  try {
    const r = checkConfig(options, denoCliIO());
    if (!r.ok) throw new Error(r.error.message);
  } finally {
    Deno.chdir(old);
  }
});

globalThis.addEventListener("unload", () => {
  try {
    Deno.removeSync(dir, { recursive: true });
  } catch { /* already gone */ }
});
