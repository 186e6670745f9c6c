/**
 * `userv-ipif { ... }` netlink device (secnet slip.c userv_apply / slip_init). Its buffer is
 * claimed at configuration time: a second userv-ipif on the same buffer makes 0.6.7 abort.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal, ConfigError } from "../conf/errors.ts";
import { dictReadString, findClIf } from "../conf/read.ts";
import { specOf } from "./common.ts";
import { deviceSpec, netlinkDeviceClosure, netlinkInit, netlinkInstCreate } from "./netlink.ts";
import type { BufferSpec, UservSpec } from "./specs.ts";

const CLAIMED = "userv-ipif:claimed-buffers";

export function registerUserv(root: Dict): void {
  defineClosure(root, "userv-ipif", (_self, loc, context, args) => {
    const item = args[0];
    if (!item || item.type !== "dict") {
      cfgfatal(loc, "userv-ipif", "parameter must be a dictionary");
    }
    const d = item.value;
    const core = netlinkInit(d, loc, "netlink-userv-ipif", false);
    if (core.ptpAddress !== null) {
      netlinkInstCreate(core, deviceSpec("userv-ipif", core, loc, null, null), loc, d);
    }
    const buffer = specOf<BufferSpec>(
      findClIf(d, "buffer", "BUFFER", { required: true, loc, facility: "name" })!,
    );
    const shared = context.env.shared;
    let claimed = shared.get(CLAIMED) as WeakSet<BufferSpec> | undefined;
    if (!claimed) shared.set(CLAIMED, claimed = new WeakSet());
    if (claimed.has(buffer)) {
      throw new ConfigError(
        loc,
        "userv-ipif",
        "buffer is already used by another userv-ipif (secnet 0.6.7 aborts: BUF_ASSERT_FREE)",
        { kind: "fatal", exitCode: 134 },
      );
    }
    claimed.add(buffer);
    const o = { required: false, loc, facility: "userv-netlink" };
    const userv: UservSpec = {
      uservPath: dictReadString(d, "userv-path", o) ?? "userv",
      serviceUser: dictReadString(d, "service-user", o) ?? "root",
      serviceName: dictReadString(d, "service-name", o) ?? "ipif",
      buffer,
    };
    return netlinkDeviceClosure(core, deviceSpec("userv-ipif", core, loc, null, userv), loc, d);
  });
}
