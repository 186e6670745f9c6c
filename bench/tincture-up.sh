#!/bin/sh
# Benchmark up command (--up-a / --up-b): tincture on the secnet.conf the hook wrote, in the
# foreground, exiting on SIGTERM. exec keeps the PID the harness measures.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# --v8-flags: the packet path's early tier-up (see lib/runtime/data_plane.ts).
exec "$repo/node_modules/.bin/deno" run -A --unstable-net \
  '--v8-flags=--invocation-count-for-turbofan=100,--invocation-count-for-maglev=30,--minimum-invocations-after-ic-update=20' \
  "$repo/main.ts" -n -c "$PB_CONF/secnet.conf"
