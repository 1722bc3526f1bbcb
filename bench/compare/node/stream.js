// The RabbitMQ stream client of bench/compare/rabbitmq.sh (rabbitmq-stream-js-client).
//
//   node stream.js -mode produce|consume|latency -port P -stream NAME [-count N] [-size B]
//                  [-chunk N] [-window N] [-rate R] [-duration S] [-grace S] [-idle S]
//
// (options as natsbench and amqpbench take them; --name works too)
//
// produce: publisher.send() with at most --window messages unconfirmed, the client
// batching up to --chunk messages per publish frame; consume: a consumer from the first
// offset with the client's default credit policy; latency: a paced producer and a consumer
// from the next offset in one process, latency from each record's scheduled send time.
// Prints one JSON object in the shape `runnel-bench --json` does.
"use strict";
const rabbit = require("./rabbitmq310");

function parseArgs(argv) {
  const o = { mode: "", host: "127.0.0.1", port: 5552, stream: "bench", count: 1000000, size: 100,
    chunk: 100, window: 10000, rate: 10000, duration: 10, grace: 5, idle: 30 };
  for (let i = 0; i < argv.length; i += 2) {
    const key = argv[i].replace(/^--?/, "");
    if (!(key in o) || i + 1 >= argv.length) fail(`unknown option or missing value: ${argv[i]}`);
    o[key] = typeof o[key] === "number" ? Number(argv[i + 1]) : argv[i + 1];
  }
  if (!["produce", "consume", "latency"].includes(o.mode)) fail("--mode must be produce, consume or latency");
  if (o.size < 8) fail("--size must be at least 8");
  return o;
}

function fail(message) {
  process.stderr.write(`stream.js: ${message}\n`);
  process.exit(2);
}

const nowNs = () => process.hrtime.bigint();
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function payload(size) {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = 97 + (i % 26);
  return b;
}

function throughput(records, size, seconds) {
  return {
    records, bytes: records * size, seconds: +seconds.toFixed(3),
    records_per_s: Math.round(records / seconds), mb_per_s: +((records * size) / 1048576 / seconds).toFixed(2),
  };
}

function connect(o) {
  return rabbit.connect({ hostname: o.host, port: o.port, username: "guest", password: "guest", vhost: "/" },
    { debug() {}, info() {}, warn() {}, error: (m) => process.stderr.write(`stream client: ${m}\n`) });
}

// A publisher that keeps at most `window` messages unconfirmed.
async function confirmingPublisher(client, o) {
  const publisher = await client.declarePublisher({ stream: o.stream, maxChunkLength: o.chunk });
  const state = { sent: 0, confirmed: 0, errors: 0, wake: null };
  publisher.on("publish_confirm", (err, ids) => {
    if (err !== null) state.errors += ids.length;
    state.confirmed += ids.length;
    if (state.wake) { const w = state.wake; state.wake = null; w(); }
  });
  const waitUntil = async (done) => {
    while (!done()) {
      const before = state.confirmed;
      await Promise.race([new Promise((resolve) => { state.wake = resolve; }), sleep(o.idle * 1000)]);
      if (state.confirmed === before && !done()) fail(`no confirm for ${o.idle} s (${state.sent - state.confirmed} outstanding)`);
    }
    if (state.errors) fail(`${state.errors} messages were not confirmed (publish errors)`);
  };
  return {
    async send(value) {
      if (state.sent - state.confirmed >= o.window) await waitUntil(() => state.sent - state.confirmed < o.window);
      state.sent++;
      await publisher.send(value);
    },
    async drain() {
      await publisher.flush();
      await waitUntil(() => state.confirmed >= state.sent);
    },
  };
}

async function produce(client, o) {
  const p = await confirmingPublisher(client, o);
  const value = payload(o.size);
  const start = nowNs();
  for (let i = 0; i < o.count; i++) await p.send(value);
  await p.drain();
  return throughput(o.count, o.size, Number(nowNs() - start) / 1e9);
}

async function consume(client, o) {
  let got = 0, bytes = 0, last = -1, finished;
  const done = new Promise((resolve) => { finished = resolve; });
  const start = nowNs();
  let end = start;
  await client.declareConsumer({ stream: o.stream, offset: rabbit.Offset.first() }, (msg) => {
    if (got >= o.count) return;
    got++;
    bytes += msg.content.length;
    if (got === o.count) { end = nowNs(); finished(); }
  });
  while (got < o.count) {
    await Promise.race([done, sleep(o.idle * 1000)]);
    if (got < o.count && got === last) fail(`nothing arrived for ${o.idle} s after ${got} of ${o.count} records`);
    last = got;
  }
  if (bytes !== o.count * o.size) fail(`consumed ${bytes} bytes of values, expected ${o.count * o.size}`);
  return throughput(got, o.size, Number(end - start) / 1e9);
}

const WARM_UP = 0xffffffff;

// Nearest-rank percentiles of latencies in nanoseconds, in milliseconds.
function summary(samples) {
  const sorted = Float64Array.from(samples).sort();
  const pct = (p) => +(sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1] / 1e6).toFixed(3);
  return { p50: pct(50), p99: pct(99), p99_9: pct(99.9), p99_99: pct(99.99), max: pct(100) };
}

async function latency(client, o) {
  const n = Math.round(o.rate * o.duration);
  const periodNs = 1e9 / o.rate;
  const seen = new Uint8Array(n);
  const samples = [];
  let start = null, lastReceipt = null, duplicates = 0, warm, allIn;
  const warmed = new Promise((resolve) => { warm = resolve; });
  const complete = new Promise((resolve) => { allIn = resolve; });
  const consumerClient = await connect(o);
  await consumerClient.declareConsumer({ stream: o.stream, offset: rabbit.Offset.next() }, (msg) => {
    const now = nowNs();
    const i = msg.content.readUInt32BE(4) + msg.content.readUInt32BE(0) * 2 ** 32;
    if (i === WARM_UP) return warm();
    if (start === null || i >= n) return;
    if (seen[i]) { duplicates++; return; }
    seen[i] = 1;
    samples.push(Number(now - start) - i * periodNs);
    lastReceipt = now;
    if (samples.length === n) allIn();
  });
  const p = await confirmingPublisher(client, o);
  const stamped = (i) => { const v = payload(o.size); v.writeUInt32BE(Math.floor(i / 2 ** 32), 0); v.writeUInt32BE(i % 2 ** 32, 4); return v; };
  // The warm-up record again each second until one arrives (a consumer from the next offset may
  // attach just after the first one was written).
  let isWarm = false;
  warmed.then(() => { isWarm = true; });
  for (let attempt = 1; !isWarm; attempt++) {
    if (attempt > 10) fail("no warm-up record arrived in 10 s");
    await p.send(stamped(WARM_UP));
    await p.drain();
    await Promise.race([warmed, sleep(1000)]);
  }
  // Send every record whose time has come, then sleep to the next timer tick (about 1 ms).
  start = nowNs();
  for (let i = 0; i < n;) {
    const due = Math.min(n, Math.floor(Number(nowNs() - start) / periodNs) + 1);
    for (; i < due; i++) await p.send(stamped(i));
    if (i < n) await sleep(Math.max(0, (i * periodNs - Number(nowNs() - start)) / 1e6));
  }
  await p.drain();
  await Promise.race([complete, sleep(o.grace * 1000)]);
  const received = samples.length;
  const result = throughput(received, o.size, Number((lastReceipt || nowNs()) - start) / 1e9);
  if (received) result.latency_ms = summary(samples);
  Object.assign(result, { rate: o.rate, sent: n, lost: n - received, duplicates });
  await consumerClient.close();
  return result;
}

async function main() {
  const o = parseArgs(process.argv.slice(2));
  const client = await connect(o);
  if (o.mode !== "consume") await client.createStream({ stream: o.stream, arguments: {} });
  const result = await { produce, consume, latency }[o.mode](client, o);
  process.stdout.write(JSON.stringify(result) + "\n");
  await client.close();
  process.exit(result.lost ? 1 : 0);
}

main().catch((err) => fail(err && err.stack ? err.stack : String(err)));
