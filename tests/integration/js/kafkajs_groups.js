// kafkajs 2.2.4 consumer groups against runneld (run by tests/integration/kafkajs_test.py).
//
//   node kafkajs_groups.js --bootstrap 127.0.0.1:PORT
//
// Three consumers of one group on a 6-partition topic: once each holds two partitions, 600
// records are produced and must be read exactly once between them; then one consumer
// disconnects (LeaveGroup v3), the other two take its partitions, and 300 more records are read
// exactly once by them. Offsets are committed by kafkajs (autoCommit after each batch).
// Any failed check prints "FAIL: ..." and exits 1.
'use strict'

const { Kafka, logLevel } = require('kafkajs')
const { arg, fail } = require('./test_util')


const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms))

async function waitFor(predicate, ms, what) {
  const deadline = Date.now() + ms
  while (Date.now() < deadline) {
    if (predicate()) return
    await sleep(100)
  }
  fail(`timed out after ${ms} ms waiting for ${what}`)
}

async function startMember(kafka, topic, name) {
  const member = { name, assigned: [], values: [] }
  member.consumer = kafka.consumer({ groupId: 'kjs-group', sessionTimeout: 6000, heartbeatInterval: 500,
                                     rebalanceTimeout: 10000 })
  member.consumer.on(member.consumer.events.GROUP_JOIN, (e) => {
    member.assigned = (e.payload.memberAssignment[topic] || []).slice().sort()
  })
  await member.consumer.connect()
  await member.consumer.subscribe({ topic, fromBeginning: true })
  await member.consumer.run({
    eachMessage: async ({ message }) => { member.values.push(message.value.toString()) },
  })
  return member
}

function exactlyOnce(members, expected, what) {
  const seen = members.flatMap((m) => m.values)
  const unique = new Set(seen)
  if (unique.size !== seen.length) fail(`${what}: ${seen.length - unique.size} records read twice`)
  const missing = expected.filter((v) => !unique.has(v))
  if (missing.length > 0) fail(`${what}: ${missing.length} records not read, e.g. ${missing.slice(0, 5)}`)
  if (unique.size !== expected.length) fail(`${what}: read ${unique.size} records, expected ${expected.length}`)
}

function evenSplit(members, partitions) {
  const all = members.flatMap((m) => m.assigned).sort((a, b) => a - b)
  return all.length === partitions && all.every((p, i) => p === i) &&
         members.every((m) => m.assigned.length === partitions / members.length)
}

async function produce(kafka, topic, prefix, count) {
  const producer = kafka.producer()
  await producer.connect()
  const messages = []
  for (let i = 0; i < count; i++) messages.push({ key: `k${i}`, value: `${prefix}-${i}` })
  await producer.send({ topic, acks: -1, messages })
  await producer.disconnect()
  return messages.map((m) => m.value)
}

async function main() {
  const kafka = new Kafka({ clientId: 'kafkajs-groups', brokers: [arg('--bootstrap')], logLevel: logLevel.NOTHING })
  const topic = 'kjs-6'
  const admin = kafka.admin()
  await admin.connect()
  await admin.createTopics({ topics: [{ topic, numPartitions: 6 }], waitForLeaders: true })
  await admin.disconnect()

  const members = []
  for (const name of ['a', 'b', 'c']) members.push(await startMember(kafka, topic, name))
  await waitFor(() => evenSplit(members, 6), 30000, 'three kafkajs members with two partitions each')
  const first = await produce(kafka, topic, 'first', 600)
  await waitFor(() => members.reduce((n, m) => n + m.values.length, 0) >= 600, 30000, '600 records read')
  await sleep(500)
  exactlyOnce(members, first, 'three kafkajs members')
  console.log(`split: ${members.map((m) => `${m.name}=${m.assigned}`).join(' ')}`)

  await members[2].consumer.disconnect()
  const survivors = members.slice(0, 2)
  const before = survivors.map((m) => m.values.length)
  await waitFor(() => evenSplit(survivors, 6), 30000, 'two members with three partitions each after a leave')
  const second = await produce(kafka, topic, 'second', 300)
  await waitFor(() => survivors.reduce((n, m, i) => n + m.values.length - before[i], 0) >= 300, 30000,
                '300 more records read by the two members')
  await sleep(500)
  exactlyOnce(survivors.map((m, i) => ({ values: m.values.slice(before[i]) })), second, 'after the leave')
  console.log(`after leave: ${survivors.map((m) => `${m.name}=${m.assigned}`).join(' ')}`)
  for (const m of survivors) await m.consumer.disconnect()
  console.log('OK')
}

main().catch((e) => fail(e.stack || String(e)))
