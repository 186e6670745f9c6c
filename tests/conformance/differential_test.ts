// deno-lint-ignore-file no-console -- this file reports measurements and skip reasons
/**
 * Differential test: seeded random configurations (grammar-directed, then mutated byte by
 * byte) checked by tincture in-process and by the real `secnet -j` (inside `unshare -n`),
 * comparing accept/reject and the first error line.
 *
 * TINCTURE_DIFF_CASES (default 300) and TINCTURE_DIFF_SEED (default 1) control the run.
 * Skipped, with the reason printed, when /usr/sbin/secnet or unshare is missing.
 */
import assert from "node:assert/strict";
import { checkConfig, type CliOptions, denoCliIO } from "../../lib/cli.ts";

const SECNET = "/usr/sbin/secnet";
const CASES = Number(Deno.env.get("TINCTURE_DIFF_CASES") ?? 300);
const SEED = Number(Deno.env.get("TINCTURE_DIFF_SEED") ?? 1);

function haveSecnet(): string | null {
  try {
    Deno.statSync(SECNET);
  } catch {
    return `${SECNET} not installed`;
  }
  try {
    const r = new Deno.Command("unshare", { args: ["-n", "true"] }).outputSync();
    if (!r.success) return "unshare -n not permitted (need root)";
  } catch {
    return "unshare not available";
  }
  return null;
}

/** mulberry32: small, seeded, good enough to pick grammar productions. */
function rng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  const int = (n: number) => Math.floor(next() * n);
  const pick = <T>(xs: readonly T[]): T => xs[int(xs.length)]!;
  return { next, int, pick };
}
type Rng = ReturnType<typeof rng>;

const KEYS = ["a", "b", "c", "d", "x", "k-1", "_", "yes", "on", "sites", "makelist", "includes"];
const WS = [" ", "", "\n", "  ", "\t", " # note\n"];

function genItem(r: Rng, depth: number, bound: string[]): string {
  const ws = () => r.pick(WS);
  const choice = r.int(depth > 2 ? 5 : 11);
  switch (choice) {
    case 0:
      return String(
        r.int(10) === 0 ? 4294967296 : r.pick([0, 1, 64, 4096, 4294967295, 2147483648, 7]),
      );
    case 1:
      return `"${r.pick(["x", "", "a b", "multi\nline", "#h", "include x", "\\"])}"`;
    case 2:
      return bound.length ? r.pick(bound) : "True";
    case 3:
      return r.int(6) === 0
        ? r.pick(["on", "nosuch"])
        : r.pick(["yes", "nowise", "VERILY", "/false"]);
    case 4:
      return bound.length ? `${r.pick(bound)}/${r.pick([...KEYS, ...bound])}` : "/true";
    case 5:
      return `{${ws()}${genAssignments(r, depth + 1, r.int(3), [...bound])}}`;
    case 6:
      return `makelist(${genList(r, depth + 1, bound, true)})`;
    case 7:
      return `sysbuffer(${
        r.pick(["", "64", "4096", "131072", "4096, {}", "", "63", "131073", '"x"', "4096, 1"])
      })`;
    case 8:
      return `map(${r.pick(["makelist", "md5", "1", "makelist, 1, {a=2;}"])}${
        r.pick(["", ", 3"])
      })`;
    case 9:
      return `<${genList(r, depth + 1, bound, false)}>${ws()}{${
        genAssignments(r, depth + 1, r.int(2), [...bound])
      }}`;
    default:
      return `${r.pick(["makelist", "md5", "readfile", "x"])}${
        r.pick(["()", "{}", '("data.txt")', "(1)(2)", "{ a = 1; }"])
      }`;
  }
}

function genList(r: Rng, depth: number, bound: string[], allowEmpty: boolean): string {
  const n = allowEmpty ? r.int(4) : 1 + r.int(3);
  const items: string[] = [];
  for (let i = 0; i < n; i++) items.push(genItem(r, depth, bound));
  return items.join(r.pick([", ", ",", " ,\n"]));
}

function genAssignments(r: Rng, depth: number, n: number, bound: string[]): string {
  let s = "";
  for (let i = 0; i < n; i++) {
    // mostly fresh names; sometimes a clash, a predefined name or a shadowing one
    const key = r.int(6) === 0 ? r.pick(KEYS) : `k${depth}-${bound.length}-${i}`;
    const eq = r.pick([" = ", " ", "="]);
    s += `${key}${eq}${genList(r, depth, bound, false)};${r.pick(WS)}`;
    bound.push(key);
    if (r.int(8) === 0) s += "include inc.conf\n";
  }
  return s;
}

const TRAILER = 'system { log logfile { class "default"; }; };\n';

function mutate(r: Rng, s: string): string {
  const b = [...s];
  const n = 1 + r.int(2);
  for (let i = 0; i < n && b.length; i++) {
    const p = r.int(b.length);
    switch (r.int(5)) {
      case 0:
        b.splice(p, 1);
        break;
      case 1:
        b.splice(p, 0, r.pick([";", "{", "}", "(", ")", ",", "/", "=", "<", ">", '"', "#", "\n"]));
        break;
      case 2:
        b.splice(p, 0, r.pick(["\u00e9", "\r", "@", "-", "9", "include ", "include\n"]));
        break;
      case 3:
        b.splice(p, 0, b[r.int(b.length)]!);
        break;
      default:
        b.length = p; // truncate
    }
  }
  return b.join("");
}

function genConfig(r: Rng): string {
  const body = genAssignments(r, 0, 1 + r.int(5), []);
  const text = body + (r.int(6) === 0 ? "" : TRAILER);
  return r.int(4) === 0 ? mutate(r, text) : text;
}

/** Same rules as check.sh's firstErrorLine. */
function firstErrorLine(stderr: string): number | null {
  const loc = /\bline (\d+)\b|([\w.\/+-]+):(\d+)\b|\(([\w.\/+-]+),(\d+)\)/g;
  for (let l of stderr.split("\n")) {
    l = l.replace(/^[A-Z][a-z]{2} [ 0-9][0-9] [0-9]{2}:[0-9]{2}:[0-9]{2} /, "");
    if (!/error/i.test(l) && !/^config file /.test(l)) continue;
    loc.lastIndex = 0;
    let m;
    while ((m = loc.exec(l)) !== null) {
      if (m[1] !== undefined) return Number(m[1]);
      const file = m[2] ?? m[4]!;
      if (/\.(c|h|y|fl)$/.test(file)) continue;
      return Number(m[3] ?? m[5]);
    }
  }
  return null;
}

const skip = haveSecnet();
if (skip) console.log(`differential_test: skipped: ${skip}`);

Deno.test({
  name: `tincture -j agrees with secnet -j on ${CASES} generated configs (seed ${SEED})`,
  ignore: skip !== null,
  fn() {
    const dir = Deno.makeTempDirSync({ prefix: "tincture-diff-" });
    const oldCwd = Deno.cwd();
    try {
      Deno.writeTextFileSync(`${dir}/data.txt`, "some data\n");
      Deno.writeTextFileSync(`${dir}/inc.conf`, "inc-key = 1;\n");
      Deno.chdir(dir);
      const io = denoCliIO();
      const r = rng(SEED);
      let agree = 0, lineTotal = 0, lineAgree = 0, accepted = 0;
      const bad: string[] = [];
      for (let i = 0; i < CASES; i++) {
        const text = genConfig(r);
        const file = `case${i}.conf`;
        Deno.writeTextFileSync(file, text);
        const sec = new Deno.Command("unshare", {
          args: ["-n", "timeout", "10", SECNET, "-j", "-c", file],
          stdout: "null",
          stderr: "piped",
        }).outputSync();
        const secAccept = sec.code === 0;
        if (secAccept) accepted++;
        const options: CliOptions = {
          config: file,
          justCheck: true,
          sitesKey: "sites",
          levels: new Set(),
          nodetach: true,
          managed: false,
          json: false,
          extensions: false,
        };
        const ours = checkConfig(options, io);
        if (ours.ok === secAccept) agree++;
        else bad.push(`${file}: secnet ${secAccept ? "accepts" : "rejects"}\n${text}`);
        const expLine = secAccept ? null : firstErrorLine(new TextDecoder().decode(sec.stderr));
        if (expLine !== null && !ours.ok) {
          lineTotal++;
          if (ours.error.loc?.line === expLine) lineAgree++;
          else bad.push(`${file}: line ${expLine} vs ${ours.error.loc?.line}\n${text}`);
        }
        if (Deno.env.get("TINCTURE_DIFF_SHOW") && !secAccept && i < 40) {
          console.log(`${file}: ${new TextDecoder().decode(sec.stderr).split("\n")[0]}`);
        }
        Deno.removeSync(file);
      }
      console.log(
        `differential: agree ${agree}/${CASES} (secnet accepted ${accepted}), lines ${lineAgree}/${lineTotal}`,
      );
      for (const b of bad.slice(0, 5)) console.log("---\n" + b);
      assert.ok(agree / CASES >= 0.99, `accept/reject agreement ${agree}/${CASES}`);
      assert.ok(
        lineTotal === 0 || lineAgree / lineTotal >= 0.95,
        `lines ${lineAgree}/${lineTotal}`,
      );
    } finally {
      Deno.chdir(oldCwd);
      Deno.removeSync(dir, { recursive: true });
    }
  },
});
