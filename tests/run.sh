#!/usr/bin/env bash
# The project's test command (README): installs what the tests need on a fresh machine, runs the
# quality gate (lint, fmt, type check) and the whole suite, and ends with "N passed, N failed".
set -uo pipefail
cd "$(dirname "$0")/.."

need_pkgs=()
command -v tincd >/dev/null 2>&1 || need_pkgs+=(tinc)
command -v secnet >/dev/null 2>&1 || need_pkgs+=(secnet)
command -v iperf3 >/dev/null 2>&1 || need_pkgs+=(iperf3)
command -v ip >/dev/null 2>&1 || need_pkgs+=(iproute2)
command -v unshare >/dev/null 2>&1 || need_pkgs+=(util-linux)
command -v ping >/dev/null 2>&1 || need_pkgs+=(iputils-ping)
if [ ${#need_pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" = 0 ]; then
    echo "tests/run.sh: installing Debian packages: ${need_pkgs[*]}"
    apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${need_pkgs[@]}" >/dev/null
  else
    echo "tests/run.sh: not root, cannot install ${need_pkgs[*]}; tests that need them will skip"
  fi
fi
[ -x node_modules/.bin/deno ] || npm install --no-audit --no-fund >/dev/null
DENO=node_modules/.bin/deno
export PATH="$PWD/node_modules/.bin:$PATH"

passed=0
failed=0
gate() { # one gate step counts as one test
  local name=$1; shift
  if out=$("$@" 2>&1); then passed=$((passed + 1)); echo "gate $name ... ok"
  else failed=$((failed + 1)); echo "gate $name ... FAILED"; printf '%s\n' "$out" | tail -n 30; fi
}
gate lint $DENO lint
gate fmt $DENO fmt --check
gate check $DENO check main.ts

log=$(mktemp)
NO_COLOR=1 $DENO test -A --parallel "$@" tests/ 2>&1 | tee "$log"
summary=$(grep -E '^(ok|FAILED) \| [0-9]+ passed' "$log" | tail -n 1)
if [ -n "$summary" ]; then
  p=$(sed -E 's/.*\| ([0-9]+) passed.*/\1/' <<<"$summary")
  f=$(sed -E 's/.*\| ([0-9]+) failed.*/\1/' <<<"$summary")
  passed=$((passed + p)); failed=$((failed + f))
else
  echo "tests/run.sh: deno test printed no summary (it crashed?)"; failed=$((failed + 1))
fi
rm -f "$log"
echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
