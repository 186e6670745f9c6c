/**
 * Registers every closure secnet 0.6.7's init_builtin_modules adds (modules.c order), plus
 * tincture's extensions, in the root dictionary. makelist, readfile and map belong to the
 * config language (lib/conf) and are added there.
 *
 * Extensions (not in secnet; see docs/config-extensions.md): `tinc-transform`,
 * `tinc-public-key`.
 *
 * @module
 */

import type { Dict } from "../conf/dict.ts";
import type { ConfHost } from "../conf/host.ts";
import { registerBuffer } from "./buffer.ts";
import { registerComm } from "./comm.ts";
import { registerDh } from "./dh.ts";
import { registerHash } from "./hash.ts";
import { registerLog } from "./log.ts";
import { registerNullNetlink } from "./netlink.ts";
import { registerPrivcache, registerPubkeys } from "./pubkeys.ts";
import { registerRandom } from "./random.ts";
import { registerResolver } from "./resolver.ts";
import { registerRsa, registerTincPublicKey } from "./rsa.ts";
import { registerSite } from "./site.ts";
import { registerTincTransform, registerTransforms } from "./transform.ts";
import { registerTun } from "./tun.ts";
import { registerUserv } from "./userv.ts";

/** Names the extensions add to the root (secnet configs may not bind them at the root). */
export const EXTENSION_CLOSURES = ["tinc-transform", "tinc-public-key"] as const;

/**
 * Adds the module closures to `root`. Files are read through the root's ConfEnv host; the
 * `host` parameter is accepted for callers that pass it and is otherwise unused.
 */
export function registerBuiltinModules(root: Dict, _host?: ConfHost): void {
  // The extensions live above the root when there is such a dictionary, so a secnet config
  // that binds the same names at its root still works.
  registerExtensionModules(root.parent ?? root);
  registerPubkeys(root); // make-public
  registerResolver(root); // adns
  registerRandom(root); // randomfile
  registerComm(root); // udp, polypath
  registerBuffer(root); // sysbuffer
  registerSite(root);
  registerTransforms(root); // eax-serpent, serpent256-cbc
  registerNullNetlink(root);
  registerRsa(root); // rsa-private, rsa-public
  registerDh(root);
  registerHash(root, "md5");
  registerUserv(root);
  registerTun(root); // tun, tun-old
  registerHash(root, "sha1");
  registerLog(root); // logfile, syslog
  registerPrivcache(root); // priv-cache, load-private
}

/** tincture's extension closures: `tinc-transform`, `tinc-public-key`. */
export function registerExtensionModules(dict: Dict): void {
  registerTincTransform(dict);
  registerTincPublicKey(dict);
}
