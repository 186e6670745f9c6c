/**
 * What secnet does after the whole configuration has been evaluated, up to the end of -j:
 * setup() (system dictionary, system/log, userid, pidfile, root-privilege check) and the
 * first half of start_sites() (the `sites` list must be SITE closures). Messages and exit
 * statuses are secnet's (fatal in setup exits 3; cfgfatal exits 8).
 *
 * @module
 */

import type { Closure } from "./closure.ts";
import { type Dict, warn } from "./dict.ts";
import { cfgfatal, EXIT_SETUP, fatal } from "./errors.ts";
import { dictReadString } from "./read.ts";
import { SOFT_ROUTES_NEED_ROOT } from "../modules/netlink.ts";

/**
 * Modules that need root privileges record why under this key in `env.shared`
 * (secnet's require_root_privileges_explanation), e.g. netlink `options "soft"`.
 */
export const REQUIRE_ROOT_KEY = "require-root-privileges";

export interface SetupResult {
  readonly system: Dict;
  /** The system/log closure (exactly one LOG closure). */
  readonly log: Closure;
  readonly userid?: string;
  readonly uid: number;
  readonly gid: number;
  readonly pidfile?: string;
  /** The SITE closures of the sites key, in order (empty when the key is missing). */
  readonly sites: readonly Closure[];
}

function setupFatal(message: string): never {
  fatal(message, { exitCode: EXIT_SETUP });
}

export function runSetup(root: Dict, opts: { sitesKey?: string } = {}): SetupResult {
  const env = root.env;
  const l = root.lookup("system");
  const first = l?.[0];
  if (!first || first.type !== "dict") {
    setupFatal('configuration does not include a "system" dictionary');
  }
  const system = first.value as Dict;
  const loc = first.loc;

  const logs = system.lookup("log");
  if (!logs) setupFatal("configuration does not include a system/log facility");
  for (const it of logs) {
    if (it.type !== "closure") {
      cfgfatal(
        it.loc,
        "init_log",
        logs.length === 1 ? "closure is not a logger" : "item is not a closure",
        {
          silent: true,
        },
      );
    }
    if (it.value.kind !== "LOG") {
      cfgfatal(it.loc, "init_log", "closure is not a logger", { silent: true });
    }
  }
  if (logs.length > 1) {
    // 0.6.7 builds a fan-out logger that recurses forever on its first message (SIGSEGV).
    setupFatal(
      `system/log has ${logs.length} loggers; secnet 0.6.7 crashes with more than one, so tincture refuses them`,
    );
  }
  const log = (logs[0] as { value: Closure }).value;

  const userid = dictReadString(system, "userid", { required: false, facility: "system", loc });
  let uid = 0, gid = 0;
  if (userid !== undefined) {
    const pw = env.host.lookupUser?.(userid) ?? null;
    if (!pw) setupFatal(`userid "${userid}" not found`);
    uid = pw.uid;
    gid = pw.gid;
  }
  const pidfile = dictReadString(system, "pidfile", { required: false, facility: "system", loc });

  const why = env.shared.get(REQUIRE_ROOT_KEY) ??
    (env.shared.get(SOFT_ROUTES_NEED_ROOT) ? "netlink: soft routes" : undefined);
  if (typeof why === "string" && uid !== 0) {
    setupFatal(
      `the configured feature "${why}" requires that secnet retain root privileges while running.`,
    );
  }

  const sitesKey = opts.sitesKey ?? "sites";
  const sl = root.lookup(sitesKey);
  const sites: Closure[] = [];
  if (!sl) {
    warn(
      env,
      undefined,
      "secnet",
      `configuration key "${sitesKey}" is missing; no remote sites are defined`,
    );
  } else {
    for (const it of sl) {
      if (it.type !== "closure") {
        cfgfatal(it.loc, "system", "non-closure in site list", { silent: true });
      }
      if (it.value.kind !== "SITE") {
        cfgfatal(it.loc, "system", "non-site closure in site list", { silent: true });
      }
      sites.push(it.value);
    }
  }
  return { system, log, userid, uid, gid, pidfile, sites };
}
