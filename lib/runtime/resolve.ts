/**
 * Site addresses that are host names (tinc `Address = peer.example.org`, secnet
 * `site { address "peer.example.org"; }`). The engine is pure and takes numeric addresses
 * only; this module turns every name into the addresses it resolves to before the engine sees
 * the config: at start, on SIGHUP and every 5 minutes (`HostResolver`), so a dynamic-DNS peer
 * is found again after its address changes.
 *
 * Resolution goes through getaddrinfo (`node:dns/promises` `lookup`), like tincd's: /etc/hosts
 * and nsswitch are honoured (`Deno.resolveDns` asks DNS servers only).
 *
 * @module
 */
import { lookup as dnsLookup } from "node:dns/promises";
import type { EngineConfig, HostAddress, HostConfig } from "../tinc/config.ts";
import { formatIPv6, isIPv4, parseIPv6 } from "../tinc/address.ts";

/** One answer of a lookup (node's LookupAddress). */
export interface LookupAddress {
  readonly address: string;
  readonly family: number;
}

/** Resolves a host name to every address it has, in the resolver's order; rejects on failure. */
export type Lookup = (name: string) => Promise<readonly LookupAddress[]>;

/** getaddrinfo, IPv4 and IPv6, in the order it gives (RFC 6724 sorting, /etc/hosts first). */
export const systemLookup: Lookup = (name) => dnsLookup(name, { all: true, verbatim: true });

/** A dead resolver must not hang start-up or a reload. */
export const DEFAULT_LOOKUP_TIMEOUT_MS = 5000;
/** How often HostResolver resolves again (5 minutes). */
export const DEFAULT_RESOLVE_INTERVAL_MS = 300_000;

/** DEFAULT_RESOLVE_INTERVAL_MS, or TINCTURE_RESOLVE_INTERVAL seconds (tests). */
export function resolveIntervalMs(): number {
  const s = Number(Deno.env.get("TINCTURE_RESOLVE_INTERVAL"));
  return Number.isFinite(s) && s > 0 ? s * 1000 : DEFAULT_RESOLVE_INTERVAL_MS;
}

export interface ResolveOptions {
  readonly lookup?: Lookup;
  /** Per name (the names are looked up in parallel). */
  readonly timeoutMs?: number;
  /**
   * What each name resolved to last time. A name that fails now keeps these addresses, and one
   * that resolves to the same set in another order keeps the old order (round-robin DNS must
   * not look like a change).
   */
  readonly previous?: ReadonlyMap<string, readonly string[]>;
}

export interface Resolved {
  /** A copy of the config with every name replaced by its numeric addresses. */
  readonly config: EngineConfig;
  /** "cannot resolve NAME for site X: reason", one per failure and site. */
  readonly notes: readonly string[];
  /** name → the numeric addresses used for it (for `previous` next time). */
  readonly answers: ReadonlyMap<string, readonly string[]>;
}

/** The canonical text of a numeric address (the engine's own test), or null for a name. */
export function numericAddress(host: string): string | null {
  if (isIPv4(host)) return host.split(".").map(Number).join(".");
  const groups = parseIPv6(host);
  return groups ? formatIPv6(groups) : null;
}

/**
 * Replaces every host name among the site addresses by the numeric addresses it resolves to
 * (same port, in the resolver's order, duplicates dropped). Numeric addresses stay as they are;
 * a name that cannot be resolved (and has no `previous` answer) stays too, so the engine logs
 * and skips it, and gets a note. Only sites we connect to are resolved: the others' addresses
 * are never used.
 */
export async function resolveEngineHosts(
  config: EngineConfig,
  options: ResolveOptions = {},
): Promise<Resolved> {
  const lookup = options.lookup ?? systemLookup;
  const timeoutMs = options.timeoutMs ?? DEFAULT_LOOKUP_TIMEOUT_MS;
  const names = new Set<string>();
  for (const h of config.hosts) {
    if (!wanted(config, h)) continue;
    for (const a of h.addresses) if (numericAddress(a.host) === null) names.add(a.host);
  }
  const outcomes = new Map<string, { addresses: string[] } | { error: string }>();
  await Promise.all([...names].map(async (name) => {
    outcomes.set(name, await resolveName(name, lookup, timeoutMs));
  }));

  const answers = new Map<string, readonly string[]>();
  const failures = new Map<string, string>();
  for (const [name, outcome] of outcomes) {
    const before = options.previous?.get(name);
    if ("error" in outcome) {
      if (before?.length) {
        answers.set(name, before);
        failures.set(name, `${outcome.error}; keeping ${before.join(", ")}`);
      } else failures.set(name, outcome.error);
      continue;
    }
    answers.set(name, before && sameSet(before, outcome.addresses) ? before : outcome.addresses);
  }

  const notes: string[] = [];
  const hosts = config.hosts.map((h): HostConfig => {
    if (!wanted(config, h)) return h;
    if (h.addresses.every((a) => numericAddress(a.host) !== null)) return h;
    const addresses: HostAddress[] = [];
    const seen = new Set<string>();
    const add = (a: HostAddress, key: string) => {
      if (seen.has(`${key} ${a.port}`)) return;
      seen.add(`${key} ${a.port}`);
      addresses.push(a);
    };
    for (const a of h.addresses) {
      const numeric = numericAddress(a.host);
      if (numeric !== null) {
        add(a, numeric);
        continue;
      }
      const failure = failures.get(a.host);
      if (failure !== undefined) {
        notes.push(`cannot resolve ${a.host} for site ${h.name}: ${failure}`);
      }
      const got = answers.get(a.host);
      if (!got) {
        // The engine logs "not numeric; skipped" for it at every attempt.
        add(a, a.host);
        continue;
      }
      for (const ip of got) add({ host: ip, port: a.port }, ip);
    }
    return { ...h, addresses };
  });
  return { config: { ...config, hosts }, notes, answers };
}

/** Outgoing connections only ever use the addresses of ConnectTo hosts other than us. */
function wanted(config: EngineConfig, h: HostConfig): boolean {
  return h.connectTo && h.name !== config.name;
}

async function resolveName(
  name: string,
  lookup: Lookup,
  timeoutMs: number,
): Promise<{ addresses: string[] } | { error: string }> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<"timeout">((res) => {
    timer = setTimeout(() => res("timeout"), timeoutMs);
  });
  const answer = Promise.resolve().then(() => lookup(name));
  // Abandoned after a timeout: its late failure must not surface as an unhandled rejection.
  answer.catch(() => {});
  try {
    const r = await Promise.race([answer, timeout]);
    if (r === "timeout") return { error: `no answer in ${timeoutMs / 1000} s` };
    const addresses: string[] = [];
    for (const a of r) {
      // Whatever the engine would not take as numeric is dropped.
      const ip = numericAddress(a.address);
      if (ip !== null && !addresses.includes(ip)) addresses.push(ip);
    }
    if (addresses.length === 0) return { error: "no usable address" };
    return { addresses };
  } catch (e) {
    const code = (e as { code?: unknown }).code;
    return { error: typeof code === "string" ? code : (e as Error).message ?? String(e) };
  } finally {
    clearTimeout(timer);
  }
}

function sameSet(a: readonly string[], b: readonly string[]): boolean {
  return a.length === b.length && a.every((x) => b.includes(x));
}

export interface HostResolverOptions extends Omit<ResolveOptions, "previous"> {
  /** Between the end of one periodic resolution and the next (default resolveIntervalMs()). */
  readonly intervalMs?: number;
  /** Where notes go (the daemon logs them as warnings). */
  readonly warn?: (note: string) => void;
}

export interface Refreshed extends Resolved {
  /** Sites whose resolved addresses differ from the previous resolution's. */
  readonly changedSites: readonly string[];
}

/**
 * Keeps a config's names resolved: `refresh()` resolves now (serialised, so SIGHUP and the
 * timer never interleave), `start(onChange)` resolves every `intervalMs` and calls `onChange`
 * with the new config when a site's addresses changed. A name that fails keeps its last
 * addresses; a failure that persists is reported once, not every 5 minutes.
 */
export class HostResolver {
  #source: EngineConfig;
  #current: EngineConfig | null = null;
  #previous = new Map<string, readonly string[]>();
  #lastNotes = new Set<string>();
  #queue: Promise<unknown> = Promise.resolve();
  #timer: ReturnType<typeof setTimeout> | undefined;
  #running = false;

  constructor(source: EngineConfig, readonly options: HostResolverOptions = {}) {
    this.#source = source;
  }

  /** The last resolved config (the source itself before the first refresh). */
  get config(): EngineConfig {
    return this.#current ?? this.#source;
  }

  /**
   * Resolves the names of `source` (a new config from SIGHUP) or of the current source.
   * `repeatNotes` false reports only notes that were not reported last time.
   */
  refresh(source?: EngineConfig, repeatNotes = true): Promise<Refreshed> {
    const run = this.#queue.then(() => this.#refresh(source, repeatNotes));
    this.#queue = run.catch(() => {});
    return run;
  }

  async #refresh(source: EngineConfig | undefined, repeatNotes: boolean): Promise<Refreshed> {
    if (source) this.#source = source;
    const r = await resolveEngineHosts(this.#source, { ...this.options, previous: this.#previous });
    for (const [name, addresses] of r.answers) this.#previous.set(name, addresses);
    for (const note of r.notes) {
      if (repeatNotes || !this.#lastNotes.has(note)) this.options.warn?.(note);
    }
    this.#lastNotes = new Set(r.notes);
    const before = new Map(this.config.hosts.map((h) => [h.name, h.addresses]));
    const changedSites = r.config.hosts
      .filter((h) => !sameAddresses(before.get(h.name), h.addresses))
      .map((h) => h.name);
    this.#current = r.config;
    return { ...r, changedSites };
  }

  /** Resolves every `intervalMs` from now on; `onChange` gets the config when addresses changed. */
  start(onChange: (config: EngineConfig, changedSites: readonly string[]) => void): void {
    if (this.#running) return;
    this.#running = true;
    const interval = this.options.intervalMs ?? resolveIntervalMs();
    const schedule = () => {
      if (!this.#running) return;
      this.#timer = setTimeout(() => {
        this.#timer = undefined;
        this.refresh(undefined, false).then((r) => {
          if (this.#running && r.changedSites.length) onChange(r.config, r.changedSites);
        }, (e) => this.options.warn?.(`resolving site addresses failed: ${(e as Error).message}`))
          .finally(schedule);
      }, interval);
    };
    schedule();
  }

  stop(): void {
    this.#running = false;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }
}

function sameAddresses(
  a: readonly HostAddress[] | undefined,
  b: readonly HostAddress[],
): boolean {
  return a !== undefined && a.length === b.length &&
    a.every((x, i) => x.host === b[i]!.host && x.port === b[i]!.port);
}
