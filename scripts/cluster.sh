#!/usr/bin/env bash
# A broker cluster on one machine for development and tests: one ZooKeeper (scripts/zookeeper.sh)
# and N runneld brokers registered in it, all on 127.0.0.1.
#
#   scripts/cluster.sh start DIR [N] [key=value...]   start ZooKeeper and brokers 1..N (default 3),
#                                                    wait until every one is registered, print the
#                                                    bootstrap servers
#   scripts/cluster.sh broker DIR ID                 start broker ID again (same config, port, data)
#   scripts/cluster.sh stop DIR                      SIGTERM every broker, wait, then stop ZooKeeper
#
# key=value pairs go to every broker as --override (e.g. zookeeper.session.timeout.ms=2000).
# Layout of DIR: zookeeper/ (scripts/zookeeper.sh), broker-<id>/{server.properties, data/,
# runneld.log, pid, port}, bootstrap (the bootstrap servers, comma-separated).
# RUNNELD overrides the broker binary (default: build/release/broker/runneld). With
# ZOOKEEPER_OWNER_PID set, ZooKeeper and the brokers are also stopped when that process is gone.
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
runneld="${RUNNELD:-$root/build/release/broker/runneld}"

usage() { echo "usage: $0 start DIR [N] [key=value...] | broker DIR ID | stop DIR" >&2; exit 2; }
fail() { echo "cluster.sh: $*" >&2; exit 1; }

# Whether process $1 is running (a zombie is not: a broker outlives cluster.sh, its parent, and
# whoever inherits it may not reap it at once).
alive() {
  local stat
  stat="$(cat "/proc/$1/stat" 2>/dev/null)" || return 1
  stat="${stat##*) }"
  [[ "${stat%% *}" != Z ]]
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

# Starts broker $1 from DIR/broker-$1/server.properties (and its overrides file); waits until it
# registered (its "runneld started" line, printed after registration) or fails with its log.
start_broker() {
  local id="$1" bdir="$dir/broker-$1"
  [[ -f "$bdir/server.properties" ]] || fail "no broker $id in $dir"
  if [[ -f "$bdir/pid" ]] && alive "$(cat "$bdir/pid")"; then
    fail "broker $id is still running (pid $(cat "$bdir/pid"))"
  fi
  local args=()
  while IFS= read -r kv; do [[ -n "$kv" ]] && args+=(--override "$kv"); done <"$bdir/overrides"
  local log="$bdir/runneld.log"
  : >"$log"
  setsid "$runneld" "$bdir/server.properties" "${args[@]}" >>"$log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$bdir/pid"
  if [[ -n "${ZOOKEEPER_OWNER_PID:-}" ]]; then
    local owner="$ZOOKEEPER_OWNER_PID"
    (
      while kill -0 "$owner" 2>/dev/null && alive "$pid"; do sleep 1; done
      if ! kill -0 "$owner" 2>/dev/null; then kill -9 "$pid" 2>/dev/null || true; fi
    ) </dev/null >/dev/null 2>&1 &
  fi
  echo "$pid"
}

wait_registered() {
  local id="$1" pid="$2" bdir="$dir/broker-$1" deadline=$((SECONDS + 60))
  until grep -q "runneld started" "$bdir/runneld.log" 2>/dev/null; do
    if ! alive "$pid"; then
      echo "--- last lines of $bdir/runneld.log" >&2
      tail -n 20 "$bdir/runneld.log" >&2
      fail "broker $id exited during start"
    fi
    (( SECONDS < deadline )) || fail "broker $id did not register within 60 s (see $bdir/runneld.log)"
    sleep 0.1
  done
}

start() {
  local n="${1:-3}"
  [[ "$n" =~ ^[1-9][0-9]*$ ]] || usage
  shift || true
  [[ -x "$runneld" ]] || fail "no broker binary at $runneld (build it, or set RUNNELD)"
  bash "$root/scripts/zookeeper.sh" start "$dir/zookeeper" >/dev/null
  local zk
  zk="127.0.0.1:$(cat "$dir/zookeeper/port")"
  local pids=() bootstrap=""
  for ((id = 1; id <= n; id++)); do
    local bdir="$dir/broker-$id" port
    mkdir -p "$bdir/data"
    port="$(free_port)"
    echo "$port" >"$bdir/port"
    cat >"$bdir/server.properties" <<CFG
# written by scripts/cluster.sh
node.id=$id
listeners=PLAINTEXT://127.0.0.1:$port
log.dirs=$bdir/data
zookeeper.connect=$zk
CFG
    printf '%s\n' "$@" >"$bdir/overrides"
    pids+=("$(start_broker "$id")")
    bootstrap+="${bootstrap:+,}127.0.0.1:$port"
  done
  for ((id = 1; id <= n; id++)); do
    if ! (wait_registered "$id" "${pids[id - 1]}"); then stop >/dev/null 2>&1 || true; exit 1; fi
  done
  echo "$bootstrap" >"$dir/bootstrap"
  echo "zookeeper $zk; $n brokers registered; bootstrap servers: $bootstrap"
}

stop() {
  local pids=()
  for pidfile in "$dir"/broker-*/pid; do
    [[ -f "$pidfile" ]] || continue
    local pid
    pid="$(cat "$pidfile")"
    if kill -TERM "$pid" 2>/dev/null; then pids+=("$pid"); fi
    rm -f "$pidfile"
  done
  local deadline=$((SECONDS + 30))
  for pid in "${pids[@]}"; do
    while alive "$pid"; do
      if (( SECONDS >= deadline )); then kill -9 "$pid" 2>/dev/null || true; fi
      sleep 0.05
    done
  done
  bash "$root/scripts/zookeeper.sh" stop "$dir/zookeeper"
}

(( $# >= 2 )) || usage
command="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
shift 2
case "$command" in
  start) start "$@" ;;
  broker)
    (( $# == 1 )) || usage
    pid="$(start_broker "$1")"
    wait_registered "$1" "$pid"
    echo "broker $1 registered (pid $pid, 127.0.0.1:$(cat "$dir/broker-$1/port"))"
    ;;
  stop) (( $# == 0 )) || usage; stop ;;
  *) usage ;;
esac
