// SPDX-License-Identifier: MIT
//
// The DeleteRecords half of admin_records.sh: @platformatic/kafka 1.x
// (DeleteRecords v2, flexible) and kafkajs (DeleteRecords v0/v1) move log
// start offsets of topic `ar`; the low watermarks they answer, and what
// ListOffsets -2 then says, are checked and written to OUT as JSON
// {partition: start} for the Python half.
//
//   node admin_records.mjs ADDR first|second OUT
//   first:  p0 -> 5 before its end, p1 -> -1 (the high watermark) by @platformatic/kafka,
//           p2 -> 5 by kafkajs; p3 past its high watermark is refused
//           with OFFSET_OUT_OF_RANGE (1); kafkajs grows the topic to 8
//   second: p4 -> 1 by @platformatic/kafka (before a crash); kafka-ts asks
//           OffsetForLeaderEpoch (its highest version, v4): epoch 0 ends at
//           each partition's end offset, epoch 1 is unknown (-1, -1), and a
//           client that believes in epoch 1 gets UNKNOWN_LEADER_EPOCH (75)
import fs from 'node:fs'
import { Admin } from '@platformatic/kafka'
import kafkajs from 'kafkajs'
import { createKafkaClient, API } from 'kafka-ts'

const [addr, step, out] = process.argv.slice(2)
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const big = (k, v) => typeof v === 'bigint' ? v.toString() : v
const opts = { clientId: 'zc-admin-records', bootstrapBrokers: [addr], retries: 0, timeout: 10000 }
let admin = null

// ListOffsets of every partition: -2 the starts, -1 the ends.
async function offsets (timestamp) {
  const parts = []
  for (let p = 0; p < 8; p++) parts.push({ partitionIndex: p, timestamp })
  const lo = await admin.listOffsets({ topics: [{ name: 'ar', partitions: parts }] })
  const m = {}
  for (const p of lo[0].partitions) m[p.partitionIndex] = Number(p.offset)
  return m
}

async function del (partition, offset) {
  const r = await admin.deleteRecords({ topics: [{ name: 'ar', partitions: [{ partition, offset: BigInt(offset) }] }] })
  const p = r[0]?.partitions?.[0]
  if (!p || p.partition !== partition) fail('deleteRecords answer: ' + JSON.stringify(r, big))
  console.log(`@platformatic/kafka deleteRecords ar-${partition} to ${offset}: low watermark ${p.lowWatermark}`)
  return Number(p.lowWatermark)
}

// OffsetForLeaderEpoch through kafka-ts, against the end offsets `ends`.
async function leaderEpochs (ends) {
  const [host, port] = addr.split(':')
  const kts = createKafkaClient({ clientId: 'zc-admin-records', bootstrapServers: [{ host, port: +port }], requestTimeout: 10000 })
  const cluster = kts.createCluster()
  await cluster.connect()
  const ask = (currentLeaderEpoch, leaderEpoch) => cluster.sendRequest(API.OFFSET_FOR_LEADER_EPOCH, {
    replicaId: -1,
    topics: [{ topic: 'ar', partitions: Object.keys(ends).map(p => ({ partition: +p, currentLeaderEpoch, leaderEpoch })) }]
  })
  const now = await ask(0, 0)
  for (const p of now.topics[0].partitions) {
    if (p.leaderEpoch !== 0 || Number(p.endOffset) !== ends[p.partition]) fail('OffsetForLeaderEpoch 0: ' + JSON.stringify(p, big))
  }
  const later = await ask(-1, 1)
  for (const p of later.topics[0].partitions) {
    if (p.leaderEpoch !== -1 || Number(p.endOffset) !== -1) fail('OffsetForLeaderEpoch 1: ' + JSON.stringify(p, big))
  }
  let err = null
  try { await ask(1, 0) } catch (e) { err = e }
  if (err?.errorCode !== 75) fail('OffsetForLeaderEpoch with current epoch 1: ' + err)
  await cluster.disconnect()
  console.log('kafka-ts OffsetForLeaderEpoch: epoch 0 ends at ' + JSON.stringify(ends) + ', epoch 1 unknown, current epoch 1 refused (75)')
}

let want = {}
let before = null
if (step === 'first') {
  // kafkajs grows the topic from 7 to 8 partitions first (CreatePartitions).
  const kjs = new kafkajs.Kafka({ clientId: 'zc-admin-records', brokers: [addr], logLevel: kafkajs.logLevel.NOTHING })
  const ka = kjs.admin()
  await ka.connect()
  await ka.createPartitions({ topicPartitions: [{ topic: 'ar', count: 8 }] })
  const md = await ka.fetchTopicMetadata({ topics: ['ar'] })
  if (md.topics[0].partitions.length !== 8) fail('kafkajs: partitions after createPartitions: ' + md.topics[0].partitions.length)
  console.log('kafkajs createPartitions ar to 8: ok')
  let refused = null
  try { await ka.createPartitions({ topicPartitions: [{ topic: 'ar', count: 8 }] }) } catch (e) { refused = e }
  if (!refused || !/partition/i.test(String(refused.message) + JSON.stringify(refused.errors ?? ''))) fail('kafkajs: createPartitions to the same count was not refused: ' + refused)
  console.log('kafkajs createPartitions ar to 8 again: refused (' + (refused.errors?.[0]?.message ?? refused.message) + ')')
  admin = new Admin(opts) // made after the growth: it sees 8 partitions
  before = await offsets(-1n)

  if (before[0] < 30 || before[1] < 1 || before[2] < 6 || before[3] < 1) fail('too few records: ' + JSON.stringify(before))
  const s0 = before[0] - 5
  if (await del(0, s0) !== s0) fail('p0 low watermark')
  if (await del(1, -1) !== before[1]) fail('p1 low watermark is not the high watermark ' + before[1])
  await ka.deleteTopicRecords({ topic: 'ar', partitions: [{ partition: 2, offset: '5' }] })
  console.log('kafkajs deleteTopicRecords ar-2 to 5: ok')
  await ka.disconnect()
  let err = null
  try { await del(3, before[3] + 100) } catch (e) { err = e }
  const txt = JSON.stringify(err?.errors?.map(e => e.response) ?? String(err), big)
  if (!err || !/"errorCode":1\b/.test(txt)) fail('p3 past the high watermark: ' + txt)
  console.log('past the high watermark: OFFSET_OUT_OF_RANGE')
  want = { 0: s0, 1: before[1], 2: 5, 3: 0, 4: 0, 5: 0, 6: 0, 7: 0 }
} else {
  admin = new Admin(opts)
  before = await offsets(-1n)
  if (before[4] < 2) fail('too few records in p4: ' + before[4])
  if (await del(4, 1) !== 1) fail('p4 low watermark')
  want = JSON.parse(fs.readFileSync(out))
  want[4] = 1
  await leaderEpochs(before)
}
const got = await offsets(-2n)
for (const p of Object.keys(want)) {
  if (got[p] !== want[p]) fail(`ListOffsets -2 of ar-${p}: ${got[p]}, want ${want[p]}`)
}
console.log('ListOffsets -2: ' + JSON.stringify(got))
fs.writeFileSync(out, JSON.stringify(want))
await admin.close()
