import assert from "node:assert/strict";
import { parseTincConfig, tincDirToSecnet } from "../../bench/tinc2secnet.ts";
import { evaluateConfig } from "../../lib/conf/evaluate.ts";
import { ConfHostError } from "../../lib/conf/host.ts";
import { buildMeshConfig } from "../../lib/runtime/mesh_config.ts";

function pem(label: string, der: ArrayBuffer): string {
  const b64 = btoa(String.fromCharCode(...new Uint8Array(der))).replace(/(.{64})/g, "$1\n");
  return `-----BEGIN ${label}-----\n${b64}\n-----END ${label}-----\n`;
}

async function keyPair(): Promise<{ priv: string; pub: string }> {
  const k = await crypto.subtle.generateKey(
    {
      name: "RSASSA-PKCS1-v1_5",
      modulusLength: 1024,
      publicExponent: new Uint8Array([1, 0, 1]),
      hash: "SHA-256",
    },
    true,
    ["sign", "verify"],
  );
  return {
    priv: pem("PRIVATE KEY", await crypto.subtle.exportKey("pkcs8", k.privateKey)),
    pub: pem("PUBLIC KEY", await crypto.subtle.exportKey("spki", k.publicKey)),
  };
}

Deno.test("parseTincConfig() reads both syntaxes, any case, and skips PEM blocks", () => {
  const c = parseTincConfig(
    "Name = a\nconnectto b\n# comment\nConnectTo=c\r\n-----BEGIN RSA PUBLIC KEY-----\nX = 1\n" +
      "-----END RSA PUBLIC KEY-----\nPort 656\n",
  );
  assert.deepEqual(c.get("name"), ["a"]);
  assert.deepEqual(c.get("connectto"), ["b", "c"]);
  assert.deepEqual(c.get("port"), ["656"]);
  assert.equal(c.get("x"), undefined);
});

Deno.test("tincDirToSecnet() gives tincture the node tincd would run", async () => {
  const dir = await Deno.makeTempDir({ prefix: "tt-t2s-" });
  try {
    const a = await keyPair(), b = await keyPair();
    await Deno.mkdir(`${dir}/hosts`);
    await Deno.writeTextFile(
      `${dir}/tinc.conf`,
      "Name = a\nConnectTo = b\nInterface = tinc0\nMode = router\nKeyExpire = 30\n",
    );
    await Deno.writeTextFile(`${dir}/rsa_key.priv`, a.priv);
    await Deno.writeTextFile(
      `${dir}/hosts/a`,
      `Address = 192.0.2.1\nPort = 655\nSubnet = 10.99.0.1/32\nCipher = aes-128-cbc\n\n${a.pub}`,
    );
    await Deno.writeTextFile(
      `${dir}/hosts/b`,
      `Address = 192.0.2.2\nPort = 656\nSubnet = 10.99.0.2/32\nTCPOnly = yes\n\n${b.pub}`,
    );
    const text = tincDirToSecnet(dir, { overlay: "10.99.0.1" });
    const host = {
      cwd: dir,
      readFile(p: string) {
        if (p === "/dev/urandom") return new Uint8Array(1);
        try {
          return Deno.readFileSync(p);
        } catch {
          throw new ConfHostError("ENOENT", p);
        }
      },
    };
    const { root } = evaluateConfig(text, { file: "secnet.conf", host });
    const m = buildMeshConfig(root);
    assert.equal(m.engine.name, "a");
    assert.equal(m.engine.port, 655);
    assert.equal(m.engine.keyExpire, 30);
    assert.deepEqual(m.engine.subnets, ["10.99.0.1/32"]);
    assert.equal(m.device.ifname, "tinc0");
    assert.equal(m.device.mtu, 1500);
    const [hb] = m.engine.hosts;
    assert.equal(hb!.name, "b");
    assert.deepEqual(hb!.addresses, [{ host: "192.0.2.2", port: 656 }]);
    assert.equal(hb!.connectTo, true);
    assert.equal(hb!.tcpOnly, true);
    assert.deepEqual(hb!.allowedSubnets, ["10.99.0.2/32"]);
    // our own Cipher is what peers must use towards us
    assert.equal(hb!.transform.cipher, "aes-128-cbc");
    assert.equal(hb!.transform.macLength, 4);
  } finally {
    await Deno.remove(dir, { recursive: true });
  }
});
