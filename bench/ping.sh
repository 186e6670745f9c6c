#!/usr/bin/env bash
# Ping latency only (no iperf), same configs and CPU pinning as bench-vpn.sh:
#   sudo bench/ping.sh [MODE...]     MODE: tt (tincture both), dd (tincd both), td (tincture A,
#                                    tincd B); default "tt dd td tt dd td", interleaved
# Env: COUNT (500 pings at -i 0.01), SETTLE (3 s after the first reply), OUT (/tmp/tincture-ping),
#      PIN=none (no taskset: A, B and ping where the scheduler puts them; bench-vpn.sh pins
#      A and its ping to CPU 0, B to CPU 1 on machines with 2 or more CPUs, as we do by default),
#      TINCTURE_LOOP_PROFILE=FILE is passed through (busy-time percentiles, event_loop.ts).
# Prints one line per run: mode, start-up ms, then pbtool's "n min avg p50 p99 lost" (ms), then
# the CPU seconds nodes A and B used during the pings.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
repo=$(dirname "$here")
export PB_BENCH_DIR=${PB_BENCH_DIR:-/work/shared/bench}
export PB_NS_A=${PB_NS_A:-pb-ping-a} PB_NS_B=${PB_NS_B:-pb-ping-b} PB_PROFILE=default
OUT=${OUT:-/tmp/tincture-ping}
export PB_PIDFILE=$OUT/pids PB_WORKDIR=$OUT/cfg
. "$PB_BENCH_DIR/lib.sh"
pb_require_root
[ $# -gt 0 ] || set -- tt dd td tt dd td
rm -rf "$OUT" && mkdir -p "$OUT/cfg" && : >"$PB_PIDFILE"
sh "$here/tincture-hook.sh" >"$OUT/hook.log" 2>&1 || pb_die "config hook failed: $OUT/hook.log"
pb_ns_up
trap 'pb_kill_recorded; pb_ns_down' EXIT
tincd_cmd() { echo "exec /usr/sbin/tincd -c $OUT/cfg/$1 -D -d0 --pidfile=$OUT/cfg/$1/tincd.pid"; }
if [ "${PIN:-}" = none ]; then pin0= pin1=; else pin0="taskset -c 0" pin1="taskset -c 1"; fi
tt_cmd="exec sh ${TINCTURE_UP:-$here/tincture-up.sh}"
for mode in "$@"; do
	case $mode in
	tt) ca=$tt_cmd cb=$tt_cmd ;;
	dd) ca=$(tincd_cmd a) cb=$(tincd_cmd b) ;;
	td) ca=$tt_cmd cb=$(tincd_cmd b) ;;
	*) pb_die "unknown mode $mode" ;;
	esac
	pb_spawn "$PB_NS_A" "$OUT/$mode-a.log" $pin0 env INTERFACE=tinc0 PB_CONF="$OUT/cfg/a" sh -c "$ca"
	pid_a=$PB_LAST_PID
	pb_spawn "$PB_NS_B" "$OUT/$mode-b.log" $pin1 env INTERFACE=tinc0 PB_CONF="$OUT/cfg/b" sh -c "$cb"
	pid_b=$PB_LAST_PID
	startup=$(pb_wait_ping "$PB_NS_A" "$PB_OV_B" "$(pb_now_ns)" 40)
	sleep "${SETTLE:-3}"
	date +%s.%N >"$OUT/$mode-ping-start"
	read -r ta0 tb0 < <(pb_cpu_ticks "$pid_a" "$pid_b")
	ip netns exec "$PB_NS_A" $pin0 ping -n -c "${COUNT:-500}" -i 0.01 -W 1 "$PB_OV_B" >"$OUT/$mode-ping.txt" 2>&1
	read -r ta1 tb1 < <(pb_cpu_ticks "$pid_a" "$pid_b")
	echo "$mode startup=${startup}ms $(python3 "$PB_BENCH_DIR/pbtool.py" ping "$OUT/$mode-ping.txt")" \
		"cpu_a=$(pb_ticks_to_s "$ta0" "$ta1")s cpu_b=$(pb_ticks_to_s "$tb0" "$tb1")s"
	pb_kill_tree "$pid_a" 3
	pb_kill_tree "$pid_b" 3
	sleep 1
done
