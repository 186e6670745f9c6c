import assert from "node:assert/strict";
import {
  BuiltinBackend,
  cipherByName,
  createCrypto,
  OpensslBackend,
} from "../../lib/crypto/mod.ts";

Deno.test("createCrypto picks openssl when libcrypto loads, builtin on request", () => {
  const o = createCrypto();
  assert.equal(o.name, "openssl");
  assert.ok(o instanceof OpensslBackend);
  const b = createCrypto("builtin");
  assert.equal(b.name, "builtin");
  assert.ok(b instanceof BuiltinBackend);
  assert.ok(o.supportsCipher(cipherByName("bf-cbc")!));
  assert.ok(!b.supportsCipher(cipherByName("bf-cbc")!));
});

Deno.test("createCrypto falls back to builtin without FFI permission", async () => {
  const mod = new URL("../../lib/crypto/mod.ts", import.meta.url).href;
  const src = `import { createCrypto } from ${JSON.stringify(mod)};
    let reason = "";
    const c = createCrypto("openssl", (r) => (reason = r));
    console.log(JSON.stringify({ name: c.name, reason }));`;
  // No --allow-ffi: dlopen is refused, as in a locked-down daemon or Worker.
  const file = await Deno.makeTempFile({ suffix: ".ts" });
  await Deno.writeTextFile(file, src);
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["run", "--no-check", "--allow-read", file],
    stdout: "piped",
    stderr: "piped",
    env: { NO_COLOR: "1" },
  }).output();
  await Deno.remove(file);
  assert.ok(out.success, new TextDecoder().decode(out.stderr));
  const msg = JSON.parse(new TextDecoder().decode(out.stdout));
  assert.equal(msg.name, "builtin");
  assert.match(msg.reason, /libcrypto/);
});
