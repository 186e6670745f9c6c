import assert from "node:assert/strict";
import { asConfigError, type CliIO, parseCli, runCli, VERSION } from "../lib/cli.ts";
import { memoryHost } from "../lib/conf/host.ts";

const GOOD = 'system { log logfile { class "default"; }; };\n';

function io(files: Record<string, string>, stdin = "") {
  const out: string[] = [], err: string[] = [];
  const cli: CliIO = {
    stdout: (s) => void out.push(s),
    stderr: (s) => void err.push(s),
    readStdin: () => new TextEncoder().encode(stdin),
    host: memoryHost(files),
  };
  return { cli, out: () => out.join(""), err: () => err.join("") };
}

Deno.test("parseCli: secnet's options, in order, with getopt conveniences", () => {
  const p = parseCli(["-jc", "x.conf", "-s", "mine", "-n", "-m"]);
  assert.equal(p.kind, "run");
  if (p.kind !== "run") return;
  assert.equal(p.options.config, "x.conf");
  assert.equal(p.options.justCheck, true);
  assert.equal(p.options.sitesKey, "mine");
  assert.equal(p.options.nodetach, true);
  assert.equal(p.options.managed, true);
  assert.deepEqual([...p.options.levels].sort(), ["error", "fatal", "warning"]);

  const d = parseCli(["--just", "--conf=y", "-d", "-w"]);
  assert.ok(d.kind === "run");
  if (d.kind !== "run") return;
  assert.equal(d.options.config, "y");
  assert.ok(d.options.levels.has("debug") && d.options.levels.has("info"));
  assert.ok(!d.options.levels.has("warning"));

  // as getopt: an option taking a value takes the next word, even one starting with '-'
  const g = parseCli(["-c", "-j", "--sites", "-x", "-vs", "k"]);
  assert.ok(g.kind === "run" && g.options.config === "-j" && !g.options.justCheck);
  assert.ok(g.kind === "run" && g.options.sitesKey === "k");

  const q = parseCli(["-v", "-f"]);
  assert.ok(q.kind === "run" && [...q.options.levels].join() === "fatal");
  const v = parseCli(["-f", "-v"]);
  assert.ok(v.kind === "run" && v.options.levels.has("info"));
});

Deno.test("parseCli: defaults, --help, --version, bad options, extra words, -t", () => {
  const p = parseCli([]);
  assert.ok(p.kind === "run" && p.options.config === "/etc/secnet/secnet.conf");
  assert.ok(p.kind === "run" && p.options.sitesKey === "sites" && !p.options.justCheck);
  const h = parseCli(["--help"]);
  assert.ok(h.kind === "exit" && h.code === 0 && /--just-check-config/.test(h.stdout ?? ""));
  const ver = parseCli(["--version"]);
  assert.ok(ver.kind === "exit" && ver.stdout === VERSION + "\n");
  for (const bad of [["--bogus"], ["--debug=x"], ["-c"], ["-x"]]) {
    const b = parseCli(bad);
    assert.ok(b.kind === "exit" && b.code === 1, bad.join(" "));
  }
  const extra = parseCli(["-j", "stray"]);
  assert.ok(extra.kind === "run" && /extra command line parameters/.test(extra.notes.join()));
  const t = parseCli(["-t", "X", "-j"]);
  assert.ok(t.kind === "run" && t.options.justCheck && t.notes.length === 1);
  assert.equal(parseCli(["--demo", "x"]).kind, "demo");
  // The demo's own options pass through untouched, in any order.
  assert.deepEqual(parseCli(["--keep", "--demo", "--tincd", "beta"]), {
    kind: "demo",
    argv: ["--keep", "--tincd", "beta"],
  });
});

Deno.test("runCli -j: exit 0 on a good config, secnet's status otherwise", async () => {
  const ok = io({ "s.conf": GOOD });
  assert.equal(await runCli(["-j", "-c", "s.conf"], ok.cli), 0);
  assert.match(ok.err(), /"sites" is missing/);

  const bad = io({ "s.conf": "a = b;\n" + GOOD });
  assert.equal(await runCli(["-j", "-c", "s.conf"], bad.cli), 8);
  assert.equal(bad.err().trim(), "s.conf:1: conffile error: can't find key b");

  const syn = io({ "s.conf": "a = ;\n" });
  assert.equal(await runCli(["-j", "-c", "s.conf"], syn.cli), 2);
  assert.match(syn.err(), /^s\.conf:1: syntax error: /);

  const big = io({ "s.conf": "a = 4294967296;\n" });
  assert.equal(await runCli(["-j", "-c", "s.conf"], big.cli), 1);

  const nosys = io({ "s.conf": "a = 1;\n" });
  assert.equal(await runCli(["-j", "-c", "s.conf"], nosys.cli), 3);

  const missing = io({});
  assert.equal(await runCli(["-j", "-c", "nope.conf"], missing.cli), 2);
  assert.match(missing.err(), /Cannot open configuration file "nope.conf"/);
});

Deno.test("runCli: -c - reads stdin and names it '-'", async () => {
  const s = io({}, "a = ;\n");
  assert.equal(await runCli(["-j", "-c", "-"], s.cli), 2);
  assert.match(s.err(), /^-:1: syntax error/);
  const g = io({}, GOOD);
  assert.equal(await runCli(["-j", "-c", "-"], g.cli), 0);
});

Deno.test("runCli: -s names the sites key; -f hides warnings; --json", async () => {
  const q = io({ "s.conf": GOOD });
  assert.equal(await runCli(["-f", "-j", "-c", "s.conf", "-s", "others"], q.cli), 0);
  assert.equal(q.err(), "");
  const j = io({ "s.conf": "x = 1;\nx = 2;\n" });
  assert.equal(await runCli(["--json", "-j", "-c", "s.conf"], j.cli), 2);
  const doc = JSON.parse(j.out());
  assert.equal(doc.ok, false);
  assert.equal(doc.exit, 2);
  assert.equal(doc.errors[0].line, 2);
  assert.match(doc.errors[0].message, /duplicate key "x"/);
  assert.equal(j.err(), "");
});

Deno.test("runCli: --extensions binds on/off", async () => {
  const src = "x = sysbuffer(4096, { lockdown = on; });\n" + GOOD;
  assert.equal(await runCli(["-j", "-c", "s.conf"], io({ "s.conf": src }).cli), 8);
  assert.equal(await runCli(["--extensions", "-j", "-c", "s.conf"], io({ "s.conf": src }).cli), 0);
});

Deno.test("asConfigError never lets a stack trace through", () => {
  assert.match(asConfigError(new RangeError("Maximum call stack size exceeded")).message, /nested/);
  const e = asConfigError(new TypeError("boom"));
  assert.equal(e.exitCode, 70);
  assert.match(e.message, /internal error: TypeError: boom/);
});

Deno.test("-j keeps secnet's verdict but warns when tinc cannot run the config", async () => {
  const examples = new URL("../examples/", import.meta.url).pathname;
  const text = Deno.readTextFileSync(`${examples}alpha/secnet.conf`)
    .replace('local-name "alpha"', 'local-name "al-pha"');
  const tmp = `${examples}alpha/.cli_test_${Deno.pid}.conf`;
  Deno.writeTextFileSync(tmp, text);
  try {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", "../main.ts", "-j", "-c", tmp],
      cwd: examples,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(r.stderr);
    assert.equal(r.code, 0, err);
    assert.match(
      err,
      /:6: .*warning: tincture cannot run this as a tinc node: local-name "al-pha"/,
    );
  } finally {
    Deno.removeSync(tmp);
  }
});
