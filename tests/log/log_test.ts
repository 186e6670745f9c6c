import assert from "node:assert/strict";
import {
  classMask,
  FileSink,
  type LogClass,
  type LogSink,
  MultiSink,
  SinkLogger,
  timestamp,
} from "../../lib/log/log.ts";

class MemorySink implements LogSink {
  lines: [LogClass, string][] = [];
  constructor(readonly mask: number) {}
  write(cls: LogClass, message: string): void {
    this.lines.push([cls, message]);
  }
  reopen(): void {}
  close(): void {}
}

Deno.test("classMask: secnet class names and aliases", () => {
  assert.equal(classMask([]), 0);
  const def = classMask(["default"]);
  assert.equal(def, classMask(["warning", "error", "security", "fatal"]));
  assert.equal(classMask(["verbose"]), classMask(["info", "notice"]) | def);
  assert.equal(classMask(["quiet"]), classMask(["fatal"]));
  assert.ok(classMask(["all-debug"]) & classMask(["debug"]));
  assert.throws(() => classMask(["loud"]), /Unknown log class "loud"/);
});

Deno.test("timestamp: Mmm dd hh:mm:ss with a space-padded day", () => {
  assert.equal(timestamp(new Date(2026, 10, 2, 1, 2, 3)), "Nov  2 01:02:03");
  assert.equal(timestamp(new Date(2026, 0, 21, 13, 4, 5)), "Jan 21 13:04:05");
});

Deno.test("SinkLogger: filters by class before formatting; noisy debug needs all-debug", () => {
  const info = new MemorySink(classMask(["verbose"]));
  const l = new SinkLogger(info);
  assert.equal(l.enabled("debug", "connections"), false);
  assert.equal(l.enabled("info", "connections"), true);
  l.log("debug", "protocol", "hidden");
  l.log("warning", "status", "shown");
  assert.deepEqual(info.lines, [["warning", "shown"]]);

  const dbg = new SinkLogger(new MemorySink(classMask(["debug"])));
  assert.equal(dbg.enabled("debug", "protocol"), true);
  assert.equal(dbg.enabled("debug", "packet"), false, "per-packet chatter needs all-debug");
  const all = new SinkLogger(new MemorySink(classMask(["all-debug"])));
  assert.equal(all.enabled("debug", "packet"), true);
});

Deno.test("MultiSink: each sink gets only its classes", () => {
  const a = new MemorySink(classMask(["error"]));
  const b = new MemorySink(classMask(["verbose"]));
  const m = new MultiSink([a, b]);
  m.write("info", "i");
  m.write("error", "e");
  assert.deepEqual(a.lines, [["error", "e"]]);
  assert.deepEqual(b.lines, [["info", "i"], ["error", "e"]]);
});

Deno.test("FileSink: timestamped, prefixed lines; reopen after rename starts a new file", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-log-" });
  try {
    const path = `${dir}/secnet.log`;
    const fixed = new Date(2026, 10, 22, 3, 4, 5);
    const f = new FileSink(path, ["default"], "PFX", () => fixed);
    f.write("warning", "first");
    Deno.renameSync(path, `${path}.1`);
    f.write("warning", "second"); // still to the renamed file
    f.reopen();
    f.write("error", "third");
    f.close();
    assert.equal(
      Deno.readTextFileSync(`${path}.1`),
      "Nov 22 03:04:05 PFX first\nNov 22 03:04:05 PFX second\n",
    );
    assert.equal(Deno.readTextFileSync(path), "Nov 22 03:04:05 PFX third\n");
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
