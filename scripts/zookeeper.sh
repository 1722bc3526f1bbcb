#!/usr/bin/env bash
# A throw-away ZooKeeper for development and tests (Debian's `zookeeper` package, ZooKeeper 3.8).
#
#   scripts/zookeeper.sh start DIR [PORT]   start one standalone server on 127.0.0.1:PORT
#                                           (0 or omitted: a free port), wait until it answers
#   scripts/zookeeper.sh stop DIR           stop the server started in DIR and wait for it
#
# Everything lives in DIR: zoo.cfg, data/, zookeeper.log, pid, port. tickTime is 500 ms, so
# sessions may time out after 1 s (2 ticks) and at most after 10 s (20 ticks). The admin server
# is off and only the `ruok` and `srvr` four-letter words are on. The server is the JVM itself
# (the same command Debian's zkServer.sh start-foreground runs, without its fixed log dir).
# With ZOOKEEPER_OWNER_PID set, the server is also stopped when that process is gone (a test that
# crashed before its `stop`).
set -euo pipefail

usage() { echo "usage: $0 start DIR [PORT] | stop DIR" >&2; exit 2; }
fail() {
  echo "zookeeper.sh: $*" >&2
  if [[ -f "$dir/zookeeper.log" ]]; then
    echo "--- last lines of $dir/zookeeper.log" >&2
    tail -n 30 "$dir/zookeeper.log" >&2
  fi
  exit 1
}

# Answers 0 when the server on 127.0.0.1:$1 says "imok".
answers() {
  local reply=""
  exec 3<>"/dev/tcp/127.0.0.1/$1" || return 1
  printf 'ruok' >&3
  read -r -t 2 -n 4 reply <&3 || true
  exec 3>&- 3<&-
  [[ "$reply" == imok ]]
}

free_port() {
  /usr/bin/python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
  local port="${1:-0}"
  [[ "$port" =~ ^[0-9]+$ ]] || usage
  if [[ -f "$dir/pid" ]] && kill -0 "$(cat "$dir/pid")" 2>/dev/null; then
    fail "a server started in $dir is still running (pid $(cat "$dir/pid"))"
  fi
  (( port != 0 )) || port="$(free_port)"
  if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then fail "127.0.0.1:$port is already in use"; fi
  mkdir -p "$dir/data"
  cat >"$dir/zoo.cfg" <<EOF
tickTime=500
dataDir=$dir/data
clientPort=$port
clientPortAddress=127.0.0.1
admin.enableServer=false
4lw.commands.whitelist=ruok,srvr
maxClientCnxns=0
EOF
  echo "$port" >"$dir/port"
  # Logs go to zookeeper.log through log4j when Debian's slf4j binding is installed (libslf4j-java);
  # without it ZooKeeper logs nothing but still prints start-up failures.
  local classpath=/etc/zookeeper/conf:/usr/share/java/zookeeper.jar
  if [[ -f /usr/share/java/slf4j-log4j12.jar && -f /usr/share/java/log4j-1.2.jar ]]; then
    classpath+=:/usr/share/java/slf4j-log4j12.jar:/usr/share/java/log4j-1.2.jar
  fi
  # setsid: the server has its own process group, so a terminal's Ctrl-C in the caller does not
  # reach it and `stop` owns its shutdown.
  setsid /usr/bin/java -Xmx256m -XX:+UseSerialGC -XX:TieredStopAtLevel=1 \
    "-Dzookeeper.log.dir=$dir" -Dzookeeper.root.logger=INFO,CONSOLE \
    -cp "$classpath" \
    org.apache.zookeeper.server.quorum.QuorumPeerMain "$dir/zoo.cfg" \
    >"$dir/zookeeper.log" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$dir/pid"
  if [[ -n "${ZOOKEEPER_OWNER_PID:-}" ]]; then
    local owner="$ZOOKEEPER_OWNER_PID"
    (
      while kill -0 "$owner" 2>/dev/null && kill -0 "$pid" 2>/dev/null; do sleep 1; done
      if ! kill -0 "$owner" 2>/dev/null; then kill "$pid" 2>/dev/null || true; fi
    ) </dev/null >/dev/null 2>&1 &
  fi
  local deadline=$((SECONDS + 30))
  until answers "$port" 2>/dev/null; do
    kill -0 "$pid" 2>/dev/null || fail "the server exited during start (port $port)"
    (( SECONDS < deadline )) || { kill "$pid" 2>/dev/null || true; fail "no answer on 127.0.0.1:$port within 30 s"; }
    sleep 0.1
  done
  kill -0 "$pid" 2>/dev/null || fail "the server exited during start (port $port)"
  echo "zookeeper on 127.0.0.1:$port (pid $pid, dir $dir)"
}

stop() {
  [[ -f "$dir/pid" ]] || { echo "zookeeper.sh: no server was started in $dir" >&2; return 0; }
  local pid
  pid="$(cat "$dir/pid")"
  if kill "$pid" 2>/dev/null; then
    local deadline=$((SECONDS + 10))
    while kill -0 "$pid" 2>/dev/null; do
      if (( SECONDS >= deadline )); then kill -9 "$pid" 2>/dev/null || true; fi
      sleep 0.05
    done
  fi
  rm -f "$dir/pid"
}

(( $# >= 2 )) || usage
command="$1"
mkdir -p "$2"
dir="$(cd "$2" && pwd)"
case "$command" in
  start) (( $# <= 3 )) || usage; start "${3:-0}" ;;
  stop) (( $# == 2 )) || usage; stop ;;
  *) usage ;;
esac
