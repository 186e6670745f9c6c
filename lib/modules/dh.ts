/**
 * `diffie-hellman(P, G[, CHECK])` → DH (secnet dh.c): hex strings as GMP reads them; P must
 * be (probably) prime unless CHECK is the boolean false; G must be below P.
 *
 * @module
 */

import { defineClosure } from "../conf/closure.ts";
import type { Dict } from "../conf/dict.ts";
import { warn } from "../conf/dict.ts";
import { cfgfatal } from "../conf/errors.ts";
import type { Loc } from "../conf/loc.ts";
import type { Item } from "../conf/value.ts";
import { closureList } from "./common.ts";
import { bitLength, isProbablePrime, mpzSetStr } from "./gmp.ts";
import type { DhSpec } from "./specs.ts";

function hexArg(item: Item | undefined, loc: Loc, which: string, missing: string): bigint {
  if (!item) cfgfatal(loc, "diffie-hellman", missing);
  if (item.type !== "string") {
    cfgfatal(item.loc, "diffie-hellman", `${which} argument must be a string`);
  }
  const v = mpzSetStr(item.value, 16);
  if (v === null) {
    cfgfatal(item.loc, "diffie-hellman", `"${item.value}" is not a hex number string`);
  }
  return v;
}

export function registerDh(root: Dict): void {
  defineClosure(root, "diffie-hellman", (_self, loc, context, args) => {
    const p = hexArg(args[0], loc, "first", "you must provide a prime modulus");
    const g = hexArg(args[1], loc, "second", "you must provide a generator");
    const c = args[2];
    if (c && c.type === "bool" && c.value === false) {
      warn(context.env, loc, "diffie-hellman", "skipping modulus primality check", "info");
    } else if (!isProbablePrime(p)) {
      cfgfatal(loc, "diffie-hellman", "modulus must be a prime");
    }
    if (g >= p) cfgfatal(loc, "diffie-hellman", "generator must be less than modulus");
    const bits = bitLength(p);
    const spec: DhSpec = {
      type: "diffie-hellman",
      p,
      g,
      len: Math.floor(bits / 8),
      ceilLen: Math.ceil(bits / 8),
    };
    return closureList("DH", "dh", spec);
  });
}
