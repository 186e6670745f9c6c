import assert from "node:assert/strict";
import { ConfHostError, memoryHost, strerror } from "../../lib/conf/host.ts";

Deno.test("memoryHost reads relative to its cwd and fails like the OS", () => {
  const h = memoryHost({ "a.txt": "x", "/abs/b": "y" }, { cwd: "/w", dirs: ["d"] });
  assert.equal(new TextDecoder().decode(h.readFile("a.txt")), "x");
  assert.equal(new TextDecoder().decode(h.readFile("/w/a.txt")), "x");
  assert.equal(new TextDecoder().decode(h.readFile("/abs/b")), "y");
  assert.throws(() => h.readFile("nope"), (e) => e instanceof ConfHostError && e.code === "ENOENT");
  assert.throws(
    () => h.readFile("d"),
    (e) => e instanceof ConfHostError && e.reason === "Is a directory",
  );
  assert.equal(h.lookupUser?.("root")?.uid, 0);
  assert.equal(h.lookupUser?.("nobody"), null);
});

Deno.test("strerror texts", () => {
  assert.equal(strerror("ENOENT"), "No such file or directory");
  assert.equal(strerror("EWHAT"), "EWHAT");
});
