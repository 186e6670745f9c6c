import assert from "node:assert/strict";
import {
  dropPrivileges,
  removePidfile,
  resolveUser,
  writePidfile,
} from "../../lib/runtime/privileges.ts";

const PASSWD = "root:x:0:0:root:/root:/bin/bash\nnobody:x:65534:65534:nobody:/:/usr/sbin/nologin\n";

Deno.test("resolveUser: names from passwd, numbers as themselves, unknown names fail", () => {
  assert.deepEqual(resolveUser("nobody", PASSWD), { uid: 65534, gid: 65534 });
  assert.deepEqual(resolveUser("1234", PASSWD), { uid: 1234, gid: 1234 });
  assert.throws(() => resolveUser("nosuchuser", PASSWD), /userid "nosuchuser" not found/);
});

Deno.test("pidfile: written as pid + newline, removed once", async () => {
  const dir = await Deno.makeTempDir({ prefix: "rt-pid-" });
  try {
    writePidfile(`${dir}/p`, 4242);
    assert.equal(Deno.readTextFileSync(`${dir}/p`), "4242\n");
    assert.equal(removePidfile(`${dir}/p`), true);
    assert.equal(removePidfile(`${dir}/p`), false);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});

Deno.test({
  name: "dropPrivileges: a child becomes nobody (all threads) and loses root's powers",
  ignore: Deno.uid() !== 0,
  async fn() {
    const r = await new Deno.Command(Deno.execPath(), {
      args: ["run", "-A", new URL(import.meta.url).pathname, "child"],
      stdout: "piped",
      stderr: "piped",
    }).output();
    const out = JSON.parse(new TextDecoder().decode(r.stdout));
    assert.equal(out.uid, 65534);
    assert.equal(out.threadsNotNobody, 0);
    assert.equal(out.canWriteRoot, false);
  },
});

if (import.meta.main && Deno.args[0] === "child") {
  dropPrivileges({ uid: 65534, gid: 65534 });
  let threadsNotNobody = 0;
  for (const t of Deno.readDirSync("/proc/self/task")) {
    const status = Deno.readTextFileSync(`/proc/self/task/${t.name}/status`);
    if (!/^Uid:\s+65534\s+65534/m.test(status)) threadsNotNobody++;
  }
  let canWriteRoot = true;
  try {
    Deno.writeTextFileSync("/root/.tincture-privdrop-test", "x");
    Deno.removeSync("/root/.tincture-privdrop-test");
  } catch {
    canWriteRoot = false;
  }
  const line = JSON.stringify({ uid: Deno.uid(), threadsNotNobody, canWriteRoot });
  Deno.stdout.writeSync(new TextEncoder().encode(line + "\n"));
}
