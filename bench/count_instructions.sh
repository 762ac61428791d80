#!/usr/bin/env bash
# Counts relayd's instructions per unit of work under a fixed relaybench load,
# with valgrind's callgrind. Instruction counts do not depend on what else the
# machine is running, so they show a change in relayd's own work where
# wall-clock rates on a shared machine cannot (see docs/performance.md).
#
#   bench/count_instructions.sh BUILD_DIR OUT_DIR [WORKLOAD...]
#
# WORKLOAD: echo handshake ping ping-recorded (default: all). `ping` runs
# relayd's defaults, where the store keeps one ping record per device per
# ping-record-interval (300 s); `ping-recorded` records every answered ping
# (--ping-record-interval=0), the behaviour before that knob. For each one relayd runs under
# callgrind with instrumentation off until every connection of the load is
# up, then on for the rest of the relaybench run, then off again once the
# store writer has flushed. The units are counted by relayd's own metrics
# over the same span. Prints instructions (Ir, user space only: the kernel's TCP work is
# not counted) per echo round trip, per handshake and per answered ping, and
# keeps each callgrind profile as OUT_DIR/<workload>.callgrind for
# callgrind_annotate.
set -euo pipefail

BUILD=$(realpath "$1")
OUT=$(mkdir -p "$2" && realpath "$2")
shift 2
WHAT=("$@")
[[ ${#WHAT[@]} -gt 0 ]] || WHAT=(echo handshake ping ping-recorded)

RELAYD="$BUILD/relayd/relayd"
BENCH="$BUILD/bench/relaybench"
WORK=$(mktemp -d /tmp/relayd-instructions-XXXXXX)
VG_PID=""
trap 'stop_relayd; rm -rf "$WORK"' EXIT

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$WORK/key"
head -c 12 /dev/urandom | base64 | tr -d '/+=\n' > "$WORK/salt"
SECRETS=(--secret-key-file "$WORK/key" --salt-file "$WORK/salt")
"$BENCH" approve-db --db "$WORK/store.template" --bots 16 --devices-per-bot 64 >/dev/null

start_relayd() {  # workload name, extra relayd flags...
  local name=$1
  shift
  rm -f "$WORK/relayd.json" "$WORK"/store.db*
  cp "$WORK/store.template" "$WORK/store.db"
  # As in measure.sh: message rate limits and per-address admission off, so
  # the counts are of relayd's work, not of its refusals.
  valgrind --tool=callgrind --instr-atstart=no --callgrind-out-file="$OUT/$name.callgrind" \
    "$RELAYD" --listen=127.0.0.1:0 --admin-listen=127.0.0.1:0 --metrics-listen=127.0.0.1:0 \
    --ready-file="$WORK/relayd.json" --store-path="$WORK/store.db" \
    --auth-secret-key-file="$WORK/key" --auth-salt-file="$WORK/salt" --log-level=warn \
    --connection-rate-limit=0 --bot-rate-limit=0 \
    --admission-allowlist=127.0.0.0/8 --flap-handshake-limit=0 "$@" \
    >>"$OUT/relayd.log" 2>&1 &
  VG_PID=$!
  for _ in $(seq 600); do [[ -s "$WORK/relayd.json" ]] && return 0; sleep 0.1; done
  echo "relayd did not start" >&2
  return 1
}

stop_relayd() {
  if [[ -n "$VG_PID" ]] && kill -0 "$VG_PID" 2>/dev/null; then
    kill -TERM "$VG_PID"
    wait "$VG_PID" || true
  fi
  VG_PID=""
}

counter() {  # sum of a metric's samples from relayd's /metrics
  curl -s "http://$(jq -r .metrics "$WORK/relayd.json")/metrics" |
    awk -v name="$1" '$1 == name || index($1, name "{") == 1 { sum += $2 } END { printf "%d", sum }'
}

measure() {  # workload name, relayd counter of units, connections to wait for, relaybench args...
  local name=$1 metric=$2 held=$3
  shift 3
  "$BENCH" "$@" --ready-file "$WORK/relayd.json" --server-pid "$VG_PID" --label relayd \
    "${SECRETS[@]}" --setup-timeout 300 --handshake-timeout 60 --json >"$OUT/$name.json" &
  local bench_pid=$!
  # Count from the moment every connection is up (the setup's handshakes are
  # not part of the unit being measured).
  until (( $(counter botrelay_connections) >= held )); do sleep 0.2; done
  callgrind_control -i on "$VG_PID" >/dev/null
  local before
  before=$(counter "$metric")
  wait "$bench_pid" || echo "relaybench $name: exit status $?" >&2
  sleep 1  # the store writer's last batch (store-flush-interval 0.2 s)
  callgrind_control -i off "$VG_PID" >/dev/null
  local units=$(( $(counter "$metric") - before ))
  stop_relayd
  local ir
  ir=$(callgrind_annotate "$OUT/$name.callgrind" 2>/dev/null |
    awk '/PROGRAM TOTALS/ { gsub(",", "", $1); print $1 }')
  echo "$name: $ir instructions / $units $metric = $(( ir / units )) per unit" |
    tee -a "$OUT/summary.txt"
}

for w in "${WHAT[@]}"; do
  case $w in
    echo)  # 16 connections x 4 in flight, 20 s
      start_relayd echo
      measure echo botrelay_messages_accepted_total 16 \
        echo --connections 16 --inflight 4 --duration 20
      ;;
    handshake)  # connect + handshake + close, 8 at a time, 20 s
      start_relayd handshake
      measure handshake botrelay_handshakes_total 0 \
        handshake --connections 8 --connect-concurrency 8 --duration 20
      ;;
    ping|ping-recorded)  # 500 idle connections pinged every second, 20 s
      record=()
      [[ $w == ping-recorded ]] && record=(--ping-record-interval=0)
      start_relayd "$w" --ping-interval=1 --ping-timeout=60 "${record[@]}"
      measure "$w" botrelay_ping_replies_total 500 idle --connections 500 --duration 20 --connect-concurrency 64
      ;;
    *) echo "unknown workload $w" >&2; exit 2 ;;
  esac
done
