/**
 * `site { ... }` → SITE, or an empty list when the site is ignored (secnet site.c
 * site_apply). Keys are read in secnet's order, so the first missing one decides the error.
 *
 * tincture extensions (tinc host options; secnet ignores unknown keys): `indirect-data`,
 * `tcp-only`, `pmtu-discovery`, `clamp-mss`, `connect` (booleans), `weight`, `pmtu`
 * (numbers). And a warning (not an error) when every transform is secnet-only, since a real
 * tincd can then never exchange packets with the site.
 *
 * @module
 */

import { type Closure, type ClosureKind, defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { warn } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import {
  clTypeError,
  dictReadBool,
  dictReadDict,
  dictReadNumber,
  dictReadString,
  dictReadStringArray,
  findClIf,
  type ReadOpts,
  stringListToWord,
} from "../conf/read.ts";
import { closureList, dictArg, specOf } from "./common.ts";
import { commClientInfo } from "./comm.ts";
import { loadPeerKeys } from "./pubkeys.ts";
import type {
  CommSpec,
  DhSpec,
  LogSpec,
  NetlinkSpec,
  PeerKeysSpec,
  PrivCacheSpec,
  RandomSpec,
  ResolverSpec,
  RsaPrivateSpec,
  RsaPublicSpec,
  SiteLogEvent,
  SiteSpec,
  TincSiteOptions,
  TransformSpec,
} from "./specs.ts";

const EVENTS: readonly SiteLogEvent[] = [
  "unexpected",
  "setup-init",
  "setup-timeout",
  "activate-key",
  "timeout-key",
  "security",
  "state-change",
  "packet-drop",
  "dump-packets",
  "errors",
  "peer-addrs",
  "sigkeys",
];
const bit = (e: SiteLogEvent) => 1 << EVENTS.indexOf(e);
const LOG_EVENT_TABLE: ReadonlyArray<readonly [string, number]> = [
  ...EVENTS.map((e) => [e, bit(e)] as const),
  [
    "default",
    bit("setup-init") | bit("setup-timeout") | bit("activate-key") | bit("timeout-key") |
    bit("security") | bit("errors") | bit("sigkeys"),
  ],
  ["all", 0xffffffff | 0],
];

const DEFAULTS = {
  keyLifetime: 3600 * 1000,
  renegotiateGap: 5 * 60 * 1000,
  setupRetries: 5,
  setupTimeout: 2 * 1000,
  waitTime: 20 * 1000,
};
const MOBILE_DEFAULTS = {
  keyLifetime: 2 * 24 * 3600 * 1000,
  renegotiateGap: 12 * 3600 * 1000,
  setupRetries: 30,
  setupTimeout: 1000,
  waitTime: 10 * 1000,
};
const DEFAULT_MOBILE_PEER_EXPIRY = 2 * 60;
const MAX_PEER_ADDRS = 5;

/** GET_CLOSURE_LIST: one or more closures of KIND under KEY. */
function closureList_(d: Dict, key: string, kind: ClosureKind, loc: Loc): Closure[] {
  const l = d.lookup(key);
  if (!l) cfgfatal(loc, "site", `closure list "${key}" not found`);
  return l.map((item) => {
    if (item.type !== "closure") cfgfatal(loc, "site", `${key} is not a closure`);
    if (item.value.kind !== kind) clTypeError(loc, "site", item.value, kind, key);
    return item.value;
  });
}

function tincOptions(d: Dict, o: ReadOpts): TincSiteOptions {
  const b = (k: string) => dictReadBool(d, k, o) ?? null;
  const n = (k: string) => dictReadNumber(d, k, o) ?? null;
  return {
    indirectData: b("indirect-data"),
    tcpOnly: b("tcp-only"),
    pmtuDiscovery: b("pmtu-discovery"),
    clampMss: b("clamp-mss"),
    weight: n("weight"),
    pmtu: n("pmtu"),
    connect: b("connect") ?? true,
  };
}

export function registerSite(root: Dict): void {
  defineClosure(root, "site", (_self, loc, context, args) => {
    const env = context.env;
    const d = dictArg(args, loc, "site", "parameter must be a dictionary");
    const o: ReadOpts = { required: true, loc, facility: "site" };
    const opt: ReadOpts = { ...o, required: false };
    const log = specOf<LogSpec>(findClIf(d, "log", "LOG", o)!);
    const events = stringListToWord(d.lookup("log-events") ?? [], LOG_EVENT_TABLE, "site");
    const logEvents = EVENTS.filter((e) => events & bit(e));
    const localName = dictReadString(d, "local-name", o)!;
    const name = dictReadString(d, "name", o)!;
    const tunname = `${localName}<->${name}`;
    const keepalive = dictReadBool(d, "keepalive", { ...opt, def: false })!;
    const mobile = dictReadBool(d, "mobile", { ...opt, def: false })!;
    const localMobile = dictReadBool(d, "local-mobile", { ...opt, def: false })!;

    if (localName === name) {
      warn(env, loc, "site", `site ${localName}: local-name==name -> ignoring this site`, "debug");
      if (mobile !== localMobile) {
        cfgfatal(
          loc,
          "site",
          `site ${localName}'s peer-mobile=${+mobile} but our local-mobile=${+localMobile}`,
        );
      }
      return [];
    }
    if (mobile && localMobile) {
      warn(env, loc, "site", `site ${name}: site is mobile but so are we -> ignoring this site`);
      return [];
    }

    const link = specOf<NetlinkSpec>(findClIf(d, "link", "NETLINK", o)!);
    const comms = closureList_(d, "comm", "COMM", loc).map((c) => specOf<CommSpec>(c));
    const comminfo = dictReadDict(d, "comm-info", opt);
    const commInfo = comms.map((c) => comminfo ? commClientInfo(c, comminfo, loc) : null);
    const resolver = specOf<ResolverSpec>(findClIf(d, "resolver", "RESOLVER", o)!);
    const random = specOf<RandomSpec>(findClIf(d, "random", "RANDOMSRC", o)!);
    const kc = findClIf(d, "key-cache", "PRIVCACHE", opt);
    const keyCache = kc ? specOf<PrivCacheSpec>(kc) : null;
    const localKey = kc ? null : specOf<RsaPrivateSpec>(findClIf(d, "local-key", "SIGPRIVKEY", o)!);
    const fixed = findClIf(d, "key", "SIGPUBKEY", opt);
    const peerKeysPath = dictReadString(d, "peer-keys", { ...o, required: fixed === undefined });
    let peerKeys: PeerKeysSpec | null = null;
    if (peerKeysPath !== undefined) {
      peerKeys = loadPeerKeys(env, peerKeysPath, tunname);
    } else if (logEvents.includes("sigkeys")) {
      warn(env, loc, tunname, "using old-style fixed peer public key (no `peer-keys')", "info");
    }
    const key = peerKeysPath === undefined && fixed ? specOf<RsaPublicSpec>(fixed) : null;

    const addresses = dictReadStringArray(d, "address", opt);
    const port = addresses ? dictReadNumber(d, "port", { ...o, def: 0 })! : null;
    const transforms = closureList_(d, "transform", "TRANSFORM", loc).map((c) =>
      specOf<TransformSpec>(c)
    );
    const dh = specOf<DhSpec>(findClIf(d, "dh", "DH", o)!);

    const D = mobile || localMobile ? MOBILE_DEFAULTS : DEFAULTS;
    const num = (k: string, def: number) => dictReadNumber(d, k, { ...opt, def })!;
    const keyLifetime = num("key-lifetime", D.keyLifetime);
    const setupRetries = num("setup-retries", D.setupRetries);
    const setupTimeout = num("setup-timeout", D.setupTimeout);
    const waitTime = num("wait-time", D.waitTime);
    const mtuTarget = num("mtu-target", 0);
    const mobilePeerExpiry = num("mobile-peer-expiry", DEFAULT_MOBILE_PEER_EXPIRY);
    const peersKey = mobile ? "mobile-peers-max" : "static-peers-max";
    const peersMax = num(peersKey, addresses ? 4 : 3);
    if (peersMax < 1 || peersMax > MAX_PEER_ADDRS) {
      cfgfatal(loc, "site", `${peersKey} must be in range 1..${MAX_PEER_ADDRS}`);
    }
    const defRenegotiate = keyLifetime < D.renegotiateGap * 2
      ? Math.floor(keyLifetime / 2)
      : keyLifetime - D.renegotiateGap;
    const renegotiateTime = num("renegotiate-time", defRenegotiate);
    if (renegotiateTime > keyLifetime) {
      cfgfatal(loc, "site", "renegotiate-time must be less than key-lifetime");
    }

    // Capability bits: reuse is only logged (as a site error event).
    let capabilities = 0;
    for (const t of transforms) {
      if (t.type === "tinc") continue;
      const flag = 2 ** t.capabNum;
      if ((capabilities & flag) && logEvents.includes("errors")) {
        warn(
          env,
          loc,
          tunname,
          `capability bit ${t.capabNum} (0x${flag.toString(16)}) reused`,
          "error",
        );
      }
      capabilities |= flag;
    }
    if (transforms.every((t) => t.type !== "tinc")) {
      warn(
        env,
        loc,
        "site",
        `site ${name}: only secnet transforms (eax-serpent, serpent256-cbc); ` +
          "a real tincd cannot exchange packets with it (add tinc-transform { })",
      );
    }

    const spec: SiteSpec = {
      type: "site",
      localName,
      name,
      log,
      logEvents,
      keepalive,
      mobile,
      localMobile,
      link,
      comms,
      resolver,
      random,
      localKey,
      keyCache,
      key,
      peerKeys,
      addresses: addresses ?? [],
      port,
      commInfo,
      transforms,
      dh,
      keyLifetime,
      setupRetries,
      setupTimeout,
      waitTime,
      renegotiateTime,
      mtuTarget: mtuTarget || link.mtu,
      mobilePeerExpiry,
      peersMax,
      tinc: tincOptions(d, opt),
    };
    return closureList("SITE", "site", spec);
  });
}
