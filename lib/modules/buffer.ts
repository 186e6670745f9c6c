/**
 * `sysbuffer([SIZE[, { lockdown }]])` → BUFFER (secnet util.c buffer_apply).
 *
 * secnet reports these errors at the buffer's own, never-set location, which is zero, so
 * they print without a location; tincture does the same.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import { dictReadBool } from "../conf/read.ts";
import { NO_LOC } from "../conf/loc.ts";
import { closureList } from "./common.ts";
import type { BufferSpec } from "./specs.ts";

export const MIN_BUFFER_SIZE = 64;
export const DEFAULT_BUFFER_SIZE = 4096;
export const MAX_BUFFER_SIZE = 131072;

export function registerBuffer(root: Dict): void {
  defineClosure(root, "sysbuffer", (_self, _loc, _context, args) => {
    const noLoc = NO_LOC;
    let size = DEFAULT_BUFFER_SIZE;
    let lockdown = false;
    const first = args[0];
    if (first) {
      if (first.type !== "number") {
        cfgfatal(noLoc, "buffer", "first parameter must be a number (buffer size)");
      }
      size = first.value;
      if (size < MIN_BUFFER_SIZE) cfgfatal(noLoc, "buffer", "ludicrously small buffer size");
      if (size > MAX_BUFFER_SIZE) cfgfatal(noLoc, "buffer", "ludicrously large buffer size");
    }
    const second = args[1];
    if (second) {
      if (second.type !== "dict") {
        cfgfatal(noLoc, "buffer", "second parameter must be a dictionary");
      }
      lockdown = dictReadBool(second.value, "lockdown", {
        required: false,
        loc: noLoc,
        facility: "buffer",
        def: false,
      })!;
    }
    const spec: BufferSpec = { type: "buffer", size, lockdown };
    return closureList("BUFFER", "buffer", spec);
  });
}
