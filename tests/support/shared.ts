/**
 * Where the project's shared/ folder (specs, capture vectors, the secnet conformance corpus)
 * is: $TINCTURE_SHARED, else beside the checkout (CI's layout), else /work/shared (a clone made
 * elsewhere on a developer's machine).
 */
export function sharedPath(rel: string): string {
  const candidates = [
    Deno.env.get("TINCTURE_SHARED"),
    new URL("../../../shared", import.meta.url).pathname,
    "/work/shared",
  ];
  for (const dir of candidates) {
    if (!dir) continue;
    try {
      Deno.statSync(`${dir}/${rel}`);
      return `${dir}/${rel}`;
    } catch {
      // try the next place
    }
  }
  return `${candidates[1]}/${rel}`;
}
