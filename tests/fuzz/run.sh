#!/usr/bin/env bash
# Fuzzes the targets of tests/fuzz with libFuzzer: tests/fuzz/run.sh [SECONDS] [TARGET]
#
# Builds them with clang (ASan + UBSan, libFuzzer) in build/fuzz, then for each
# target (or only TARGET: request, record_batch, log_append):
#  1. merges fresh seeds from fuzz_seeds into tests/fuzz/corpus/TARGET (only
#     those adding edges are kept);
#  2. fuzzes for SECONDS (default 60), adding new inputs to that corpus;
#  3. minimizes the corpus (-merge=1 into an empty directory), counting edges
#     only (-use_counters=0): the corpus is replayed by CI and must stay small.
# Stops at the first crash, leaving the input in build/fuzz/artifacts/TARGET/.
# Environment: RUNNEL_FUZZ_BUILD (build dir), JOBS (build parallelism, 1),
# CXX (clang++-14), FUZZ_FLAGS (extra libFuzzer flags, e.g. -jobs=2).
set -euo pipefail

seconds=${1:-60}
only=${2:-}
root=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
build=${RUNNEL_FUZZ_BUILD:-$root/build/fuzz}
all=(request record_batch log_append)

if [[ -n "$only" ]]; then
  [[ " ${all[*]} " == *" $only "* ]] || { echo "unknown target '$only' (one of: ${all[*]})" >&2; exit 2; }
  targets=("$only")
else
  targets=("${all[@]}")
fi
[[ "$seconds" =~ ^[0-9]+$ ]] || { echo "usage: $0 [SECONDS] [TARGET]" >&2; exit 2; }

cmake -S "$root" -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo \
  -DCMAKE_CXX_COMPILER="${CXX:-clang++-14}" -DRUNNEL_FUZZ=ON \
  -DCMAKE_CXX_FLAGS="-fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer" \
  >/dev/null
cmake --build "$build" -j "${JOBS:-1}" --target fuzz_seeds "${targets[@]/%/_fuzz}"

export ASAN_OPTIONS=${ASAN_OPTIONS:-abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
"$build/tests/fuzz/fuzz_seeds" "$build/seeds"

for target in "${targets[@]}"; do
  fuzzer=$build/tests/fuzz/${target}_fuzz
  corpus=$root/tests/fuzz/corpus/$target
  artifacts=$build/artifacts/$target/
  mkdir -p "$corpus" "$artifacts"
  echo "== $target: merging seeds"
  "$fuzzer" -merge=1 -use_counters=0 "$corpus" "$build/seeds/$target" 2>"$build/$target-seed-merge.log"
  echo "== $target: fuzzing for ${seconds}s from $(ls "$corpus" | wc -l) inputs"
  # shellcheck disable=SC2086
  if ! "$fuzzer" -max_total_time="$seconds" -timeout=10 -print_final_stats=1 -artifact_prefix="$artifacts" \
      ${FUZZ_FLAGS:-} "$corpus" 2>"$build/$target-fuzz.log"; then
    tail -n 60 "$build/$target-fuzz.log" >&2
    echo "== $target: CRASH, input in $artifacts (log: $build/$target-fuzz.log)" >&2
    exit 1
  fi
  grep -E "^stat::(number_of_executed_units|new_units_added)" "$build/$target-fuzz.log" || true
  echo "== $target: minimizing"
  minimized=$build/minimized/$target
  rm -rf "$minimized" && mkdir -p "$minimized"
  "$fuzzer" -merge=1 -use_counters=0 "$minimized" "$corpus" 2>"$build/$target-merge.log"
  rm -rf "$corpus" && mv "$minimized" "$corpus"
  echo "== $target: $(ls "$corpus" | wc -l) inputs, $(du -sb "$corpus" | cut -f1) bytes"
done
