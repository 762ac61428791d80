#!/usr/bin/env bash
# Runs the measurements of docs/performance.md: each one 3 times, printing
# every run's JSON line and the median. Starts and stops its own relayd
# (--log-level=warn) on loopback ports with a pre-approved temporary store.
#
#   bench/measure.sh BUILD_DIR OUT_DIR [MEASUREMENT...]
#
# MEASUREMENT: echo open open-rt idle10k idle19k ping19k ping-equiv handshake churn drain
# (default: all). Results go to OUT_DIR/<measurement>.jsonl.
#
# This machine caps RLIMIT_NOFILE at 20,000 (hard) and grants no
# CAP_SYS_RESOURCE, so neither relayd nor relaybench can hold more than about
# 19,900 sockets: 19,000 is the largest idle run, and ping-equiv reproduces
# the ping rate of 100,000 connections at 30 s (3,333/s) with 19,000
# connections pinged every 5.7 s.
set -euo pipefail

BUILD=$(realpath "$1")
OUT=$(mkdir -p "$2" && realpath "$2")
shift 2
WHAT=("$@")
[[ ${#WHAT[@]} -gt 0 ]] || WHAT=(echo open open-rt idle10k idle19k ping19k ping-equiv handshake churn drain)

RELAYD="$BUILD/relayd/relayd"
BENCH="$BUILD/bench/relaybench"
RUNS=${RUNS:-3}
WORK=$(mktemp -d /tmp/relaybench-measure-XXXXXX)
RELAYD_PID=""
trap 'stop_relayd; rm -rf "$WORK"' EXIT

head -c 32 /dev/urandom | base64 | tr -d '/+=\n' > "$WORK/key"
head -c 12 /dev/urandom | base64 | tr -d '/+=\n' > "$WORK/salt"
SECRETS=(--secret-key-file "$WORK/key" --salt-file "$WORK/salt")
# 16 bots x 6250 devices: identities for up to 100,000 connections.
"$BENCH" approve-db --db "$WORK/store.db" --bots 16 --devices-per-bot 6250 >/dev/null
cp "$WORK/store.db" "$WORK/store.template"

start_relayd() {  # extra relayd flags...
  rm -f "$WORK/relayd.json" "$WORK"/store.db*
  cp "$WORK/store.template" "$WORK/store.db"
  # relayd does not raise its own descriptor limit: it gets this shell's.
  # The message rate limits are off: one simulated phone sends far more than
  # a real one, and the runs measure capacity, not the limits. The load comes
  # from loopback and reconnects the same devices: per-address limits and flap
  # detection would refuse it (admission knobs).
  ${SCHED:-} "$RELAYD" --listen=127.0.0.1:0 --admin-listen=127.0.0.1:0 \
    --metrics-listen=127.0.0.1:0 --ready-file="$WORK/relayd.json" --store-path="$WORK/store.db" \
    --auth-secret-key-file="$WORK/key" --auth-salt-file="$WORK/salt" --log-level=warn \
    --connection-rate-limit=0 --bot-rate-limit=0 \
    --admission-allowlist=127.0.0.0/8 --flap-handshake-limit=0 "$@" \
    >>"$OUT/relayd.log" 2>&1 &
  RELAYD_PID=$!
  for _ in $(seq 100); do [[ -s "$WORK/relayd.json" ]] && return 0; sleep 0.1; done
  echo "relayd did not start" >&2
  return 1
}

stop_relayd() {
  if [[ -n "$RELAYD_PID" ]] && kill -0 "$RELAYD_PID" 2>/dev/null; then
    kill -TERM "$RELAYD_PID"
    wait "$RELAYD_PID" || echo "relayd exited with $?" >&2
  fi
  RELAYD_PID=""
}

bench() {  # name, relaybench args...; appends one JSON line to OUT/name.jsonl
  local name=$1
  shift
  ${SCHED:-} "$BENCH" "$@" --ready-file "$WORK/relayd.json" --label relayd "${SECRETS[@]}" --json \
    | tee -a "$OUT/$name.jsonl" || echo "relaybench $name: exit status $? (see the run's errors)" >&2
}

median() {  # name, jq expression over one run
  jq -s "map($2) | sort | .[(length - 1) / 2 | floor]" "$OUT/$1.jsonl"
}

echo "# $(date -u +%FT%TZ) $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg)" | tee -a "$OUT/machine.txt"

for m in "${WHAT[@]}"; do
  rm -f "$OUT/$m.jsonl"
  case $m in
    echo)  # closed loop, 100 x 8, against the reference server and relayd
      start_relayd
      for _ in $(seq "$RUNS"); do
        bench echo echo --connections 100 --inflight 8 --duration 10 --compare-reference
      done
      stop_relayd
      echo "echo median: relayd $(median echo .target.throughput_per_s)/s," \
        "reference $(median echo .reference.throughput_per_s)/s, ratio $(median echo .rate_ratio)"
      ;;
    open | open-rt)  # open loop, 20,000 msg/s over 1,000 connections
      # open-rt runs relayd, relaybench and the reference server SCHED_FIFO so
      # that other processes on the machine cannot preempt them (they use
      # about 0.7 of a core each at this rate).
      [[ $m == open-rt ]] && SCHED="chrt -f 10"
      start_relayd
      for _ in $(seq "$RUNS"); do
        bench "$m" open --connections 1000 --rate 20000 --duration 10 --compare-reference
      done
      stop_relayd
      SCHED=""
      echo "$m median: relayd p50 $(median "$m" .target.latency.p50_us) us," \
        "p99 $(median "$m" .target.latency.p99_us) us, p99.9 $(median "$m" .target.latency.p999_us) us;" \
        "reference p99 $(median "$m" .reference.latency.p99_us) us;" \
        "generator send lag p99 $(median "$m" .target.send_lag.p99_us) us"
      ;;
    idle10k | idle19k)  # RSS per held connection (fresh relayd each run)
      n=$([[ $m == idle10k ]] && echo 10000 || echo 19000)
      for _ in $(seq "$RUNS"); do
        start_relayd --max-connections=19500
        bench "$m" idle --connections "$n" --duration 5 --connect-concurrency 512 --setup-timeout 300
        stop_relayd
      done
      echo "$m median: $(median "$m" .rss_per_connection_bytes) bytes/connection," \
        "held $(median "$m" .connections_held)"
      ;;
    ping19k | ping-equiv)  # CPU of idle connections being pinged, against the reference server (fresh relayd each run)
      # ping-equiv scales the store's records with the pings: at 5.7 s instead
      # of 30 s, one record per 57 s is the default's one per 10 pings.
      if [[ $m == ping19k ]]; then flags=(); hold=65; interval=30
      else flags=(--ping-interval=5.7 --ping-record-interval=57); hold=30; interval=5.7; fi
      # The reference server pings at relayd's interval: its CPU per answered
      # ping is the machine's floor for this work (send, read, epoll).
      for _ in $(seq "$RUNS"); do
        start_relayd --max-connections=19500 "${flags[@]}"
        bench "$m" idle --connections 19000 --duration "$hold" --connect-concurrency 512 --setup-timeout 300 \
          --compare-reference --ping-interval "$interval"
        stop_relayd
      done
      echo "$m: server CPU $(median "$m" .target.server_cpu_pct) % of a core," \
        "pings answered $(median "$m" .target.pings_answered);" \
        "reference $(median "$m" .reference.server_cpu_pct) %, CPU per ping ratio $(median "$m" .cpu_per_unit_ratio)"
      ;;
    handshake)  # connect + handshake + close, 64 at a time, against the reference server and relayd
      # Each run (the reference's and relayd's) starts once the TIME_WAIT
      # sockets of the one before have expired (bench/time_wait.h).
      start_relayd
      for _ in $(seq "$RUNS"); do
        bench handshake handshake --connections 64 --duration 10 --connect-concurrency 64 --compare-reference \
          --settle-time-wait 65
      done
      stop_relayd
      echo "handshake median: relayd $(median handshake .target.handshake_rate_per_s)/s," \
        "p99 $(median handshake .target.handshake_latency.p99_us) us;" \
        "reference $(median handshake .reference.handshake_rate_per_s)/s, ratio $(median handshake .rate_ratio)"
      ;;
    churn)  # reconnect after every 10 echoes
      start_relayd
      for _ in $(seq "$RUNS"); do
        bench churn churn --connections 200 --echoes-per-session 10 --inflight 2 --duration 10 \
          --settle-time-wait 65
      done
      stop_relayd
      echo "churn median: $(median churn .sessions_completed) sessions," \
        "$(median churn .throughput_per_s) echoes/s"
      ;;
    drain)  # 10,000 connections with echo load, SIGTERM after 5 s (relayd exits each run)
      for _ in $(seq "$RUNS"); do
        start_relayd --max-connections=11000
        bench drain drain --connections 10000 --inflight 1 --drain-after 5 --duration 60 \
          --connect-concurrency 512 --setup-timeout 300
        wait "$RELAYD_PID" || echo "relayd exited with $?" >&2
        RELAYD_PID=""
      done
      echo "drain median: $(median drain .drain_s) s, missing replies" \
        "$(median drain '.errors.missing_reply // 0'), ok $(median drain .ok)"
      ;;
    *) echo "unknown measurement $m" >&2; exit 2 ;;
  esac
done
