#!/bin/sh
# Benchmark up command (--up-a / --up-b): tincture on the secnet.conf the hook wrote, in the
# foreground, exiting on SIGTERM. exec keeps the PID the harness measures.
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
exec "$repo/node_modules/.bin/deno" run -A --unstable-net "$repo/main.ts" -n -c "$PB_CONF/secnet.conf"
