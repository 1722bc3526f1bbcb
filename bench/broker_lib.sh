# Shared by the broker benchmarks: start_broker MODE [runneld args...] starts
# runneld (config/runneld.properties) on a fresh $dir/data-MODE and an
# ephemeral port (sets $broker_pid and $port; its log is $dir/runneld-MODE.log);
# stop_broker sends SIGTERM and waits. Needs $dir and $runneld.

broker_pid=
stop_broker() {
  if [[ -n "$broker_pid" ]] && kill -0 "$broker_pid" 2>/dev/null; then
    kill -TERM "$broker_pid"
    wait "$broker_pid" || echo "runneld exited with status $? after SIGTERM" >&2
  fi
  broker_pid=
}
start_broker() {  # mode, extra runneld args...
  local mode=$1; shift
  rm -rf "$dir/data-$mode"
  "$runneld" config/runneld.properties --override "log.dirs=$dir/data-$mode" \
      --override listeners=PLAINTEXT://127.0.0.1:0 "$@" 2>"$dir/runneld-$mode.log" &
  broker_pid=$!
  port=
  for _ in $(seq 100); do
    port=$(grep -o 'listening on 127.0.0.1:[0-9]*' "$dir/runneld-$mode.log" | head -1 | cut -d: -f2 || true)
    [[ -n "$port" ]] && return
    kill -0 "$broker_pid" 2>/dev/null || break
    sleep 0.1
  done
  echo "runneld did not start; its log:" >&2
  cat "$dir/runneld-$mode.log" >&2
  exit 1
}
