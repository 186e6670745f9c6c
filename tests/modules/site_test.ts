import assert from "node:assert/strict";
import { formatSsh1PrivateKey } from "../../lib/crypto/rsa_key.ts";
import { base91sEncode } from "../../lib/modules/base91s.ts";
import type { SiteSpec } from "../../lib/modules/specs.ts";
import { assertError, DH_PRIME, evalConf, rejects, specAt, TOY_KEY } from "./_helpers.ts";

const files = {
  "alpha.key": formatSsh1PrivateKey(TOY_KEY, "alpha"),
  "beta.peer": `# peer keys\nserial 00000001\npkg 00000000\npub rsa1 ${
    base91sEncode(new TextEncoder().encode(`128 65537 ${TOY_KEY.n} beta`))
  }\n`,
};

const BASE = `log logfile { class "default"; };
resolver adns { };
random randomfile("alpha.key");
netlink null-netlink { name "nl"; local-address "10.0.0.1"; secnet-address "10.0.0.2"; remote-networks "10.9.0.0/16"; mtu 1400; };
comm udp { port 655; buffer sysbuffer(); };
local-name "alpha";
local-key rsa-private("alpha.key");
dh diffie-hellman("${DH_PRIME}", "2");
transform eax-serpent { }, serpent256-cbc { };
`;
const KEY = `key rsa-public("65537", "${TOY_KEY.n}");`;
const site = (body: string) =>
  `${BASE}s = site {\n  name "beta";\n  link netlink { routes "10.9.1.0/24"; };\n  ${body}\n};\n`;

Deno.test("site: full spec with secnet's defaults", () => {
  const { root } = evalConf(site(`${KEY} address "[192.0.2.2]"; port 655;`), files);
  const s = specAt<SiteSpec>(root, "s");
  assert.equal(s.localName, "alpha");
  assert.equal(s.name, "beta");
  assert.deepEqual(s.link.routes, ["10.9.1.0/24"]);
  assert.equal(s.comms[0]?.type, "udp");
  assert.equal(s.key?.key.n, TOY_KEY.n);
  assert.equal(s.localKey?.key.n, TOY_KEY.n);
  assert.deepEqual(s.addresses, ["[192.0.2.2]"]);
  assert.equal(s.port, 655);
  assert.equal(s.keyLifetime, 3600000);
  assert.equal(s.renegotiateTime, 3600000 - 300000);
  assert.equal(s.setupRetries, 5);
  assert.equal(s.peersMax, 4);
  assert.equal(s.mtuTarget, 1400);
  assert.deepEqual(s.transforms.map((t) => t.type), ["eax-serpent", "serpent256-cbc"]);
  assert.deepEqual(s.tinc, {
    indirectData: null,
    tcpOnly: null,
    pmtuDiscovery: null,
    clampMss: null,
    weight: null,
    pmtu: null,
    connect: true,
  });
});

Deno.test("site: mobile defaults, renegotiate-time rule, peer-keys file", () => {
  const { root } = evalConf(
    site(`peer-keys "beta.peer"; mobile true; key-lifetime 100000;`),
    files,
  );
  const s = specAt<SiteSpec>(root, "s");
  assert.equal(s.key, null);
  assert.equal(s.peerKeys?.keys[0]?.n, TOY_KEY.n);
  assert.equal(s.setupRetries, 30);
  assert.equal(s.renegotiateTime, 50000); // lifetime < 2 * 12h gap: half of it
  assert.equal(s.peersMax, 3);
  const { diagnostics } = evalConf(site(`peer-keys "nosuch.peer";`), files);
  assert.ok(diagnostics.some((d) => /could not open keyset file nosuch.peer/.test(d.message)));
});

Deno.test("site: ignored sites (self, both mobile) evaluate to nothing", () => {
  const self = evalConf(
    site(`${KEY} local-name "beta";`).replace('local-name "alpha";\n', ""),
    files,
  );
  assert.equal(self.root.lookup("s"), undefined);
  const both = evalConf(site(`${KEY} mobile true; local-mobile true;`), files);
  assert.equal(both.root.lookup("s"), undefined);
  assert.ok(both.diagnostics.some((d) => /site is mobile but so are we/.test(d.message)));
  assertError(
    rejects(
      site(`${KEY} mobile true;`).replace('local-name "alpha";', 'local-name "beta";'),
      files,
    ),
    "site",
    "site beta's peer-mobile=1 but our local-mobile=0",
  );
});

Deno.test("site: the first missing key decides the error, at the closing brace", () => {
  const e = rejects(site(KEY).replace("log logfile", "lg logfile"), files);
  assertError(e, "site", 'required parameter "log" not found', 14);
  assertError(rejects(site(""), files), "site", 'required parameter "peer-keys" not found');
  assertError(
    rejects(site(KEY).replace("transform eax", "tx eax"), files),
    "site",
    'closure list "transform" not found',
  );
  assertError(
    rejects(site(`${KEY} address "[1.2.3.4]";`), files),
    "site",
    'required parameter "port" not found',
  );
  assertError(
    rejects(site(`${KEY} static-peers-max 6;`), files),
    "site",
    "static-peers-max must be in range 1..5",
  );
  assertError(
    rejects(site(`${KEY} key-lifetime 1000; renegotiate-time 1001;`), files),
    "site",
    "renegotiate-time must be less than key-lifetime",
  );
  assertError(
    rejects(site(`${KEY} log-events "bogus";`), files),
    "site",
    'option "bogus" not known',
  );
  assertError(
    rejects(
      site(`${KEY} comm-info { dedicated-interface-addr "x"; };`).replace(
        "comm udp {",
        "comm polypath {",
      ),
      files,
    ),
    "polypath",
    /invalid IP/,
  );
  assertError(
    rejects(site(`${KEY}`).replace("dh diffie", "dh 5; x diffie"), files),
    "site",
    '"dh" must be a closure',
  );
  assertError(
    rejects(site(KEY).replace("comm udp", "comm 5, udp"), files),
    "site",
    "comm is not a closure",
  );
  assertError(rejects(`${BASE}s = site(1);`, files), "site", "parameter must be a dictionary");
});

Deno.test("site: tinc extension keys, capab reuse and the secnet-only warning", () => {
  const { root, diagnostics } = evalConf(
    site(
      `${KEY} tcp-only true; weight 10; pmtu 1400; connect false; log-events "errors"; transform eax-serpent { }, eax-serpent { };`,
    )
      .replace("transform eax-serpent { }, serpent256-cbc { };\n", ""),
    files,
  );
  const s = specAt<SiteSpec>(root, "s");
  assert.equal(s.tinc.tcpOnly, true);
  assert.equal(s.tinc.weight, 10);
  assert.equal(s.tinc.connect, false);
  assert.ok(diagnostics.some((d) => d.message === "capability bit 9 (0x200) reused"));
  assert.ok(diagnostics.some((d) => /only secnet transforms/.test(d.message)));
  const t = evalConf(
    site(`${KEY} transform tinc-transform { }, eax-serpent { };`).replace(
      "transform eax-serpent { }, serpent256-cbc { };\n",
      "",
    ),
    files,
  );
  assert.ok(!t.diagnostics.some((d) => /only secnet transforms/.test(d.message)));
  assertError(rejects(site(`${KEY} tcp-only 1;`), files), "site", '"tcp-only" must be a boolean');
});
