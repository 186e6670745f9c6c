// The static import graph of a module, from `deno info --json` (dynamic imports left out).

/** Every module specifier `root` loads statically, itself included. */
export async function staticImports(root: URL): Promise<Set<string>> {
  const out = await new Deno.Command(Deno.execPath(), {
    args: ["info", "--json", root.href],
    stdout: "piped",
    stderr: "piped",
  }).output();
  if (!out.success) throw new Error(new TextDecoder().decode(out.stderr));
  const info = JSON.parse(new TextDecoder().decode(out.stdout)) as {
    roots: string[];
    modules: {
      specifier: string;
      dependencies?: { code?: { specifier?: string }; isDynamic?: boolean }[];
    }[];
  };
  const bySpecifier = new Map(info.modules.map((m) => [m.specifier, m]));
  const seen = new Set<string>(info.roots);
  const queue = [...info.roots];
  while (queue.length > 0) {
    for (const d of bySpecifier.get(queue.pop()!)?.dependencies ?? []) {
      const s = d.code?.specifier;
      if (s === undefined || d.isDynamic || seen.has(s)) continue;
      seen.add(s);
      queue.push(s);
    }
  }
  return seen;
}
