#!/usr/bin/env bash
# RabbitMQ's side of the comparison (contract: bench/compare/common.sh): W1, W2, W3 and L1 against
# one RabbitMQ 3.10 node of our own on 127.0.0.1 (temp dir, own Erlang cookie, own epmd on a free
# port), in three variants, each with its own queues or streams:
# - a stream (rabbitmq_stream plugin), driven by rabbitmq-stream-js-client (bench/compare/node,
#   `npm ci`); durability: page cache. Streams write every chunk to their segment files but "do not
#   explicitly flush (fsync)" them (RabbitMQ docs, Streams, "Data Safety"); publisher confirms
#   mean written by the node's replicas (here the one), not synced.
# - a durable classic queue (version 1, 3.10's default), persistent messages, publisher confirms,
#   driven by amqpbench (bench/compare/go, amqp091-go from Debian); durability: fsync before ack.
#   "For persistent messages routed to durable queues, this means persisting to disk" (RabbitMQ
#   docs, Consumer Acknowledgements and Publisher Confirms); the message store fsyncs in batches
#   before the confirms go out. With a consumer waiting (L1) a message that is delivered and acked
#   before it reaches the disk is confirmed without being written.
# - a quorum queue (one member) the same way; durability: fsync before ack (its Raft log is
#   written and fsynced before the leader confirms: RabbitMQ docs, Quorum Queues / Streams "Data
#   Safety").
# Server CPU and peak RSS are the beam.smp process's.
#
#   bench/compare/rabbitmq.sh OUT [--smoke]
set -euo pipefail
out=$(realpath -m "${1:?usage: bench/compare/rabbitmq.sh OUT [--smoke]}")
smoke=${2:-}
cd "$(dirname "$0")/../.."
source bench/compare/common.sh
workload_sizes "$smoke"

rabbit_bin=/usr/lib/rabbitmq/bin
[[ -x "$rabbit_bin/rabbitmq-server" ]] || { echo "rabbitmq.sh: RabbitMQ is missing (apt-get install rabbitmq-server)" >&2; exit 1; }
for tool in epmd node npm; do
  command -v "$tool" >/dev/null || { echo "rabbitmq.sh: $tool is missing" >&2; exit 1; }
done
amqpbench=$(build_go_client amqpbench)
(cd bench/compare/node && npm ci --no-audit --no-fund --loglevel=error >&2) ||
  { echo "rabbitmq.sh: npm ci in bench/compare/node failed" >&2; exit 1; }
stream_js=bench/compare/node/stream.js

dir=$(compare_workdir rabbitmq)
epmd_pid= wrapper_pid= beam_pid=
stop_rabbitmq() {
  if [[ -n "$wrapper_pid" ]] && kill -0 "$wrapper_pid" 2>/dev/null; then
    "$rabbit_bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" stop >>"$dir/rabbitmqctl.log" 2>&1 ||
      echo "rabbitmq.sh: rabbitmqctl stop failed; sending SIGTERM" >&2
    local i
    for ((i = 0; i < 100 && $(kill -0 "$wrapper_pid" 2>/dev/null && echo 1 || echo 0); i++)); do sleep 0.1; done
    kill -0 "$wrapper_pid" 2>/dev/null && kill -TERM "$wrapper_pid"
    wait "$wrapper_pid" 2>/dev/null || true
  fi
  if [[ -n "$beam_pid" ]] && kill -0 "$beam_pid" 2>/dev/null; then kill -KILL "$beam_pid"; fi
  if [[ -n "$epmd_pid" ]]; then stop_pid "$epmd_pid" epmd 2>/dev/null || true; fi
  wrapper_pid= beam_pid= epmd_pid=
}
trap 'stop_rabbitmq; rm -rf "$dir"' EXIT

# Four distinct free ports: AMQP, stream, Erlang distribution, epmd.
ports=()
while (( ${#ports[@]} < 4 )); do
  port=$(free_port)
  [[ " ${ports[*]} " == *" $port "* ]] || ports+=("$port")
done
amqp_port=${ports[0]} stream_port=${ports[1]}

mkdir -p "$dir/home" "$dir/mnesia" "$dir/log"
head -c 30 /dev/urandom | base64 | tr -dc 'A-Za-z0-9' >"$dir/home/.erlang.cookie"
chmod 400 "$dir/home/.erlang.cookie"
: >"$dir/rabbitmq-env.conf"
echo '[rabbitmq_stream].' >"$dir/enabled_plugins"
cat >"$dir/rabbitmq.conf" <<CONF
listeners.tcp.1 = 127.0.0.1:$amqp_port
stream.listeners.tcp.1 = 127.0.0.1:$stream_port
stream.advertised_host = 127.0.0.1
stream.advertised_port = $stream_port
CONF
export HOME="$dir/home" ERL_EPMD_PORT=${ports[3]} ERL_EPMD_ADDRESS=127.0.0.1 \
  RABBITMQ_NODENAME="runnelbench-$$@localhost" RABBITMQ_NODE_IP_ADDRESS=127.0.0.1 \
  RABBITMQ_NODE_PORT=$amqp_port RABBITMQ_DIST_PORT=${ports[2]} \
  RABBITMQ_CONF_ENV_FILE="$dir/rabbitmq-env.conf" RABBITMQ_CONFIG_FILE="$dir/rabbitmq.conf" \
  RABBITMQ_ADVANCED_CONFIG_FILE="$dir/advanced.config" RABBITMQ_ENABLED_PLUGINS_FILE="$dir/enabled_plugins" \
  RABBITMQ_MNESIA_BASE="$dir/mnesia" RABBITMQ_LOG_BASE="$dir/log" RABBITMQ_PID_FILE="$dir/beam.pid"

epmd -address 127.0.0.1 -port "$ERL_EPMD_PORT" >"$dir/epmd.log" 2>&1 &
epmd_pid=$!
wait_port "$ERL_EPMD_PORT"
"$rabbit_bin/rabbitmq-server" >"$dir/rabbitmq-server.out" 2>&1 &
wrapper_pid=$!
if ! "$rabbit_bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" --timeout 120 wait "$RABBITMQ_PID_FILE" \
    >>"$dir/rabbitmqctl.log" 2>&1 || ! wait_port "$stream_port" 30; then
  echo "rabbitmq.sh: RabbitMQ did not start; the end of its output and log:" >&2
  tail -20 "$dir/rabbitmq-server.out" "$dir"/log/*.log >&2 || true
  exit 1
fi
beam_pid=$(cat "$RABBITMQ_PID_FILE")
version=$("$rabbit_bin/rabbitmqctl" -n "$RABBITMQ_NODENAME" version 2>/dev/null || deb_version rabbitmq-server)

failed=0
# workload VARIANT DURABILITY NAME CLIENT command...: one client command against the node; $size
# and $count are the record size and the records it should handle.
workload() {
  local variant=$1 durability=$2 name=$3 description=$4; shift 4
  bench_workload "$out" "$beam_pid" "$count" "$dir/client.log" system=rabbitmq "variant=$variant" \
      "durability=$durability" "workload=$name" "record_bytes=$size" "client=$description" \
      -- "$@" || failed=1
}

# every_workload VARIANT DURABILITY PRODUCE_CLIENT CONSUME_CLIENT LATENCY_CLIENT NAME_FLAG PREFIX
# command...: W1, W2, W3 and L1 through one client command that takes the common flags of
# natsbench/amqpbench/stream.js (-mode, -count, -size, -rate, -duration; NAME_FLAG names the queue
# or stream, PREFIX-w1 and so on).
every_workload() {
  local variant=$1 durability=$2 produce=$3 consume=$4 latency=$5 name_flag=$6 prefix=$7; shift 7
  size=100 count=$w1_records
  workload "$variant" "$durability" W1 "$produce" "$@" -mode produce "$name_flag" "$prefix-w1" -count "$count" -size "$size"
  workload "$variant" "$durability" W2 "$consume" "$@" -mode consume "$name_flag" "$prefix-w1" -count "$count" -size "$size"
  size=1024 count=$w3_records
  workload "$variant" "$durability" W3-produce "$produce" "$@" -mode produce "$name_flag" "$prefix-w3" -count "$count" -size "$size"
  workload "$variant" "$durability" W3-consume "$consume" "$@" -mode consume "$name_flag" "$prefix-w3" -count "$count" -size "$size"
  size=100 count=$(( l1_rate * l1_seconds ))
  workload "$variant" "$durability" L1 "$latency" "$@" -mode latency "$name_flag" "$prefix-l1" \
      -rate "$l1_rate" -duration "$l1_seconds" -size "$size"
}

# The stream, through the Node stream client: the library's own batching (publish frames of up to
# $chunk messages, sent as soon as the event loop is free) with at most $window unconfirmed.
chunk=100 window=10000
js_client="rabbitmq-stream-js-client $(node -p 'require("./bench/compare/node/node_modules/rabbitmq-stream-js-client/package.json").version') (Node $(node --version))"
every_workload "stream, 1 replica (segment files written, not fsynced)" "page cache" \
    "$js_client, send() batched $chunk a frame, at most $window unconfirmed" \
    "$js_client, consumer from the first offset, default credit policy" \
    "$js_client, paced send() (1 ms timer), consumer from the next offset" \
    -stream s node "$stream_js" -port "$stream_port" -chunk "$chunk" -window "$window"

# The queues, through amqp091-go: persistent messages, confirms outstanding at most $confirms;
# consumers with prefetch $prefetch and one multiple ack every $ack_every deliveries.
confirms=1000 prefetch=1000 ack_every=100
amqp_go="amqp091-go $(deb_version golang-github-rabbitmq-amqp091-go-dev | sed 's/-[^-]*$//') (amqpbench)"
for queue_type in classic quorum; do
  if [[ $queue_type == classic ]]; then
    variant="classic durable queue (v1), persistent messages, publisher confirms"
  else
    variant="quorum queue (1 member), persistent messages, publisher confirms"
  fi
  every_workload "$variant" "fsync before ack" \
      "$amqp_go, persistent, confirms (at most $confirms outstanding)" \
      "$amqp_go, basic.consume, prefetch $prefetch, multiple ack every $ack_every" \
      "$amqp_go, paced publish with confirms, consumer on a second connection (prefetch $prefetch)" \
      -queue "${queue_type:0:1}" "$amqpbench" -url "amqp://guest:guest@127.0.0.1:$amqp_port/" \
      -queue-type "$queue_type" -window "$confirms" -prefetch "$prefetch" -ack-every "$ack_every"
done

if grep -h '\[error\]' "$dir"/log/*.log >&2; then
  echo "rabbitmq.sh: (RabbitMQ $version errors above)" >&2
fi
exit "$failed"
