import assert from "node:assert/strict";
import { createSink, SyslogSink } from "../../lib/log/syslog.ts";
import { FileSink, MultiSink, StderrSink } from "../../lib/log/log.ts";

Deno.test("createSink: one target gives that sink, several a MultiSink", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-syslog-" });
  try {
    const one = createSink([{ kind: "logfile", filename: `${dir}/a`, classes: ["info"] }]);
    assert.ok(one instanceof FileSink);
    one.close();
    const two = createSink([
      { kind: "stderr", classes: ["fatal"] },
      { kind: "logfile", filename: `${dir}/b`, classes: ["error"] },
    ]);
    assert.ok(two instanceof MultiSink);
    assert.ok((two as MultiSink).sinks[0] instanceof StderrSink);
    two.close();
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test("SyslogSink: facility names are checked; messages go through libc syslog", () => {
  assert.throws(() => new SyslogSink("nosuch"), /Unknown syslog facility "nosuch"/);
  const s = new SyslogSink("local7", "tincture-test", ["error"]);
  assert.equal(s.facility, 23 << 3);
  // No /dev/log listener is needed: glibc drops the message quietly.
  s.write("error", "tincture syslog test message");
  s.close();
});
