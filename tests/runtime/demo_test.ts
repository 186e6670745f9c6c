import assert from "node:assert/strict";
import { echoFrame, parseEcho, runDemo } from "../../lib/runtime/demo.ts";
import { skipUnlessPrivileged } from "../support/netns.ts";

const ip = (s: string) => Uint8Array.from(s.split(".").map(Number));

function sum16(b: Uint8Array, off: number, len: number): number {
  let s = 0;
  for (let i = 0; i < len; i += 2) s += (b[off + i]! << 8) | b[off + i + 1]!;
  while (s > 0xffff) s = (s & 0xffff) + (s >>> 16);
  return s;
}

Deno.test("echoFrame() builds a valid IPv4 ICMP echo that parseEcho() reads back", () => {
  const f = echoFrame(ip("10.77.1.1"), ip("10.77.2.1"), 8, 0x1234, 7);
  assert.equal(f.length, 14 + 84);
  // both checksums verify (the one's-complement sum over the header is 0xffff)
  assert.equal(sum16(f, 14, 20), 0xffff);
  assert.equal(sum16(f, 34, 64), 0xffff);
  const e = parseEcho(f)!;
  assert.deepEqual([...e.src], [10, 77, 1, 1]);
  assert.deepEqual([...e.dst], [10, 77, 2, 1]);
  assert.deepEqual([e.type, e.id, e.seq], [8, 0x1234, 7]);
  const notIcmp = f.slice();
  notIcmp[23] = 17;
  assert.equal(parseEcho(notIcmp), null);
});

Deno.test("runDemo(--memory) brings up alpha/beta/gamma and pings across", async () => {
  const lines: string[] = [];
  const code = await runDemo(["--memory"], (l) => lines.push(l));
  const text = lines.join("\n");
  assert.equal(code, 0, text);
  for (const hop of ["alpha -> beta", "alpha -> gamma", "beta -> gamma", "gamma -> alpha"]) {
    assert.match(text, new RegExp(`${hop} \\(10\\.77\\.\\d\\.1\\): time=\\d+ ms`));
  }
  // the state dump: every node sees the other two reachable with valid keys
  assert.equal((text.match(/reachable nexthop \w+ via \w+ distance 1 key valid/g) ?? []).length, 6);
});

Deno.test({
  name: "runDemo() as root runs the mesh in network namespaces and cleans up",
  ignore: skipUnlessPrivileged({ tun: true }),
  async fn() {
    const before = await netnsList();
    const lines: string[] = [];
    const code = await runDemo([], (l) => lines.push(l));
    const text = lines.join("\n");
    assert.equal(code, 0, text);
    assert.match(text, /Started tincture alpha \(pid \d+\)/);
    assert.match(text, /alpha -> gamma \(10\.77\.3\.1\): time=[\d.]+ ms/);
    assert.match(text, /Done\./);
    assert.deepEqual(
      (await netnsList()).filter((n) => n.startsWith("tt-demo")),
      before.filter((n) => n.startsWith("tt-demo")),
    );
  },
});

async function netnsList(): Promise<string[]> {
  const out = await new Deno.Command("ip", { args: ["netns", "list"], stdout: "piped" }).output();
  return new TextDecoder().decode(out.stdout).split("\n").map((l) => l.split(" ")[0]!).filter(
    Boolean,
  );
}

Deno.test({
  name: "runDemo(--tincd beta) runs the example mesh with a real tincd as beta",
  ignore: skipUnlessPrivileged({ tun: true, tincd: true }),
  async fn() {
    const lines: string[] = [];
    const code = await runDemo(["--tincd", "beta"], (l) => lines.push(l));
    const text = lines.join("\n");
    assert.equal(code, 0, text);
    assert.match(text, /Started a real tincd 1\.0 as beta/);
    for (const hop of ["alpha -> beta", "beta -> gamma", "gamma -> alpha"]) {
      assert.match(text, new RegExp(`${hop} \\(10\\.77\\.\\d\\.1\\): time=[\\d.]+ ms`));
    }
    // the tincture nodes see beta (tincd) reachable with a valid key
    assert.match(text, /beta at 192\.0\.2\.2:655 .* reachable .* key valid/);
  },
});

Deno.test("runDemo() refuses an unknown node for --tincd and unknown arguments", async () => {
  const lines: string[] = [];
  assert.equal(await runDemo(["--tincd", "delta"], (l) => lines.push(l)), 2);
  assert.equal(await runDemo(["--frobnicate"], (l) => lines.push(l)), 2);
  assert.match(lines.join("\n"), /--tincd wants one of alpha, beta, gamma/);
});
