#!/usr/bin/env bash
# Two meshes pinged side by side, so the machine's drift (which moves a lone run's p50 by ±15%)
# hits both alike: each side runs bench/ping.sh in its own namespace pair, same CPU pinning.
#   sudo bench/ping-pair.sh [X Y]    X, Y: tt (tincture), dd (tincd), or the path of another
#                                    tincture up script (TINCTURE_UP, e.g. a copy of the tree)
# Env: COUNT (3000 pings at -i 0.01), PIN (passed to ping.sh: none = unpinned). Prints both p50s (ms), their ratio and the ratio per
# 300-ping window. Swap X and Y for a second run: the side started first gains ~1%.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
x=${1:-tt} y=${2:-dd} count=${COUNT:-3000}

side() { # tag mode-or-up-script settle
	local mode=$2 up=
	case $mode in tt | dd) ;; *) up=$mode mode=tt ;; esac
	PB_NS_A=pb-pair$1-a PB_NS_B=pb-pair$1-b COUNT=$count SETTLE=$3 OUT=/tmp/tincture-pair-$1 \
		TINCTURE_UP=${up:-$here/tincture-up.sh} bash "$here/ping.sh" "$mode" >"/tmp/tincture-pair-$1.log" 2>&1
}
# tincd starts ~0.3 s sooner: a later settle lines the two ping streams up.
settle() { [ "$1" = dd ] && echo 6.3 || echo 6; }
side x "$x" "$(settle "$x")" &
px=$!
side y "$y" "$(settle "$y")" &
py=$!
wait $px $py
python3 - "$x" "$y" <<'EOF'
import glob, re, statistics, sys
def rtts(tag):
    f = glob.glob(f"/tmp/tincture-pair-{tag}/*-ping.txt")
    return [float(m) for m in re.findall(r"time=([\d.]+) ms", open(f[0]).read())] if f else []
a, b = rtts("x"), rtts("y")
if len(a) < 300 or len(b) < 300:
    sys.exit("too few replies: see /tmp/tincture-pair-{x,y}.log")
n, w = min(len(a), len(b)), 300
windows = [statistics.median(a[i:i + w]) / statistics.median(b[i:i + w]) for i in range(0, n - w + 1, w)]
pa, pb = statistics.median(a), statistics.median(b)
print(f"{sys.argv[1]} p50 {pa:.3f} ms, {sys.argv[2]} p50 {pb:.3f} ms, ratio {pa / pb:.3f}; "
      f"per window: {' '.join(f'{r:.2f}' for r in windows)}")
EOF
