// SPDX-License-Identifier: MIT
//
// @platformatic/kafka 1.x (its own protocol code; flexible versions only
// for Metadata, Fetch, ListOffsets, the group and admin APIs) against
// zcbroker: CreateTopics v7 returns the topic ID that Metadata v12 gives;
// a producer sends keyed records with headers in every codec Node offers
// (zstd needs Node 22's zlib); a direct Fetch v17 by topic ID reads every
// record back exactly once, key, value and header checked; ListOffsets
// answers the end offsets; ListGroups and DescribeGroups answer;
// DeleteTopics v6 removes the topic. The second argument, if any, is the
// package to load instead (platformatic2.sh passes the 2.x line).
import zlib from 'node:zlib'

const addr = process.argv[2]
const { Admin, Producer, Consumer, stringSerializers, stringDeserializers } = await import(process.argv[3] ?? '@platformatic/kafka')
const opts = { clientId: 'zc-platformatic', bootstrapBrokers: [addr], retries: 2, timeout: 10000 }
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const PER = 25
const codecs = ['none', 'gzip', 'snappy', 'lz4']
if (zlib.zstdCompressSync) codecs.push('zstd')
else console.log('zstd: skipped (this Node has no zstd in zlib)')

const admin = new Admin(opts)
const created = await admin.createTopics({ topics: ['pt'], partitions: 2, replicas: 1 })
if (created.length !== 1 || created[0].partitions !== 2 || !created[0].id) fail('createTopics: ' + JSON.stringify(created))
let md = await admin.metadata({ topics: ['pt'] })
const id = md.topics.get('pt')?.id
if (id !== created[0].id) fail(`topic id: createTopics ${created[0].id}, metadata ${id}`)

const producer = new Producer({ ...opts, serializers: stringSerializers })
const want = new Map() // "partition/key" -> value
let sent = [0, 0]
for (const codec of codecs) {
  const messages = []
  for (let i = 0; i < PER; i++) {
    const partition = i % 2
    const key = `${codec}-k${i}`
    const value = `${codec}-v${i}-` + 'x'.repeat(i * 7)
    messages.push({ topic: 'pt', partition, key, value, headers: { h: `${codec}-h${i}` } })
    want.set(`${partition}/${key}`, value)
    sent[partition]++
  }
  await producer.send({ messages, compression: codec, acks: -1 })
}
await producer.close()

// ListOffsets -1: the end of each partition is what was sent there.
const lo = await admin.listOffsets({ topics: [{ name: 'pt', partitions: [{ partitionIndex: 0, timestamp: -1n }, { partitionIndex: 1, timestamp: -1n }] }] })
const ends = lo[0].partitions.map(p => Number(p.offset))
if (ends[0] !== sent[0] || ends[1] !== sent[1]) fail(`listOffsets: ${ends} want ${sent}`)

const consumer = new Consumer({ ...opts, groupId: 'zc-pt-unused', deserializers: stringDeserializers })
let seen = 0
for (const partition of [0, 1]) {
  let offset = 0n
  while (offset < BigInt(sent[partition])) {
    const f = await consumer.fetch({ node: md.brokers.keys().next().value, topics: [{ topicId: id, partitions: [{ partition, currentLeaderEpoch: -1, fetchOffset: offset, lastFetchedEpoch: -1, partitionMaxBytes: 1 << 20 }] }] })
    const p = f.responses[0].partitions[0]
    if (p.errorCode !== 0) fail(`fetch ${partition}@${offset}: error ${p.errorCode}`)
    if (!p.records?.length) fail(`fetch ${partition}@${offset}: nothing`)
    for (const batch of p.records) {
      for (const r of batch.records) {
        const o = batch.firstOffset + BigInt(r.offsetDelta)
        if (o < offset) continue
        const key = r.key.toString()
        const k = `${partition}/${key}`
        if (!want.has(k)) fail(`unexpected or repeated record ${k} at ${o}`)
        if (r.value.toString() !== want.get(k)) fail(`value of ${k}`)
        const h = r.headers.map(([hk, hv]) => `${hk}=${hv}`).join(',')
        if (h !== `h=${key.replace('-k', '-h')}`) fail(`headers of ${k}: ${h}`)
        want.delete(k)
        seen++
        offset = o + 1n
      }
    }
  }
}
await consumer.close()
if (want.size) fail(`${want.size} records never fetched`)

const groups = await admin.listGroups({})
if (!groups) fail('listGroups')
const dg = await admin.describeGroups({ groups: ['nobody'] })
if (!dg.get('nobody') || dg.get('nobody').state.toUpperCase() !== 'DEAD') fail('describeGroups: ' + JSON.stringify([...dg.entries()]))

await admin.deleteTopics({ topics: ['pt'] })
const left = await admin.listTopics({ includeInternals: true })
if (left.includes('pt')) fail('deleteTopics: the topic is still there')
await admin.close()
console.log(`${seen} records in ${codecs.length} codecs produced and fetched back; admin calls answered`)
process.exit(0)
