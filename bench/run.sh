#!/bin/sh
# tincd alone, tincture alone, and mixed (tincture on A, stock tincd on B), same cipher
# (tincd 1.0.36's default: aes-256-cbc + sha256, MAC 4), interleaved reps.
#   sudo bench/run.sh [--reps N] [--time S] ...   (extra options go to bench-vpn.sh)
# Results: /work/shared/bench/out/<date>/summary.md (or --out DIR).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
B=${PB_BENCH_DIR:-$(cd "$here/../../shared/bench" 2>/dev/null && pwd || echo /work/shared/bench)}
exec "$B/bench-vpn.sh" --reps 2 "$@" \
  --impl tinc:default \
  --impl cmd:default --label tincture --hook "$here/tincture-hook.sh" \
  --up-a "$here/tincture-up.sh" --up-b "$here/tincture-up.sh" \
  --impl cmd:default --label tincture-A_tincd-B --hook "$here/tincture-hook.sh" \
  --up-a "$here/tincture-up.sh" --up-b @tincd
