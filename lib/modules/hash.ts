/**
 * `md5` and `sha1`: HASH closures bound directly (not invocable), as secnet's md5.c and
 * sha1.c add them. rsa-public/rsa-private consult a deprecated `hash` key that may name one.
 *
 * @module
 */

import { makeClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { closureItem } from "../conf/value.ts";
import type { HashSpec } from "./specs.ts";

export const MD5: HashSpec = { type: "hash", name: "md5", length: 16 };
export const SHA1: HashSpec = { type: "hash", name: "sha1", length: 20 };

export function registerHash(root: Dict, name: "md5" | "sha1"): void {
  const spec = name === "md5" ? MD5 : SHA1;
  root.add(name, [closureItem(makeClosure("HASH", name, spec))]);
}
