import assert from "node:assert/strict";
import {
  cfgfatal,
  ConfigError,
  errorToJson,
  fatal,
  renderDiagnostic,
  renderError,
} from "../../lib/conf/errors.ts";

const thrown = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return e;
  }
  throw new Error("nothing thrown");
};

Deno.test("cfgfatal exits 8 and renders FILE:LINE: facility error: message", () => {
  const e = thrown(() => cfgfatal({ file: "a.conf", line: 4 }, "udp", '"port" must be a number'));
  assert.equal(e.exitCode, 8);
  assert.equal(renderError(e), 'a.conf:4: udp error: "port" must be a number');
  assert.equal(errorToJson(e).line, 4);
});

Deno.test("a zero line means no location", () => {
  const e = thrown(() => cfgfatal({ file: "none", line: 0 }, "buffer", "x"));
  assert.equal(e.loc, undefined);
  assert.equal(renderError(e), "buffer error: x");
});

Deno.test("fatal exits 2 by default, or as told", () => {
  assert.equal(thrown(() => fatal("dup")).exitCode, 2);
  assert.equal(thrown(() => fatal("x", { exitCode: 3 })).exitCode, 3);
  assert.equal(thrown(() => cfgfatal(undefined, "f", "m", { silent: true })).silent, true);
});

Deno.test("diagnostics render with their level", () => {
  assert.equal(
    renderDiagnostic({
      level: "warning",
      loc: { file: "a", line: 2 },
      facility: "tun-old",
      message: "obsolete",
    }),
    "a:2: tun-old warning: obsolete",
  );
});
