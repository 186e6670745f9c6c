/**
 * Dictionaries, as secnet's dict_t: entries plus a lexical parent (the dictionary the
 * literal was written in). `lookup` searches parents, `lookupPrimitive` does not. A key
 * bound to an empty list is invisible to both and may be bound again (0.6.7 behaviour).
 *
 * Every dictionary shares its root's ConfEnv: the host, the -j flag, the diagnostics sink
 * and a scratch map modules can use for process-wide state.
 *
 * @module
 */

import { fatal } from "./errors.ts";
import type { Diagnostic } from "./errors.ts";
import type { ConfHost } from "./host.ts";
import type { Loc } from "./loc.ts";
import type { List } from "./value.ts";

/** State shared by one whole configuration (one per root dictionary). */
export interface ConfEnv {
  readonly host: ConfHost;
  /** `-j`: closures skip what secnet -j skips and tolerate what it tolerates. */
  readonly justCheck: boolean;
  /** Non-fatal messages (warnings, notes), in order. */
  readonly diagnostics: Diagnostic[];
  /** Process-wide module state (e.g. "a feature needs root"), keyed by module. */
  readonly shared: Map<string, unknown>;
}

/** A fresh ConfEnv; pass `diagnostics` to collect into an array the caller already holds. */
export function newEnv(host: ConfHost, justCheck = true, diagnostics: Diagnostic[] = []): ConfEnv {
  return { host, justCheck, diagnostics, shared: new Map() };
}

/** Adds a warning (or other non-fatal message) to the configuration's diagnostics. */
export function warn(
  env: ConfEnv,
  loc: Loc | undefined,
  facility: string,
  message: string,
  level: Diagnostic["level"] = "warning",
): void {
  env.diagnostics.push({ level, loc, facility, message });
}

interface Entry {
  readonly key: string;
  readonly value: List;
}

export class Dict {
  readonly parent: Dict | null;
  readonly env: ConfEnv;
  /** Oldest first (secnet keeps newest first; `entriesNewestFirst` gives that order). */
  readonly #entries: Entry[] = [];
  /** key → value of its latest entry. */
  readonly #map = new Map<string, List>();

  /**
   * The configuration's root (what `/a` paths start from). It may still have a parent: the
   * scope holding tincture's extensions, visible everywhere but free to be shadowed.
   */
  readonly isRoot: boolean;

  constructor(parent: Dict | null, env?: ConfEnv, opts: { isRoot?: boolean } = {}) {
    this.parent = parent;
    this.isRoot = opts.isRoot ?? parent === null;
    const e = env ?? parent?.env;
    if (!e) throw new Error("Dict: a root dictionary needs a ConfEnv");
    this.env = e;
  }

  /** secnet's dict_lookup_primitive: this dictionary only; empty lists count as absent. */
  lookupPrimitive(key: string): List | undefined {
    const v = this.#map.get(key);
    return v !== undefined && v.length > 0 ? v : undefined;
  }

  /** secnet's dict_lookup: this dictionary, then its parents. */
  lookup(key: string): List | undefined {
    const v = this.lookupPrimitive(key);
    if (v) return v;
    for (let d = this.parent; d; d = d.parent) {
      const w = d.lookupPrimitive(key);
      if (w) return w;
    }
    return undefined;
  }

  /** secnet's dict_add: fatal `duplicate key "K" in dictionary` (no location, exit 2). */
  add(key: string, value: List): void {
    if (this.lookupPrimitive(key)) fatal(`duplicate key "${key}" in dictionary`);
    this.#entries.push({ key, value });
    this.#map.set(key, value);
  }

  /** All entries (including empty ones), most recently added first, as secnet walks them. */
  entriesNewestFirst(): Array<readonly [string, List]> {
    const r: Array<readonly [string, List]> = [];
    for (let i = this.#entries.length - 1; i >= 0; i--) {
      const e = this.#entries[i]!;
      r.push([e.key, e.value]);
    }
    return r;
  }

  /** Keys bound to non-empty values, in definition order. */
  keys(): string[] {
    return [...this.#map.keys()].filter((k) => this.lookupPrimitive(k));
  }

  /** secnet's dict_find_root: the configuration root (see `isRoot`). */
  root(): Dict {
    if (this.isRoot || !this.parent) return this;
    let d = this.parent;
    while (!d.isRoot && d.parent) d = d.parent;
    return d;
  }
}
