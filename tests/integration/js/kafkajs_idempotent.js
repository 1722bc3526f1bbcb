// kafkajs 2.2.4 idempotent producer (run by tests/integration/idempotence_test.py, which pauses the
// broker and cuts connections meanwhile).
//
//   node kafkajs_idempotent.js --bootstrap HOST:PORT --topic T --count N
//
// Sends records "0".."N-1" (keyed, so spread over partitions), 10 every 50 ms, with
// idempotent: true (acks -1, one request in flight, retries), then prints OK. Any failure prints
// "FAIL: ..." and exits 1.
'use strict'

const { Kafka, logLevel } = require('kafkajs')
const { arg, fail } = require('./test_util')

async function main() {
  const kafka = new Kafka({ clientId: 'kafkajs-idempotent', brokers: [arg('--bootstrap')], logLevel: logLevel.NOTHING,
                            requestTimeout: 2000, retry: { retries: 30, initialRetryTime: 200, maxRetryTime: 2000 } })
  const topic = arg('--topic')
  const count = Number(arg('--count'))
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1 })
  await producer.connect()
  for (let i = 0; i < count; i += 10) {
    const messages = []
    for (let j = i; j < Math.min(count, i + 10); j++) messages.push({ key: `k${j % 13}`, value: String(j) })
    await producer.send({ topic, acks: -1, messages })
    await new Promise((resolve) => setTimeout(resolve, 50))
  }
  await producer.disconnect()
  console.log('OK')
}

main().catch((e) => fail(e.stack || String(e)))
