#!/bin/sh
# Benchmark hook for /work/shared/bench/bench-vpn.sh (--hook): generates the usual tinc 1.0
# network (gen-tinc-net.sh: tinc.conf, hosts/*, rsa_key.priv by tincd -K) and writes a
# tincture secnet.conf next to each node's tinc files, for the same node. Either side can
# then run tincd (@tincd) or tincture (bench/tincture-up.sh) on the same keys.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
"$PB_BENCH_DIR/gen-tinc-net.sh" "$PB_WORKDIR" "$PB_PROFILE"
"$repo/node_modules/.bin/deno" run -A "$here/tinc2secnet.ts" "$PB_WORKDIR/a" --overlay "$PB_OV_A"
"$repo/node_modules/.bin/deno" run -A "$here/tinc2secnet.ts" "$PB_WORKDIR/b" --overlay "$PB_OV_B"
# BUSY_POLL=µs sets system/busy-poll (default 500; 0 = off) in both, for comparisons.
if [ -n "${BUSY_POLL:-}" ]; then
	for n in a b; do sed -i "s/^system {/system {\n  busy-poll $BUSY_POLL;/" "$PB_WORKDIR/$n/secnet.conf"; done
fi
