/**
 * `udp { ... }` and `polypath { ... }` → COMM (secnet udp.c, polypath.c, comm-common.h).
 * Nothing is bound during evaluation; the spec says what the daemon will bind.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import {
  dictFindItem,
  dictReadBool,
  dictReadNumber,
  dictReadString,
  dictReadStringArray,
  findClIf,
} from "../conf/read.ts";
import type { List } from "../conf/value.ts";
import { closureList, dictArg, specOf } from "./common.ts";
import { ipv4ToString, stringItemToIaddr, stringItemToIpaddr } from "./ipaddr.ts";
import type { BufferSpec, CommSpec, IpAddressSpec, PolypathSpec, UdpSpec } from "./specs.ts";

const UDP_MAX_SOCKETS = 3;

/** COMM_APPLY_STANDARD + UDP_APPLY_STANDARD: the dict, buffer, authbind and port. */
function commStandard(args: List, loc: Loc, desc: "udp" | "polypath") {
  const d = dictArg(args, loc, desc, "first argument must be a dictionary");
  const buffer = specOf<BufferSpec>(
    findClIf(d, "buffer", "BUFFER", { required: true, loc, facility: desc })!,
  );
  // UDP_APPLY_STANDARD reads these with the facility "udp" for polypath too.
  const authbind = dictReadString(d, "authbind", { required: false, loc, facility: "udp" });
  const port = dictReadNumber(d, "port", { required: false, loc, facility: "udp", def: 0 })!;
  return { d, buffer, authbind: authbind ?? null, port };
}

type FnmatchResult = "match" | "nomatch";

/** fnmatch(pattern, name, 0): `*`, `?`, `[...]` (with `!`/`^`, ranges) and `\` escapes. */
export function fnmatch(pattern: string, name: string): FnmatchResult {
  const rec = (pi: number, ni: number): boolean => {
    while (pi < pattern.length) {
      const c = pattern[pi]!;
      if (c === "*") {
        while (pattern[pi] === "*") pi++;
        if (pi === pattern.length) return true;
        for (let k = ni; k <= name.length; k++) if (rec(pi, k)) return true;
        return false;
      }
      if (ni >= name.length) return false;
      if (c === "?") {
        pi++;
        ni++;
        continue;
      }
      if (c === "[") {
        const end = bracketEnd(pattern, pi);
        if (end > 0) {
          if (!bracketMatch(pattern.slice(pi + 1, end), name[ni]!)) return false;
          pi = end + 1;
          ni++;
          continue;
        }
      }
      let lit = c;
      if (c === "\\" && pi + 1 < pattern.length) lit = pattern[++pi]!;
      if (lit !== name[ni]) return false;
      pi++;
      ni++;
    }
    return ni === name.length;
  };
  return rec(0, 0) ? "match" : "nomatch";
}

function bracketEnd(p: string, start: number): number {
  let i = start + 1;
  if (p[i] === "!" || p[i] === "^") i++;
  if (p[i] === "]") i++;
  for (; i < p.length; i++) if (p[i] === "]") return i;
  return -1;
}

function bracketMatch(body: string, ch: string): boolean {
  let neg = false, i = 0;
  if (body[0] === "!" || body[0] === "^") {
    neg = true;
    i = 1;
  }
  let hit = false;
  for (; i < body.length; i++) {
    const a = body[i]!;
    if (body[i + 1] === "-" && i + 2 < body.length) {
      if (ch >= a && ch <= body[i + 2]!) hit = true;
      i += 2;
    } else if (a === ch) hit = true;
  }
  return hit !== neg;
}

const isAlnum = (c: string | undefined) => c !== undefined && /^[A-Za-z0-9]$/.test(c);

/**
 * polypath's config-time pattern check: ifname_wanted(" ") walks the patterns until one
 * matches " ", rejecting any whose first character is not `!`, `+`, `@`, `*` or alnum.
 */
function checkInterfacePatterns(pats: readonly string[] | undefined, loc: Loc): void {
  if (!pats) return;
  for (let pat of pats) {
    if (pat[0] === "!" || pat[0] === "+" || pat[0] === "@") pat = pat.slice(1);
    else if (!(pat[0] === "*" || isAlnum(pat[0]))) {
      cfgfatal(loc, "polypath", `invalid interface name pattern \`${pat}'`, { silent: true });
    }
    if (fnmatch(pat, " ") === "match") return;
  }
}

export const DEFAULT_MONITOR_COMMAND = ["/usr/share/secnet/polypath-interface-monitor-linux"];

export function registerComm(root: Dict): void {
  defineClosure(root, "udp", (_self, loc, _context, args) => {
    const { d, buffer, authbind, port } = commStandard(args, loc, "udp");
    const caddrl = d.lookup("address");
    let addresses: IpAddressSpec[] | null = null;
    if (caddrl) {
      if (caddrl.length <= 0 || caddrl.length > UDP_MAX_SOCKETS) {
        cfgfatal(loc, "udp", `\`address' must be 1..${UDP_MAX_SOCKETS} addresses`, {
          silent: true,
        });
      }
      addresses = caddrl.map((it) => stringItemToIaddr(it, "udp"));
    }
    let proxy: UdpSpec["proxy"] = null;
    const l = d.lookup("proxy");
    if (l) {
      const a = l[0];
      if (!a || a.type !== "string") cfgfatal(loc, "udp", "proxy must supply addr,port");
      const ip = stringItemToIpaddr(a, "proxy");
      const p = l[1];
      if (!p || p.type !== "number") cfgfatal(loc, "udp", "proxy must supply addr,port");
      proxy = { ip: ipv4ToString(ip), port: p.value & 0xffff };
    }
    const spec: UdpSpec = { type: "udp", port, addresses, authbind, proxy, buffer };
    return closureList("COMM", "udp", spec);
  });

  defineClosure(root, "polypath", (_self, loc, _context, args) => {
    const { d, buffer, authbind, port } = commStandard(args, loc, "polypath");
    const o = { required: false, loc, facility: "polypath" };
    const maxInterfaces = dictReadNumber(d, "max-interfaces", { ...o, def: 3 })!;
    const interfaces = dictReadStringArray(d, "interfaces", o);
    checkInterfacePatterns(interfaces, loc);
    const monitorCommand = dictReadStringArray(d, "monitor-command", {
      ...o,
      def: DEFAULT_MONITOR_COMMAND,
    })!;
    if (monitorCommand.length === 0) {
      cfgfatal(
        loc,
        "polypath",
        "no polypath interface monitor-command (polypath unsupported on this platform?)",
      );
    }
    const permitLoopback = dictReadBool(d, "permit-loopback", { ...o, def: false })!;
    const spec: PolypathSpec = {
      type: "polypath",
      port,
      authbind,
      maxInterfaces,
      interfaces: interfaces ?? null,
      monitorCommand,
      permitLoopback,
      buffer,
    };
    return closureList("COMM", "polypath", spec);
  });
}

/**
 * comm->clientinfo(comm, comm-info dict, site loc): polypath reads
 * `dedicated-interface-addr`; udp ignores the dictionary.
 */
export function commClientInfo(
  comm: CommSpec,
  info: Dict,
  loc: Loc,
): { dedicatedInterfaceAddr: IpAddressSpec | null } | null {
  if (comm.type !== "polypath") return null;
  const item = dictFindItem(info, "dedicated-interface-addr", {
    required: false,
    loc,
    facility: "polypath",
  });
  return { dedicatedInterfaceAddr: item ? stringItemToIaddr(item, "polypath") : null };
}
