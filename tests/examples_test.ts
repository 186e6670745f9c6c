/**
 * The example mesh (examples/): every node passes tincture's -j, evaluates to the intended
 * specs, agrees with its tinc key files, and (with the "#ext:" lines swapped for their
 * secnet equivalents) passes the real secnet 0.6.7's -j when it is installed.
 */
import assert from "node:assert/strict";
import { evaluateConfig } from "../lib/conf/evaluate.ts";
import { type ConfHost, ConfHostError } from "../lib/conf/host.ts";
import {
  findHostsFilePublicKey,
  parseRsaPrivateKeyPem,
  parseSsh1PrivateKey,
} from "../lib/crypto/rsa_key.ts";
import type { SiteSpec, TincTransformSpec } from "../lib/modules/specs.ts";

const EXAMPLES = new URL("../examples/", import.meta.url).pathname;
const ROOT = new URL("../", import.meta.url).pathname;
const NODES = ["alpha", "beta", "gamma"] as const;
const DENO = Deno.execPath();

/** A ConfHost whose current directory is examples/. */
function examplesHost(): ConfHost {
  const abs = (p: string) => p.startsWith("/") ? p : EXAMPLES + p;
  const wrap = <T>(p: string, f: () => T): T => {
    try {
      return f();
    } catch (e) {
      throw new ConfHostError(e instanceof Deno.errors.NotFound ? "ENOENT" : "EACCES", p);
    }
  };
  return {
    cwd: EXAMPLES,
    readFile: (p) => wrap(p, () => Deno.readFileSync(abs(p))),
    checkReadable: (p) => wrap(p, () => Deno.openSync(abs(p)).close()),
  };
}

function sitesOf(node: string): SiteSpec[] {
  const text = Deno.readFileSync(`${EXAMPLES}${node}/secnet.conf`);
  const { root } = evaluateConfig(text, { file: `${node}/secnet.conf`, host: examplesHost() });
  return (root.lookup("sites") ?? []).map((i) => {
    assert.equal(i.type, "closure");
    return (i.value as { spec: SiteSpec }).spec;
  });
}

for (const node of NODES) {
  Deno.test(`examples: ${node} passes tincture -j`, async () => {
    const out = await new Deno.Command(DENO, {
      args: ["run", "-A", "--quiet", `${ROOT}main.ts`, "-j", "-c", `${node}/secnet.conf`],
      cwd: EXAMPLES,
      stdout: "piped",
      stderr: "piped",
    }).output();
    const err = new TextDecoder().decode(out.stderr);
    assert.equal(out.code, 0, err);
    assert.doesNotMatch(err, /error/i);
  });

  Deno.test(`examples: ${node} evaluates to two sites with tinc transforms and matching keys`, () => {
    const sites = sitesOf(node);
    const others = NODES.filter((n) => n !== node);
    assert.deepEqual(sites.map((s) => s.name).sort(), [...others]);
    for (const s of sites) {
      assert.equal(s.localName, node);
      assert.equal(s.port, 655);
      const t = s.transforms[0] as TincTransformSpec;
      assert.deepEqual(t, {
        type: "tinc",
        cipher: "aes-256-cbc",
        digest: "sha256",
        macLength: 4,
        compression: 0,
      });
      assert.equal(s.link.device.networks[0], `10.77.${NODES.indexOf(node) + 1}.0/24`);
      assert.deepEqual(s.link.routes, [`10.77.${NODES.indexOf(s.name as typeof node) + 1}.0/24`]);
      // the peer's key is the one in its tinc hosts file
      const hosts = Deno.readTextFileSync(`${EXAMPLES}keys/hosts/${s.name}`);
      assert.equal(s.key?.key.n, findHostsFilePublicKey(hosts)?.n);
      assert.equal(
        s.localKey?.key.n,
        findHostsFilePublicKey(
          Deno.readTextFileSync(`${EXAMPLES}keys/hosts/${node}`),
        )?.n,
      );
    }
  });
}

Deno.test("examples: the PEM and SSH-1 copies of each key are the same key", () => {
  for (const node of NODES) {
    const pem = parseRsaPrivateKeyPem(Deno.readTextFileSync(`${EXAMPLES}keys/${node}.priv`));
    const ssh1 = parseSsh1PrivateKey(Deno.readFileSync(`${EXAMPLES}keys/${node}.key`));
    assert.equal(pem.n, ssh1.n);
    assert.equal(pem.d, ssh1.d);
  }
});

const SECNET = "/usr/sbin/secnet";
const haveSecnet = (() => {
  try {
    return Deno.statSync(SECNET).isFile;
  } catch {
    return false;
  }
})();

Deno.test({
  name: "examples: with #ext: lines swapped, the real secnet 0.6.7 accepts every node",
  ignore: !haveSecnet,
  async fn() {
    const dir = await Deno.makeTempDir({ prefix: "tincture-examples-" });
    try {
      await new Deno.Command("cp", { args: ["-r", `${EXAMPLES}.`, dir] }).output();
      for (const f of ["sites.conf", ...NODES.map((n) => `${n}/secnet.conf`)]) {
        const p = `${dir}/${f}`;
        const lines = Deno.readTextFileSync(p).split("\n").map((l) => {
          const m = /^[^#].*#ext: ?(.*)$/.exec(l);
          return m ? m[1]! : l;
        });
        Deno.writeTextFileSync(p, lines.join("\n"));
      }
      for (const node of NODES) {
        const out = await new Deno.Command(SECNET, {
          args: ["-j", "-c", `${node}/secnet.conf`],
          cwd: dir,
          stdout: "piped",
          stderr: "piped",
        }).output();
        assert.equal(out.code, 0, `${node}: ${new TextDecoder().decode(out.stderr)}`);
      }
    } finally {
      await Deno.remove(dir, { recursive: true });
    }
  },
});
