// deno-lint-ignore-file no-console -- this file reports measurements and skip reasons
/**
 * Runs the shared conformance corpus checker (../shared/conformance/check.sh beside the checkout, or
 * $TINCTURE_CONFORMANCE_CHECK) against `tincture -j` through tincture-j.sh, and requires
 * >= 99% accept/reject agreement and >= 95% first-error-line agreement.
 */
import { sharedPath } from "../support/shared.ts";
import assert from "node:assert/strict";

// shared/ sits beside the checkout (CI's fresh clone and developers' machines alike).
const CHECK = Deno.env.get("TINCTURE_CONFORMANCE_CHECK") ??
  sharedPath("conformance/check.sh");
const WRAPPER = new URL("./tincture-j.sh", import.meta.url).pathname;

function missing(): string | null {
  try {
    Deno.statSync(CHECK);
  } catch {
    return `${CHECK} not found`;
  }
  return null;
}
const why = missing();
if (why) console.log(`conformance_test: skipped: ${why}`);

Deno.test({
  name: "tincture -j agrees with secnet 0.6.7 on the conformance corpus",
  ignore: why !== null,
  fn() {
    const out = new Deno.Command(CHECK, { args: [WRAPPER], stdout: "piped", stderr: "piped" })
      .outputSync();
    const text = new TextDecoder().decode(out.stdout);
    const agree = text.match(/^agree (\d+)\/(\d+)$/m);
    const lines = text.match(/^lines agree (\d+)\/(\d+)$/m);
    assert.ok(
      agree && lines,
      `unexpected check.sh output:\n${text}\n${new TextDecoder().decode(out.stderr)}`,
    );
    const [a, n] = [Number(agree[1]), Number(agree[2])];
    const [la, ln] = [Number(lines[1]), Number(lines[2])];
    console.log(`accept/reject ${a}/${n}, first error line ${la}/${ln}`);
    for (const l of text.split("\n")) if (/^(MISMATCH|LINE)/.test(l)) console.log(l);
    assert.ok(n > 0);
    assert.ok(a / n >= 0.99, `accept/reject agreement ${a}/${n}`);
    assert.ok(ln === 0 || la / ln >= 0.95, `error-line agreement ${la}/${ln}`);
  },
});
