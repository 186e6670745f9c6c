/**
 * `tun { ... }` and `tun-old { ... }` netlink devices (secnet tun.c tun_create). Nothing is
 * opened during evaluation; the flavour "guess" resolves to linux (tincture runs on Linux).
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { warn } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import { dictReadBool, dictReadString, findClIf, stringToWord } from "../conf/read.ts";
import type { List } from "../conf/value.ts";
import { specOf } from "./common.ts";
import { deviceSpec, netlinkDeviceClosure, netlinkInit, netlinkInstCreate } from "./netlink.ts";
import type { BufferSpec, TunSpec } from "./specs.ts";

const GUESS = 0, BSD = 1, LINUX = 2, STREAMS = 3;
const FLAVOURS: ReadonlyArray<readonly [string, number]> = [
  ["guess", GUESS],
  ["bsd", BSD],
  ["BSD", BSD],
  ["linux", LINUX],
  ["streams", STREAMS],
  ["STREAMS", STREAMS],
];
const C_GUESS = 0, C_IOCTL = 1, C_BSD = 2, C_LINUX = 3, C_SOLARIS = 4;
const CONFIG_TYPES: ReadonlyArray<readonly [string, number]> = [
  ["guess", C_GUESS],
  ["ioctl", C_IOCTL],
  ["bsd", C_BSD],
  ["BSD", C_BSD],
  ["linux", C_LINUX],
  ["solaris-2.5", C_SOLARIS],
];
const CONFIG_NAMES = ["guess", "ioctl", "bsd", "linux", "solaris-2.5"] as const;

function tunCreate(loc: Loc, args: List, defaultFlavour: number): List {
  const item = args[0];
  if (!item || item.type !== "dict") cfgfatal(loc, "tun", "parameter must be a dictionary");
  const d: Dict = item.value;
  const core = netlinkInit(d, loc, "netlink-tun", true);
  // secnet creates the point-to-point client inside netlink_init, before tun's own keys.
  if (core.ptpAddress !== null) {
    netlinkInstCreate(core, deviceSpec("tun", core, loc, null, null), loc, d);
  }
  const o = { required: false, loc, facility: "tun-netlink" };
  // An optional word option (string_to_word on its string), else `def`.
  const word = (key: string, table: typeof FLAVOURS, facility: string, def: number): number => {
    const text = dictReadString(d, key, o);
    return text === undefined ? def : stringToWord(text, loc, table, facility);
  };
  let flavour = word("flavour", FLAVOURS, "tun-flavour", defaultFlavour);
  const device = dictReadString(d, "device", o);
  const ipPath = dictReadString(d, "ip-path", o);
  const iface = dictReadString(d, "interface", o);
  const search = dictReadBool(d, "interface-search", { ...o, def: device === undefined })!;
  let ifconfigType = word("ifconfig-type", CONFIG_TYPES, "ifconfig-type", C_GUESS);
  const ifconfigPath = dictReadString(d, "ifconfig-path", o);
  let routeType = word("route-type", CONFIG_TYPES, "route-type", C_GUESS);
  const routePath = dictReadString(d, "route-path", o);
  const buffer = specOf<BufferSpec>(
    findClIf(d, "buffer", "BUFFER", { required: true, loc, facility: "tun-netlink" })!,
  );

  if (flavour === GUESS) flavour = LINUX; // uname() says Linux
  if (ifconfigType === C_GUESS) ifconfigType = flavour === STREAMS ? C_BSD : C_IOCTL;
  if (routeType === C_GUESS) routeType = ifconfigType;
  if (ifconfigType === C_IOCTL && ifconfigPath !== undefined) {
    cfgfatal(loc, "tun", 'ifconfig-type "ioctl" is incompatible with ifconfig-path');
  }
  if (routeType === C_IOCTL && routePath !== undefined) {
    cfgfatal(loc, "tun", 'route-type "ioctl" is incompatible with route-path');
  }
  if (flavour === STREAMS && iface !== undefined) {
    cfgfatal(loc, "tun", "interface name cannot be specified with STREAMS TUN");
  }
  if (flavour === STREAMS) {
    cfgfatal(loc, "tun", "TUN flavour STREAMS unsupported in this build of secnet");
  }
  if (flavour === BSD) {
    if (search && iface !== undefined) {
      cfgfatal(loc, "tun", "you may not specify an interface name in interface-search mode");
    }
    if (!search && iface === undefined) {
      cfgfatal(
        loc,
        "tun",
        "you must specify an interface name when you explicitly specify a TUN device file",
      );
    }
  }
  const tun: TunSpec = {
    flavour: flavour === BSD ? "bsd" : "linux",
    device: device ?? (flavour === BSD ? "/dev/tun" : "/dev/net/tun"),
    interface: iface ?? null,
    interfaceSearch: search,
    ifconfigType: CONFIG_NAMES[ifconfigType] as TunSpec["ifconfigType"],
    routeType: CONFIG_NAMES[routeType] as TunSpec["routeType"],
    ifconfigPath: ifconfigPath ?? "ifconfig",
    routePath: routePath ?? "route",
    ipPath: ipPath ?? "/dev/ip",
    buffer,
  };
  return netlinkDeviceClosure(core, deviceSpec("tun", core, loc, tun, null), loc, d);
}

export function registerTun(root: Dict): void {
  defineClosure(root, "tun", (_self, loc, _context, args) => tunCreate(loc, args, GUESS));
  defineClosure(root, "tun-old", (_self, loc, context, args) => {
    warn(
      context.env,
      loc,
      "tun-old",
      'obsolete use of tun-old; replace with tun and specify flavour "bsd".',
    );
    return tunCreate(loc, args, BSD);
  });
}
