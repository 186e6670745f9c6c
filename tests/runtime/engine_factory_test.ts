import assert from "node:assert/strict";
import { staticImports } from "../support/module_graph.ts";
import { createEngine } from "../../lib/runtime/engine_factory.ts";
import type { EngineOutput, Logger } from "../../lib/tinc/types.ts";
import { engineConfig } from "../tinc/_mesh.ts";

function config() {
  return engineConfig(
    { name: "alpha", ip: "192.0.2.1", subnets: ["10.1.0.0/24"], connectTo: ["beta"] },
    [{ name: "alpha", ip: "192.0.2.1" }, { name: "beta", ip: "192.0.2.2" }],
  );
}

function deps() {
  const lines: string[] = [];
  const log: Logger = {
    log: (_level: string, _facility: string, text: string) => void lines.push(text),
  } as unknown as Logger;
  // The engine only talks to its output once started; nothing is started here.
  const out = new Proxy({}, { get: () => () => 0 }) as EngineOutput;
  return { lines, deps: { out, log, now: 0 } };
}

Deno.test("createEngine: libcrypto gives a synchronous engine (the JIT warm-up needs one)", () => {
  const d = deps();
  const engine = createEngine(config(), d.deps);
  assert.ok(!(engine instanceof Promise));
  assert.equal(typeof engine.start, "function");
  assert.deepEqual(d.lines, ["Crypto backend: openssl"]);
});

Deno.test("createEngine: TINCTURE_CRYPTO=builtin loads the built-in backend once, then is synchronous", async () => {
  Deno.env.set("TINCTURE_CRYPTO", "builtin");
  try {
    const d = deps();
    const first = createEngine(config(), d.deps);
    const engine = first instanceof Promise ? await first : first;
    assert.equal(typeof engine.start, "function");
    assert.deepEqual(d.lines, ["Crypto backend: builtin"]);
    const again = createEngine(config(), deps().deps);
    assert.ok(!(again instanceof Promise), "the built-in backend is loaded by now");
  } finally {
    Deno.env.delete("TINCTURE_CRYPTO");
  }
});

Deno.test("engine_factory's static module graph loads no node: builtin (Worker start-up)", async () => {
  // The Worker imports this module before its first packet; a static node: import anywhere
  // below it starts Deno's Node compatibility layer there (~15 ms of CPU).
  const self = new URL("../../lib/runtime/engine_factory.ts", import.meta.url);
  const seen = await staticImports(self);
  assert.ok([...seen].some((s) => s.endsWith("/lib/tinc/engine.ts")), "walked the graph");
  assert.deepEqual([...seen].filter((s) => s.startsWith("node:")), []);
});
