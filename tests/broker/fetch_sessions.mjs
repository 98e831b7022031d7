// SPDX-License-Identifier: MIT
//
// A consumer that uses fetch sessions (KIP-227: kafka-ts opens one with
// epoch 0 and then sends incremental fetches carrying only the partitions
// whose offset moved) reading records produced in rounds while it waits
// in long-poll fetches: every record must arrive once, with its value and
// header. The broker's count of incremental fetches is checked by
// fetch_sessions.sh after the broker stops.
import { createKafkaClient, API } from 'kafka-ts'

const [host, port] = process.argv[2].split(':')
const kafka = createKafkaClient({ clientId: 'zc-fsess', bootstrapServers: [{ host, port: +port }], requestTimeout: 10000 })
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const ROUNDS = 6, PER = 25, PARTS = 4

const cluster = kafka.createCluster()
await cluster.connect()
const ct = await cluster.sendRequest(API.CREATE_TOPICS, {
  validateOnly: false, timeoutMs: 10000,
  topics: [{ name: 'fs', numPartitions: PARTS, replicationFactor: 1, assignments: [], configs: [] }]
})
if (ct.topics[0].errorCode !== 0) fail('createTopics: error ' + ct.topics[0].errorCode)
await cluster.disconnect()

const want = new Map()
let seen = 0
let resolveDone
const done = new Promise((resolve) => { resolveDone = resolve })
const consumer = await kafka.startConsumer({
  topics: ['fs'], groupId: 'zc-fsess', fromBeginning: true, maxWaitMs: 2000,
  onBatch: async (batch) => {
    for (const m of batch) {
      const key = m.key?.toString()
      if (!want.has(key)) fail(`unexpected or repeated record ${key}`)
      if (m.value.toString() !== want.get(key)) fail(`value of ${key}`)
      if (m.headers?.h?.toString() !== `h${key}`) fail(`header of ${key}`)
      want.delete(key)
      seen++
    }
    if (seen === ROUNDS * PER) resolveDone()
  }
})

// Rounds produced while the consumer waits: each wakes a parked
// incremental fetch, which must answer with the partitions that got data.
const producer = kafka.createProducer({ allowTopicAutoCreation: false })
for (let r = 0; r < ROUNDS; r++) {
  const msgs = []
  for (let i = 0; i < PER; i++) {
    const key = `r${r}-${i}`, value = `v${r}-${i}-` + 'z'.repeat((r * PER + i) % 97)
    // Some rounds touch one partition only: the others stay out of the
    // incremental answers.
    const partition = r % 2 ? r % PARTS : i % PARTS
    want.set(key, value)
    msgs.push({ topic: 'fs', partition, key, value, headers: { h: `h${key}` } })
  }
  await producer.send(msgs)
  await new Promise((res) => setTimeout(res, 400))
}
await producer.close()
const timer = setTimeout(() => fail(`${want.size} records never consumed`), 60000)
await done
clearTimeout(timer)
await consumer.close()
console.log(`${seen} records produced in ${ROUNDS} rounds and consumed once`)
process.exit(0)
