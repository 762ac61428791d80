#!/usr/bin/env bash
# Builds the libFuzzer targets with clang (ASan+UBSan) and runs each for a
# bounded time, starting from its seed corpus (tests/fuzz/corpus/<target>).
#
#   scripts/fuzz.sh [seconds-per-target] [target...]
#
# Defaults: BOTRELAY_FUZZ_SECONDS (60) per target, every target. The corpus
# the run grows stays in the build directory; a crash fails the run and is
# left in $BUILD_DIR/artifacts/<target>/ with the steps to keep it as a
# regression test (tests/fuzz/README.md).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
BUILD_DIR="${BOTRELAY_FUZZ_BUILD_DIR:-$ROOT/build-fuzz}"
JOBS="${BOTRELAY_JOBS:-2}"
SECONDS_PER_TARGET="${1:-${BOTRELAY_FUZZ_SECONDS:-60}}"
shift || true
TARGETS=("$@")
[ ${#TARGETS[@]} -gt 0 ] || TARGETS=(frame_decoder handshake auth_block replay_cache)

launcher=()
command -v ccache >/dev/null && launcher=(-DCMAKE_CXX_COMPILER_LAUNCHER=ccache)
CXX=clang++ cmake -S "$ROOT" -B "$BUILD_DIR" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DBOTRELAY_FUZZ=ON "${launcher[@]}" >/dev/null
cmake --build "$BUILD_DIR" -j "$JOBS"

export ASAN_OPTIONS="${ASAN_OPTIONS:-detect_leaks=1}"
failed=()
for target in "${TARGETS[@]}"; do
  work="$BUILD_DIR/corpus/$target"
  artifacts="$BUILD_DIR/artifacts/$target"
  mkdir -p "$work" "$artifacts"
  log="$BUILD_DIR/$target.log"
  echo "==> fuzzing $target for ${SECONDS_PER_TARGET}s"
  # -timeout: one input taking over 10 s is a hang, and a finding.
  if "$BUILD_DIR/tests/fuzz/${target}_fuzzer" -max_total_time="$SECONDS_PER_TARGET" \
      -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 \
      -artifact_prefix="$artifacts/" "$work" "$ROOT/tests/fuzz/corpus/$target" \
      "$ROOT/tests/fuzz/regressions/$target" >"$log" 2>&1; then
    grep -E '^stat::number_of_executed_units|^stat::peak_rss_mb' "$log" | tr '\n' ' '
    echo "corpus=$(find "$work" -type f | wc -l) files"
  else
    tail -n 40 "$log"
    echo "!!! $target found a failing input: $(ls "$artifacts")"
    echo "    keep it: cp $artifacts/<file> $ROOT/tests/fuzz/regressions/$target/, fix, commit both"
    failed+=("$target")
  fi
done
[ ${#failed[@]} -eq 0 ] || { echo "fuzzing failed: ${failed[*]}"; exit 1; }
