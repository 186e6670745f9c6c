/**
 * `randomfile(FILE[, BLOCKING])` → RANDOMSRC (secnet random.c). The file is opened at once
 * (here: checked through ConfHost.checkReadable); failure is fatal, exit 2.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal, fatal } from "../conf/errors.ts";
import { ConfHostError } from "../conf/host.ts";
import { closureList, locText } from "./common.ts";
import type { RandomSpec } from "./specs.ts";

export function registerRandom(root: Dict): void {
  defineClosure(root, "randomfile", (_self, loc, context, args) => {
    const arg1 = args[0], arg2 = args[1];
    if (!arg1) cfgfatal(loc, "randomsource", "requires a filename");
    if (arg1.type !== "string") {
      cfgfatal(arg1.loc, "randomsource", "filename (arg1) must be a string");
    }
    let blocking = false;
    if (arg2) {
      if (arg2.type !== "bool") {
        cfgfatal(arg2.loc, "randomsource", "blocking parameter (arg2) must be bool");
      }
      blocking = arg2.value;
    }
    const host = context.env.host;
    try {
      if (host.checkReadable) host.checkReadable(arg1.value);
      else host.readFile(arg1.value);
    } catch (e) {
      if (!(e instanceof ConfHostError)) throw e;
      fatal(`randomsource (${locText(arg1.loc)}): cannot open ${arg1.value}: ${e.reason}`, {
        loc: arg1.loc,
        facility: "randomsource",
      });
    }
    const spec: RandomSpec = { type: "randomfile", path: arg1.value, blocking };
    return closureList("RANDOMSRC", "randomsource", spec);
  });
}
