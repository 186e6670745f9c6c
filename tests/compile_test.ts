// `deno task compile` builds the single binary. deno compile needs a `denort` runtime that it
// downloads, which our machines cannot; a user supplies one with DENORT_BIN (or a populated
// DENO_DIR). Without one this test is skipped and says why.
import assert from "node:assert/strict";

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
    const root = new URL("..", import.meta.url).pathname;
    const out = await Deno.makeTempDir();
    const build = await new Deno.Command(Deno.execPath(), {
      args: [
        "compile",
        "-A",
        "--unstable-net",
        "--include",
        "lib/runtime/data_plane_worker.ts",
        "-o",
        `${out}/tincture`,
        "main.ts",
      ],
      cwd: root,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(build.code, 0, new TextDecoder().decode(build.stderr));
    const check = await new Deno.Command(`${out}/tincture`, {
      args: ["-j", "-c", "alpha/secnet.conf"],
      cwd: `${root}/examples`,
      stdout: "piped",
      stderr: "piped",
    }).output();
    assert.equal(check.code, 0, new TextDecoder().decode(check.stderr));
    await Deno.remove(out, { recursive: true });
  },
});
