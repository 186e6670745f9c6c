import assert from "node:assert/strict";
import { ConfigError } from "../../lib/conf/errors.ts";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { closureList, dictArg, locText, specOf } from "../../lib/modules/common.ts";
import { dictItem, numberItem } from "../../lib/conf/value.ts";

Deno.test("closureList / specOf / dictArg / locText", () => {
  const l = closureList("BUFFER", "buffer", { size: 1 });
  assert.equal(l.length, 1);
  const it = l[0]!;
  assert.ok(it.type === "closure" && specOf<{ size: number }>(it.value).size === 1);
  const d = new Dict(null, newEnv(memoryHost({})));
  const loc = { file: "f", line: 3 };
  assert.equal(dictArg([dictItem(d, loc)], loc, "x", "m"), d);
  assert.throws(
    () => dictArg([numberItem(1, loc)], loc, "x", "needs a dict"),
    (e) => e instanceof ConfigError && e.message === "needs a dict" && e.loc?.line === 3,
  );
  assert.throws(() => dictArg([], loc, "x", "m"), ConfigError);
  assert.equal(locText(loc), "f:3");
  assert.equal(locText(loc, ","), "f,3");
});
