// Layering rule: the pure cores (config grammar and evaluation, protocol engine, crypto
// interfaces) never do I/O, never wait, never read the clock: bytes and `now` come in as
// arguments. This plugin makes that a lint error instead of a review comment.
const PURE_DIRS = ["/conf-grammar/", "/lib/conf/", "/lib/modules/", "/lib/tinc/"];
const FORBIDDEN_CALLS = new Set(["setTimeout", "setInterval", "queueMicrotask"]);

// Matched against the path below the repository root, so tests/conf-grammar/ is not "pure".
function isPure(filename: string): boolean {
  const rel = filename.replace(/^.*?\/(conf-grammar|lib|tests|ffi)\//, "/$1/");
  return PURE_DIRS.some((d) => rel.startsWith(d));
}

const plugin: Deno.lint.Plugin = {
  name: "tincture",
  rules: {
    "no-io-in-core": {
      create(context) {
        if (!isPure(context.filename)) return {};
        return {
          Identifier(node) {
            if (node.name === "Deno") {
              context.report({ node, message: "Pure core must not use Deno.* (pass data in)" });
            }
          },
          AwaitExpression(node) {
            context.report({ node, message: "Pure core must be synchronous (no await)" });
          },
          CallExpression(node) {
            const c = node.callee;
            if (c.type === "Identifier" && FORBIDDEN_CALLS.has(c.name)) {
              context.report({ node, message: "Pure core must not use timers: take `now`" });
            }
            if (
              c.type === "MemberExpression" && c.object.type === "Identifier" &&
              (c.object.name === "Date" || c.object.name === "performance") &&
              c.property.type === "Identifier" && c.property.name === "now"
            ) {
              context.report({ node, message: "Pure core must not read the clock: take `now`" });
            }
          },
        };
      },
    },
  },
};
export default plugin;
