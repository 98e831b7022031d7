// SPDX-License-Identifier: MIT
//
// kafka-ts (its own protocol code; it sends each request at the highest
// version both sides support) against zcbroker: CreateTopics and Metadata
// through its low-level API (topic IDs from v7 / v10), a producer with keys
// and headers, and a consumer group reading every record back exactly once
// (FindCoordinator, JoinGroup, SyncGroup, Heartbeat, OffsetCommit,
// OffsetFetch, ListOffsets and Fetch at the versions the broker offers).
import { createKafkaClient, API } from 'kafka-ts'

const [host, port] = process.argv[2].split(':')
const kafka = createKafkaClient({ clientId: 'zc-kafka-ts', bootstrapServers: [{ host, port: +port }], requestTimeout: 10000 })
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const N = 60

const cluster = kafka.createCluster()
await cluster.connect()
const ct = await cluster.sendRequest(API.CREATE_TOPICS, {
  validateOnly: false, timeoutMs: 10000,
  topics: [{ name: 'kt', numPartitions: 3, replicationFactor: 1, assignments: [], configs: [] }]
})
const made = ct.topics[0]
if (made.errorCode !== 0) fail('createTopics: error ' + made.errorCode)
const md = await cluster.sendRequest(API.METADATA, { allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false, topics: [{ id: null, name: 'kt' }] })
const t = md.topics.find(x => x.name === 'kt')
if (!t || t.partitions.length !== 3) fail('metadata: ' + JSON.stringify(md.topics))
if (made.topicId && t.topicId !== made.topicId) fail(`topic id: ${made.topicId} vs ${t.topicId}`)
if (!t.topicId || /^0+(-0+)*$/.test(t.topicId)) fail('metadata: no topic id')
await cluster.disconnect()

const producer = kafka.createProducer({ allowTopicAutoCreation: false })
const want = new Map()
const msgs = []
for (let i = 0; i < N; i++) {
  const key = `k${i}`, value = `v${i}-` + 'y'.repeat(i * 5)
  msgs.push({ topic: 'kt', partition: i % 3, key, value, headers: { h: `h${i}` } })
  want.set(key, value)
}
await producer.send(msgs)
await producer.close()

let seen = 0
const done = new Promise((resolve) => {
  const consumer = kafka.startConsumer({
    topics: ['kt'], groupId: 'zc-kt', fromBeginning: true,
    onBatch: async (batch) => {
      for (const m of batch) {
        const key = m.key?.toString()
        if (!want.has(key)) fail(`unexpected or repeated record ${key}`)
        if (m.value.toString() !== want.get(key)) fail(`value of ${key}`)
        if (m.headers?.h?.toString() !== `h${key.slice(1)}`) fail(`header of ${key}: ${JSON.stringify(m.headers)}`)
        want.delete(key)
        seen++
      }
      if (!want.size) resolve(consumer)
    }
  })
})
const timer = setTimeout(() => fail(`${want.size} records never consumed`), 60000)
const consumer = await (await done)
clearTimeout(timer)
await consumer.close()
console.log(`${seen} records produced and consumed by a group; topic ID ${t.topicId}`)
process.exit(0)
