/**
 * tincture: secnet's configuration language and command line, speaking tinc 1.0.
 * Everything is in lib/cli.ts; this is the only place that exits the process.
 *
 * @module
 */

import { denoCliIO, runCli } from "./lib/cli.ts";

if (import.meta.main) {
  let code: number;
  try {
    code = await runCli(Deno.args, denoCliIO());
  } catch (e) {
    // A bug, not bad input: say so in one line, never with a stack trace.
    const msg = e instanceof Error ? `${e.name}: ${e.message}` : String(e);
    try {
      Deno.stderr.writeSync(new TextEncoder().encode(`tincture: internal error: ${msg}\n`));
    } catch { /* nowhere left to report */ }
    code = 70;
  }
  Deno.exit(code);
}
