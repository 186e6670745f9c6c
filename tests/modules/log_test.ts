import assert from "node:assert/strict";
import type { LogfileSpec, SyslogSpec } from "../../lib/modules/specs.ts";
import { assertError, evalConf, rejects, specAt } from "./_helpers.ts";

Deno.test("logfile: classes expand; class inherited from a parent", () => {
  const { root } = evalConf(
    'class "info"; l = logfile { filename "/x.log"; prefix "p"; class "default", "debug"; }; m = logfile { };',
  );
  assert.deepEqual(specAt<LogfileSpec>(root, "l"), {
    type: "logfile",
    filename: "/x.log",
    prefix: "p",
    classes: ["debug", "warning", "error", "security", "fatal"],
  });
  assert.deepEqual(specAt<LogfileSpec>(root, "m").classes, ["info"]);
});

Deno.test("logfile/syslog: errors", () => {
  assertError(rejects('l = logfile("x");'), "logfile", "argument must be a dictionary");
  assertError(rejects('l = logfile { class "infos"; };'), "logfile", 'option "infos" not known');
  assertError(
    rejects('l = logfile { class "info",\n5; };'),
    "logfile",
    "all elements of list must be strings",
    2,
  );
  assertError(rejects("l = syslog { };"), "syslog", 'required parameter "facility" not found');
  assertError(rejects('l = syslog { facility "local8"; };'), "syslog", 'option "local8" not known');
  assertError(rejects("l = syslog(1);"), "syslog", "parameter must be a dictionary");
  const { root } = evalConf('l = syslog { facility "auth"; ident "x"; };');
  assert.deepEqual(specAt<SyslogSpec>(root, "l"), { type: "syslog", ident: "x", facility: "auth" });
});
