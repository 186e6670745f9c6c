#!/bin/sh
# Benchmark up command (--up-a / --up-b): tincture on the secnet.conf the hook wrote, in the
# foreground, exiting on SIGTERM. exec keeps the PID the harness measures.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
# --v8-flags: the packet path's early tier-up (see lib/runtime/data_plane.ts); TINCTURE_V8_FLAGS
# replaces them for experiments.
flags=${TINCTURE_V8_FLAGS:---invocation-count-for-turbofan=100,--invocation-count-for-maglev=30,--minimum-invocations-after-ic-update=20}
export DENO_NO_UPDATE_CHECK=1
exec "$repo/node_modules/.bin/deno" run -A --unstable-net "--v8-flags=$flags" \
  "$repo/main.ts" -n -c "$PB_CONF/secnet.conf"
