#!/bin/sh
# Runs tincture from any directory (check.sh runs its command inside each case directory).
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
DENO=${DENO:-$ROOT/node_modules/.bin/deno}
exec "$DENO" run -A --quiet "$ROOT/main.ts" "$@"
