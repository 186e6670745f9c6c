/**
 * The netlink core shared by null-netlink, tun, tun-old and userv-ipif (secnet netlink.c
 * netlink_init / netlink_inst_create), and `null-netlink` itself.
 *
 * A device with `secnet-address` is a PURE closure; applying it to `{ name; routes; ... }`
 * makes one NETLINK client per site. With `ptp-address` the device dictionary itself holds
 * the client's keys and the device *is* that one NETLINK closure (not invocable).
 *
 * tincture extension: `mode "router" | "switch" | "hub"` on the device (tinc's Mode).
 *
 * @module
 */

import { type ApplyFn, defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import {
  dictFindItem,
  dictReadNumber,
  dictReadString,
  stringListToWord,
  stringToWord,
} from "../conf/read.ts";
import type { List } from "../conf/value.ts";
import { closureList } from "./common.ts";
import {
  IPSET_ALL,
  ipsetIsSubset,
  ipsetToSubnets,
  ipv4ToString,
  stringItemToIpaddr,
  stringListToIpset,
} from "./ipaddr.ts";
import type { NetlinkDeviceSpec, NetlinkSpec, TunSpec, UservSpec } from "./specs.ts";

export const DEFAULT_MTU = 1000;

/** Key in ConfEnv.shared set when a netlink client asked for `options "soft"` (needs root). */
export const SOFT_ROUTES_NEED_ROOT = "netlink:soft-routes-need-root";

const OPTION_TABLE: ReadonlyArray<readonly [string, number]> = [["soft", 1], ["allow-route", 2]];
const MODE_TABLE: ReadonlyArray<readonly [string, number]> = [
  ["router", 0],
  ["switch", 1],
  ["hub", 2],
];

/** What netlink_init read from the device dictionary. */
export interface NetlinkCore {
  /** The closure's description ("null-netlink", "netlink-tun", "netlink-userv-ipif"). */
  readonly description: string;
  readonly name: string;
  readonly networks: readonly string[];
  readonly remoteNetworks: ReturnType<typeof stringListToIpset>;
  readonly localAddress: string;
  readonly secnetAddress: string | null;
  readonly ptpAddress: string | null;
  readonly mtu: number;
  readonly mode: NetlinkDeviceSpec["mode"];
  /** Whether the device can install routes itself (userv-ipif cannot). */
  readonly canSoftRoute: boolean;
}

/** netlink_init's reads, in secnet's order. */
export function netlinkInit(
  d: Dict,
  loc: Loc,
  description: string,
  canSoftRoute: boolean,
): NetlinkCore {
  const name = dictReadString(d, "name", { required: false, loc, facility: description }) ??
    description;
  const nl = d.lookup("networks");
  const networks = nl ? stringListToIpset(nl, "networks") : IPSET_ALL;
  const rl = d.lookup("remote-networks");
  const remoteNetworks = rl ? stringListToIpset(rl, "remote-networks") : IPSET_ALL;
  const o = { required: false, loc, facility: "netlink" };
  const localAddress = stringItemToIpaddr(
    dictFindItem(d, "local-address", { ...o, required: true })!,
    "netlink",
  );
  const sa = dictFindItem(d, "secnet-address", o);
  const ptpa = dictFindItem(d, "ptp-address", o);
  if (sa && ptpa) {
    cfgfatal(
      loc,
      name,
      "you may not specify secnet-address and ptp-address in the same netlink device",
    );
  }
  if (!sa && !ptpa) {
    cfgfatal(loc, name, "you must specify secnet-address or ptp-address for this netlink device");
  }
  const addr = ipv4ToString(stringItemToIpaddr((sa ?? ptpa)!, "netlink"));
  const mtu = dictReadNumber(d, "mtu", { ...o, def: DEFAULT_MTU })!;
  const modeText = dictReadString(d, "mode", { required: false, loc, facility: name });
  const mode = modeText === undefined
    ? "router"
    : (["router", "switch", "hub"] as const)[stringToWord(modeText, loc, MODE_TABLE, name)]!;
  return {
    description,
    name,
    networks: ipsetToSubnets(networks),
    remoteNetworks,
    localAddress: ipv4ToString(localAddress),
    secnetAddress: sa ? addr : null,
    ptpAddress: ptpa ? addr : null,
    mtu,
    mode,
    canSoftRoute,
  };
}

/** netlink_inst_create: one client (site route set) of a device. */
export function netlinkInstCreate(
  core: NetlinkCore,
  device: NetlinkDeviceSpec,
  loc: Loc,
  d: Dict,
): NetlinkSpec {
  const fac = core.name;
  const name = dictReadString(d, "name", { required: true, loc, facility: fac })!;
  const l = d.lookup("routes");
  if (!l) cfgfatal(loc, fac, 'required parameter "routes" not found');
  const routes = stringListToIpset(l, "routes");
  const options = stringListToWord(d.lookup("options") ?? [], OPTION_TABLE, fac);
  const priority = dictReadNumber(d, "priority", { required: false, loc, facility: fac, def: 0 })!;
  const mtu = dictReadNumber(d, "mtu", { required: false, loc, facility: fac, def: 0 })!;
  const soft = (options & 1) !== 0;
  if (soft && !core.canSoftRoute) {
    cfgfatal(loc, fac, "this netlink device does not support soft routes.");
  }
  if (soft) {
    d.env.shared.set(SOFT_ROUTES_NEED_ROOT, true);
    if (core.ptpAddress !== null) {
      cfgfatal(loc, fac, "point-to-point netlinks do not support soft routes.");
    }
  }
  if (!ipsetIsSubset(core.remoteNetworks, routes)) cfgfatal(loc, fac, "routes are not allowed");
  return {
    type: "netlink",
    device,
    name,
    routes: ipsetToSubnets(routes),
    soft,
    allowRoute: (options & 2) !== 0,
    priority,
    mtu: mtu || core.mtu,
  };
}

/**
 * The closure a netlink device evaluates to: PURE and invocable with secnet-address, or the
 * single NETLINK client with ptp-address.
 */
export function netlinkDeviceClosure(
  core: NetlinkCore,
  device: NetlinkDeviceSpec,
  loc: Loc,
  d: Dict,
): List {
  if (core.ptpAddress !== null) {
    const client = netlinkInstCreate(core, device, loc, d);
    return closureList("NETLINK", client.name, client);
  }
  const apply: ApplyFn = (_self, iloc, _context, args) => {
    const item = args[0];
    if (!item || item.type !== "dict") {
      cfgfatal(iloc, core.name, "must have a dictionary argument");
    }
    const client = netlinkInstCreate(core, device, iloc, item.value);
    return closureList("NETLINK", client.name, client);
  };
  return closureList("PURE", core.description, device, apply);
}

export function deviceSpec(
  type: NetlinkDeviceSpec["type"],
  core: NetlinkCore,
  loc: Loc,
  tun: TunSpec | null,
  userv: UservSpec | null,
): NetlinkDeviceSpec {
  return {
    type,
    name: core.name,
    networks: core.networks,
    remoteNetworks: ipsetToSubnets(core.remoteNetworks),
    localAddress: core.localAddress,
    secnetAddress: core.secnetAddress,
    ptpAddress: core.ptpAddress,
    mtu: core.mtu,
    mode: core.mode,
    tun,
    userv,
    loc,
  };
}

export function registerNullNetlink(root: Dict): void {
  defineClosure(root, "null-netlink", (_self, loc, _context, args) => {
    const item = args[0];
    if (!item || item.type !== "dict") {
      cfgfatal(loc, "null-netlink", "parameter must be a dictionary");
    }
    const core = netlinkInit(item.value, loc, "null-netlink", true);
    const device = deviceSpec("null-netlink", core, loc, null, null);
    return netlinkDeviceClosure(core, device, loc, item.value);
  });
}
