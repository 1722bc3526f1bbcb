// The kafkajs 2.2.4 half of tests/integration/kafkajs_test.py (which starts runneld, then reads
// back with kcat and dump-log what this script produced).
//
//   node kafkajs_test.js --bootstrap 127.0.0.1:PORT --out RESULT.json
//
// Admin: createTopics (one without numPartitions: kafkajs sends -1, the broker's num.partitions
// applies), createTopics of an existing topic resolves false, fetchTopicMetadata, deleteTopics.
// Producer (acks -1): per codec none, gzip, snappy (kafkajs-snappy), lz4 (@2l/kafkajs-lz4, a
// prebuilt N-API binary: no native build); kafkajs has no zstd codec that builds on Node 20
// (ARCHITECTURE §9). Keyed records with headers (a repeated key, an empty value), explicit
// timestamps, explicit partitions and the default (Java murmur2) partitioner.
// RESULT.json: per topic, the messages in send order and the produce responses.
// kafkajs logs the refused duplicate CreateTopics at ERROR level: that one is expected.
// Any failed check prints "FAIL: ..." and exits 1.
'use strict'

const fs = require('fs')
const { Kafka, CompressionTypes, CompressionCodecs, logLevel } = require('kafkajs')
const SnappyCodec = require('kafkajs-snappy')
const LZ4Codec = require('@2l/kafkajs-lz4')
const { arg, fail, check } = require('./test_util')

CompressionCodecs[CompressionTypes.Snappy] = SnappyCodec
CompressionCodecs[CompressionTypes.LZ4] = new LZ4Codec().codec

const CODECS = {
  none: CompressionTypes.None,
  gzip: CompressionTypes.GZIP,
  snappy: CompressionTypes.Snappy,
  lz4: CompressionTypes.LZ4,
}
const PARTITIONS = 3


function compressible(prefix, i, size = 300) {
  const filler = ` ${prefix} record ${i} lorem ipsum dolor sit amet`
  return (`${prefix}-${i}` + filler.repeat(Math.floor(size / filler.length) + 1)).slice(0, size)
}

function plan(codec, baseTs) {
  const messages = []
  for (let i = 0; i < 30; i++) {
    const m = {
      key: `kjs-key-${codec}-${i}`,
      value: compressible(`kjs-${codec}`, i),
      headers: { codec, seq: String(i), dup: ['a', 'b'], empty: '' },
      timestamp: String(baseTs + 5 * i),
    }
    if (i < 15) m.partition = i % PARTITIONS // the rest through the default partitioner
    messages.push(m)
  }
  messages[4].value = '' // empty value
  messages[7].headers = {} // no headers
  return messages
}

async function main() {
  const bootstrap = arg('--bootstrap')
  const out = arg('--out')
  const kafka = new Kafka({
    clientId: 'runnel-it-kafkajs',
    brokers: [bootstrap],
    logLevel: logLevel.WARN,
    connectionTimeout: 5000,
    requestTimeout: 20000,
    retry: { retries: 5, initialRetryTime: 200 },
  })
  const result = { topics: {} }

  const admin = kafka.admin()
  await admin.connect()
  const topics = Object.keys(CODECS).map(c => ({ topic: `kjs-${c}`, numPartitions: PARTITIONS }))
  topics.push({ topic: 'kjs-default-partitions' }) // numPartitions/replicationFactor -1: broker defaults
  topics.push({ topic: 'kjs-scratch', numPartitions: 1 })
  const created = await admin.createTopics({ topics, waitForLeaders: true, timeout: 20000 })
  check(created === true, `createTopics resolved ${created}, expected true`)
  const again = await admin.createTopics({ topics: [{ topic: 'kjs-gzip', numPartitions: 1 }], timeout: 20000 })
  check(again === false, `createTopics of an existing topic resolved ${again}, expected false (TOPIC_ALREADY_EXISTS)`)
  const md = await admin.fetchTopicMetadata({ topics: topics.map(t => t.topic) })
  for (const t of md.topics) {
    const want = t.name === 'kjs-scratch' ? 1 : PARTITIONS
    const parts = t.partitions.map(p => [p.partitionId, p.leader, p.partitionErrorCode]).sort((a, b) => a[0] - b[0])
    const expected = Array.from({ length: want }, (_, p) => [p, 0, 0])
    check(JSON.stringify(parts) === JSON.stringify(expected),
      `fetchTopicMetadata ${t.name}: [partition, leader, error] ${JSON.stringify(parts)}, ` +
      `expected ${JSON.stringify(expected)}`)
  }
  result.defaultPartitions = md.topics.find(t => t.name === 'kjs-default-partitions').partitions.length

  const producer = kafka.producer({ allowAutoTopicCreation: false })
  await producer.connect()
  const baseTs = Date.now() - 20000
  for (const [codec, type] of Object.entries(CODECS)) {
    const topic = `kjs-${codec}`
    const messages = plan(codec, baseTs)
    const responses = await producer.send({ topic, acks: -1, compression: type, messages })
    for (const r of responses) {
      check(r.errorCode === 0, `${topic}: produce response ${JSON.stringify(r)}`)
    }
    result.topics[topic] = {
      codec,
      messages: messages.map(m => ({
        key: m.key,
        value: m.value,
        headers: Object.entries(m.headers).flatMap(([k, v]) => (Array.isArray(v) ? v : [v]).map(x => [k, x])),
        timestamp: Number(m.timestamp),
        partition: m.partition === undefined ? null : m.partition,
      })),
      responses: responses.map(r => ({ partition: r.partition, baseOffset: Number(r.baseOffset) })),
    }
  }
  await producer.disconnect()

  await admin.deleteTopics({ topics: ['kjs-scratch'], timeout: 20000 })
  let listed = await admin.listTopics()
  for (let i = 0; i < 50 && listed.includes('kjs-scratch'); i++) {
    await new Promise(r => setTimeout(r, 200))
    listed = await admin.listTopics()
  }
  check(!listed.includes('kjs-scratch'), `kjs-scratch still listed after deleteTopics: ${listed}`)
  for (const t of topics.filter(t => t.topic !== 'kjs-scratch')) {
    check(listed.includes(t.topic), `listTopics lacks ${t.topic}: ${listed}`)
  }
  await admin.disconnect()

  fs.writeFileSync(out, JSON.stringify(result, null, 1))
  console.log('kafkajs: done')
}

main().catch(e => {
  console.log(`FAIL: ${e && e.stack ? e.stack : e}`)
  process.exit(1)
})
