import assert from "node:assert/strict";
import { Dict, newEnv } from "../../lib/conf/dict.ts";
import { ConfigError } from "../../lib/conf/errors.ts";
import { memoryHost } from "../../lib/conf/host.ts";
import { makeClosure } from "../../lib/conf/closure.ts";
import { REQUIRE_ROOT_KEY, runSetup } from "../../lib/conf/setup.ts";
import { closureItem, dictItem, numberItem, stringItem } from "../../lib/conf/value.ts";

const loc = { file: "f", line: 1 };
const log = closureItem(makeClosure("LOG", "logfile"));
const site = closureItem(makeClosure("SITE", "site"));
function root(system: Record<string, ReturnType<typeof stringItem>[] | (typeof log)[]> | null) {
  const r = new Dict(
    null,
    newEnv(memoryHost({}, { users: { nobody: { uid: 65534, gid: 65534 } } })),
  );
  if (system) {
    const s = new Dict(r);
    for (const [k, v] of Object.entries(system)) s.add(k, v);
    r.add("system", [dictItem(s, loc)]);
  }
  return r;
}
const fail = (f: () => unknown) => {
  try {
    f();
  } catch (e) {
    if (e instanceof ConfigError) return [e.exitCode, e.message] as const;
    throw e;
  }
  return [0, ""] as const;
};

Deno.test("system with a log is enough; missing sites is a warning", () => {
  const r = root({ log: [log] });
  const s = runSetup(r);
  assert.equal(s.sites.length, 0);
  assert.match(r.env.diagnostics[0]!.message, /"sites" is missing/);
});

Deno.test("missing system or log: exit 3", () => {
  assert.deepEqual(fail(() => runSetup(root(null))), [
    3,
    'configuration does not include a "system" dictionary',
  ]);
  assert.deepEqual(fail(() => runSetup(root({}))), [
    3,
    "configuration does not include a system/log facility",
  ]);
  assert.equal(fail(() => runSetup(root({ log: [stringItem("x", loc)] })))[0], 8);
  assert.equal(fail(() => runSetup(root({ log: [log, log] })))[0], 3);
});

Deno.test("userid must exist; log may come from the root", () => {
  const r = root({ userid: [stringItem("nobody", loc)] });
  r.add("log", [log]);
  assert.equal(runSetup(r).uid, 65534);
  assert.deepEqual(
    fail(() => runSetup(root({ log: [log], userid: [stringItem("nosuchuser", loc)] }))),
    [
      3,
      'userid "nosuchuser" not found',
    ],
  );
});

Deno.test("features needing root fail only with a non-root userid", () => {
  const r = root({ log: [log], userid: [stringItem("nobody", loc)] });
  r.env.shared.set(REQUIRE_ROOT_KEY, "x");
  assert.equal(fail(() => runSetup(r))[0], 3);
  const ok = root({ log: [log] });
  ok.env.shared.set(REQUIRE_ROOT_KEY, "x");
  runSetup(ok);
});

Deno.test("sites (or the -s key) must be SITE closures", () => {
  const r = root({ log: [log] });
  r.add("mine", [site]);
  assert.equal(runSetup(r, { sitesKey: "mine" }).sites.length, 1);
  r.add("sites", [site, numberItem(1, loc)]);
  assert.deepEqual(fail(() => runSetup(r)), [8, "non-closure in site list"]);
  const r2 = root({ log: [log] });
  r2.add("sites", [log]);
  assert.deepEqual(fail(() => runSetup(r2)), [8, "non-site closure in site list"]);
});
