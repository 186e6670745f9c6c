// `deno task compile` builds the single binary. deno compile needs a `denort` runtime that it
// downloads, which our machines cannot; a user supplies one with DENORT_BIN (or a populated
// DENO_DIR). The first test needs none: it builds with the deno binary standing in for denort
// (the result does not run, but what gets embedded is decided and listed the same way). The
// second runs the real binary and is skipped, saying why, when no denort is at hand.
import assert from "node:assert/strict";

const root = new URL("..", import.meta.url).pathname;

/** The compile task's arguments from deno.json, with the output redirected. */
function compileArgs(output: string): string[] {
  const tasks = JSON.parse(Deno.readTextFileSync(`${root}/deno.json`)).tasks as Record<
    string,
    string
  >;
  const words = tasks.compile!.split(/\s+/);
  assert.match(words[0]!, /deno$/);
  const args = words.slice(1);
  const o = args.indexOf("-o");
  assert.ok(o > 0, "the task names its output");
  args[o + 1] = output;
  return args;
}

async function compile(output: string, denort: string) {
  const r = await new Deno.Command(Deno.execPath(), {
    args: compileArgs(output),
    cwd: root,
    env: { DENORT_BIN: denort, NO_COLOR: "1" },
    stdout: "piped",
    stderr: "piped",
  }).output();
  const text = new TextDecoder().decode(r.stdout) + new TextDecoder().decode(r.stderr);
  return { code: r.code, text };
}

Deno.test("deno task compile embeds the program and chevrotain, not the 90 MB deno binary or test tools", async () => {
  const out = await Deno.makeTempDir();
  try {
    const standIn = Deno.execPath();
    const r = await compile(`${out}/tincture`, standIn);
    assert.equal(r.code, 0, r.text);
    // The listing of embedded files (directories are summarised).
    assert.match(r.text, /chevrotain/);
    assert.doesNotMatch(
      r.text,
      /deno\/deno \(|\bdeno \(9\d/,
      "the npm deno binary is not embedded",
    );
    assert.doesNotMatch(r.text, /fast-check|@types/);
    const payload = Deno.statSync(`${out}/tincture`).size - Deno.statSync(standIn).size;
    assert.ok(payload > 0 && payload < 8 << 20, `embedded payload ${payload} bytes`);
  } finally {
    await Deno.remove(out, { recursive: true });
  }
});

const denortBin = Deno.env.get("DENORT_BIN");
const reason = denortBin === undefined
  ? "no denort runtime at hand (set DENORT_BIN=/path/to/denort to build the single binary)"
  : "";
// The reason is the point of a skipped test: print it.
// deno-lint-ignore no-console
if (reason) console.log(`compile_test: skipped: ${reason}`);

Deno.test({
  name: "deno task compile builds a tincture binary that checks a config",
  ignore: reason !== "",
  async fn() {
    const out = await Deno.makeTempDir();
    try {
      const r = await compile(`${out}/tincture`, denortBin!);
      assert.equal(r.code, 0, r.text);
      const check = await new Deno.Command(`${out}/tincture`, {
        args: ["-j", "-c", "alpha/secnet.conf"],
        cwd: `${root}/examples`,
        stdout: "piped",
        stderr: "piped",
      }).output();
      assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
    } finally {
      await Deno.remove(out, { recursive: true });
    }
  },
});
