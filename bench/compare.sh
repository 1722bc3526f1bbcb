#!/usr/bin/env bash
# Issue 7's comparison in one command: Runnel against Redis Streams, NATS JetStream and RabbitMQ,
# with the machine's own limits, measured in one run on this machine, then written into
# docs/benchmarks.md (between <!-- compare:begin --> and <!-- compare:end -->) and docs/img/.
#
#   bash bench/compare.sh [--smoke]
#
# As root on Debian 12 it installs what it needs (the project's build dependencies, the servers,
# iperf3, fio, matplotlib, hiredis, Go and its NATS and AMQP libraries) without letting the
# packages start their system services; builds release runneld, runnel-bench and redis-bench in
# ${BUILD:-build/release} with -j ${JOBS:-1}; runs bench/compare/{machine,runnel,redis,nats,
# rabbitmq}.sh, each appending to $COMPARE_DIR/results.jsonl (COMPARE_DIR: a fresh temp dir under
# /var/tmp unless set); then bench/compare/report.py. A script that fails is reported and makes
# the exit status non-zero; the others still run. --smoke: a few seconds per workload, and the
# report goes to $COMPARE_DIR (docs/ is left alone). DOCS=FILE IMG=DIR send the report elsewhere.
set -euo pipefail
cd "$(dirname "$0")/.."
smoke=${1:-}
[[ -z "$smoke" || "$smoke" == --smoke ]] || { echo "usage: bash bench/compare.sh [--smoke]" >&2; exit 2; }

packages=(redis-server nats-server rabbitmq-server iperf3 fio python3-matplotlib libhiredis-dev golang-go
          golang-github-nats-io-go-nats-dev golang-github-rabbitmq-amqp091-go-dev)
install_packages() {
  local missing=() p policy=/usr/sbin/policy-rc.d created=
  for p in "${packages[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
  done
  (( ${#missing[@]} )) || return 0
  if (( EUID != 0 )); then
    echo "compare.sh: missing packages (${missing[*]}); run as root to install them" >&2
    exit 1
  fi
  # Our scripts start their own servers on free ports: keep the packages' services from starting
  # (invoke-rc.d asks policy-rc.d; 101 = action forbidden). An existing policy is left as it is.
  if [[ ! -e "$policy" ]]; then
    printf '#!/bin/sh\nexit 101\n' >"$policy"
    chmod +x "$policy"
    created=1
  fi
  echo "compare.sh: installing ${missing[*]}"
  local status=0
  DEBIAN_FRONTEND=noninteractive apt-get update -qq &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends \
          -o DPkg::Lock::Timeout=600 "${missing[@]}" || status=$?
  [[ -z "$created" ]] || rm -f "$policy"
  (( status == 0 )) || { echo "compare.sh: apt-get failed (status $status)" >&2; exit 1; }
}

if (( EUID == 0 )); then
  bash scripts/install-deps.sh
fi
install_packages

build=${BUILD:-build/release}
targets=(runneld runnel-bench redis-bench)
cmake -S . -B "$build" -G Ninja -DCMAKE_BUILD_TYPE=Release -DRUNNEL_BUILD_TESTS=OFF >/dev/null
cmake --build "$build" -j "${JOBS:-1}" --target "${targets[@]}"
export BUILD=$build RUNNELD=$build/broker/runneld RUNNEL_BENCH=$build/bench/runnel-bench \
    REDIS_BENCH=$build/bench/redis-bench

export COMPARE_DIR=${COMPARE_DIR:-$(mktemp -d /var/tmp/runnel-compare-XXXXXX)}
mkdir -p "$COMPARE_DIR"
results=$COMPARE_DIR/results.jsonl
: >"$results"
if [[ -n "$smoke" ]]; then
  docs=${DOCS:-$COMPARE_DIR/benchmarks.md} img=${IMG:-$COMPARE_DIR/img}
else
  docs=${DOCS:-docs/benchmarks.md} img=${IMG:-docs/img}
fi

failed=()
for system in machine runnel redis nats rabbitmq; do
  script=bench/compare/$system.sh
  if [[ ! -f "$script" ]]; then
    echo "compare.sh: SKIPPED $system: $script does not exist yet" >&2
    continue
  fi
  echo "compare.sh: running $script" >&2
  if ! bash "$script" "$results" $smoke; then
    echo "compare.sh: ********** $script FAILED; its results may be partial; continuing **********" >&2
    failed+=("$system")
  fi
done

/usr/bin/python3 bench/compare/report.py "$results" --docs "$docs" --img "$img" \
    --command "bash bench/compare.sh${smoke:+ $smoke}" || failed+=(report)
echo "compare.sh: results in $results; report in $docs and $img/" >&2
if (( ${#failed[@]} )); then
  echo "compare.sh: FAILED: ${failed[*]}" >&2
  exit 1
fi
