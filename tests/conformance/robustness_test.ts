/**
 * Hostile input to `tincture -j` (run as a subprocess): binary garbage, a 100 MB file, deep
 * nesting, include loops, unreadable files. Each must end with a clear message, no stack
 * trace, in bounded time and memory.
 */
import assert from "node:assert/strict";

const MAIN = new URL("../../main.ts", import.meta.url).pathname;
const TRAILER = 'system { log logfile { class "default"; }; };\n';

interface Run {
  code: number;
  stderr: string;
  ms: number;
  rssKb: number | null;
}

/** Runs `tincture -j -c FILE` in DIR, with /usr/bin/time -v for peak RSS when present. */
function run(dir: string, file: string, extra: string[] = []): Run {
  let time: string | null = "/usr/bin/time";
  try {
    Deno.statSync(time);
  } catch {
    time = null;
  }
  const deno = Deno.execPath();
  const argv = [deno, "run", "-A", "--quiet", MAIN, "-j", "-c", file, ...extra];
  const t0 = performance.now();
  const out = new Deno.Command(time ?? argv[0]!, {
    args: time ? ["-v", ...argv] : argv.slice(1),
    cwd: dir,
    stdout: "piped",
    stderr: "piped",
  }).outputSync();
  const ms = performance.now() - t0;
  let stderr = new TextDecoder().decode(out.stderr);
  let rssKb: number | null = null;
  const m = stderr.match(/Maximum resident set size \(kbytes\): (\d+)/);
  if (m) {
    rssKb = Number(m[1]);
    stderr = stderr.slice(0, stderr.indexOf("\tCommand being timed"));
  }
  // /usr/bin/time reports "Command exited with non-zero status N" first
  stderr = stderr.replace(/^Command exited with non-zero status \d+\n/m, "");
  return { code: out.code, stderr, ms, rssKb };
}

function assertClean(r: Run, what: string) {
  assert.doesNotMatch(r.stderr, /^\s+at /m, `${what}: stack trace in\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /Uncaught|internal error/, `${what}: crash in\n${r.stderr}`);
  assert.ok(r.ms < 60_000, `${what}: took ${r.ms} ms`);
  if (r.rssKb !== null) assert.ok(r.rssKb < 1_500_000, `${what}: peak RSS ${r.rssKb} KB`);
}

function withDir(f: (dir: string) => void) {
  const dir = Deno.makeTempDirSync({ prefix: "tincture-robust-" });
  try {
    f(dir);
  } finally {
    Deno.removeSync(dir, { recursive: true });
  }
}

Deno.test("binary garbage: rejected or cut short, never a crash", () => {
  withDir((dir) => {
    let seed = 12345;
    for (let i = 0; i < 4; i++) {
      const b = new Uint8Array(64 * 1024);
      for (let j = 0; j < b.length; j++) {
        seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
        // mostly printable ASCII so the lexer gets far before a high byte stops it
        b[j] = i === 0 ? seed >>> 24 : 0x20 + ((seed >>> 16) % 0x5f);
      }
      Deno.writeFileSync(`${dir}/g${i}.conf`, b);
      const r = run(dir, `g${i}.conf`);
      assertClean(r, `garbage ${i}`);
      assert.notEqual(r.code, 0);
      assert.match(r.stderr, /error/);
    }
  });
});

Deno.test("a 100 MB file: a huge string is fine; 100 MB of assignments is a clear error", () => {
  withDir((dir) => {
    const big = new Uint8Array(100 * 1024 * 1024).fill(0x78);
    const enc = new TextEncoder();
    const f = Deno.openSync(`${dir}/str.conf`, { write: true, create: true });
    f.writeSync(enc.encode('a = "'));
    for (let off = 0; off < big.length;) off += f.writeSync(big.subarray(off));
    f.writeSync(enc.encode('";\n' + TRAILER));
    f.close();
    const s = run(dir, "str.conf");
    assertClean(s, "100 MB string");
    assert.equal(s.code, 0, s.stderr);

    const line = enc.encode("k = { a = 1; b = 2; };\n");
    const g = Deno.openSync(`${dir}/many.conf`, { write: true, create: true });
    const chunk = new Uint8Array(line.length * 4096);
    for (let i = 0; i < 4096; i++) chunk.set(line, i * line.length);
    for (let total = 0; total < big.length; total += chunk.length) g.writeSync(chunk);
    g.close();
    const m = run(dir, "many.conf");
    assertClean(m, "100 MB of assignments");
    assert.notEqual(m.code, 0);
    assert.match(m.stderr, /too large|duplicate key/);
  });
});

Deno.test("10,000 nested dictionaries: a clear error", () => {
  withDir((dir) => {
    const n = 10_000;
    Deno.writeTextFileSync(
      `${dir}/deep.conf`,
      "a = " + "{ b = ".repeat(n) + "1;" + " };".repeat(n) + "\n" + TRAILER,
    );
    const r = run(dir, "deep.conf");
    assertClean(r, "deep nesting");
    assert.equal(r.code, 2);
    assert.match(r.stderr, /deep\.conf:1: .*nested/);
  });
});

Deno.test("include loops and unreadable files: clear errors", () => {
  withDir((dir) => {
    Deno.writeTextFileSync(`${dir}/loop.conf`, "include loop2.conf\n");
    Deno.writeTextFileSync(`${dir}/loop2.conf`, "include loop.conf\n");
    const loop = run(dir, "loop.conf");
    assertClean(loop, "include loop");
    assert.equal(loop.code, 2);
    assert.match(loop.stderr, /nested too deeply/);

    const missing = run(dir, "nonexistent.conf");
    assertClean(missing, "missing config");
    assert.equal(missing.code, 2);
    assert.match(missing.stderr, /Cannot open configuration file "nonexistent.conf": No such file/);

    const isDir = run(dir, ".");
    assertClean(isDir, "directory as config");
    assert.equal(isDir.code, 2);

    Deno.writeTextFileSync(`${dir}/noread.conf`, "a = 1;\n");
    Deno.chmodSync(`${dir}/noread.conf`, 0o000);
    Deno.writeTextFileSync(`${dir}/inc.conf`, "include noread.conf\n" + TRAILER);
    Deno.writeTextFileSync(`${dir}/rf.conf`, 'x = readfile("noread.conf");\n' + TRAILER);
    if (Deno.uid() !== 0) {
      // root reads anything; only meaningful for other users
      const inc = run(dir, "inc.conf");
      assertClean(inc, "unreadable include");
      assert.match(inc.stderr, /Can't open included file noread\.conf/);
    }
    const rf = run(dir, "rf.conf");
    assertClean(rf, "readfile");
  });
});
