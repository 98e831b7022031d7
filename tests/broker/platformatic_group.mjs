// SPDX-License-Identifier: MIT
//
// @platformatic/kafka (1.x or 2.x: the package is the second argument)
// against zcbroker as a consumer group with commits: keyed records with
// headers in every codec the client and this Node offer are produced, a
// group member reads them through a messages stream (JoinGroup, SyncGroup,
// OffsetFetch, Fetch, Heartbeat) and commits each one (OffsetCommit);
// every record is checked once (key, value, header). More records are
// produced, and a new member of the same group starting from the committed
// offsets reads exactly those. The highest version of each API the client
// sent is printed, and each "Name>=N" argument after the package is
// checked against it.
//
//   node platformatic_group.mjs HOST:PORT PACKAGE [Produce>=11 ...]
import dc from 'node:diagnostics_channel'
import zlib from 'node:zlib'

const [addr, pkg, ...mins] = process.argv.slice(2)
const { Admin, Producer, Consumer, stringSerializers, stringDeserializers } = await import(pkg)
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const names = { 0: 'Produce', 1: 'Fetch', 2: 'ListOffsets', 3: 'Metadata', 8: 'OffsetCommit', 9: 'OffsetFetch', 10: 'FindCoordinator', 11: 'JoinGroup', 12: 'Heartbeat', 13: 'LeaveGroup', 14: 'SyncGroup', 18: 'ApiVersions', 19: 'CreateTopics', 22: 'InitProducerId' }
const used = new Map() // API name -> highest version sent
dc.subscribe('tracing:plt:kafka:connections:api:start', (d) => {
  const n = names[d.apiKey] ?? `key${d.apiKey}`
  used.set(n, Math.max(used.get(n) ?? -1, d.apiVersion))
})

const opts = { clientId: 'zc-platformatic-group', bootstrapBrokers: [addr], retries: 3, timeout: 10000 }
const TOPIC = 'pg'
const PER = 20
const codecs = ['none', 'gzip', 'snappy', 'lz4']
if (zlib.zstdCompressSync) codecs.push('zstd')
else console.log('zstd: skipped (this Node has no zstd in zlib)')

const admin = new Admin(opts)
await admin.createTopics({ topics: [TOPIC], partitions: 2, replicas: 1 })
const producer = new Producer({ ...opts, serializers: stringSerializers })
const want = new Map() // "partition/key" -> value
async function produce (round, codecList) {
  for (const codec of codecList) {
    const messages = []
    for (let i = 0; i < PER; i++) {
      const partition = i % 2
      const key = `${round}-${codec}-k${i}`
      const value = `${round}-${codec}-v${i}-` + 'y'.repeat(i * 11)
      messages.push({ topic: TOPIC, partition, key, value, headers: { h: `${round}-${codec}-h${i}` } })
      want.set(`${partition}/${key}`, value)
    }
    await producer.send({ messages, compression: codec, acks: -1 })
  }
}

// Read `count` records as a member of the group, committing each; every
// one must be expected, and each is seen once.
async function consume (count, mode) {
  const consumer = new Consumer({ ...opts, groupId: 'zc-pg', deserializers: stringDeserializers, sessionTimeout: 10000, heartbeatInterval: 500, autocommit: false, maxWaitTime: 200 })
  const stream = await consumer.consume({ topics: [TOPIC], mode, fallbackMode: 'earliest' })
  let seen = 0
  const timer = setTimeout(() => fail(`${mode}: ${seen} of ${count} records after 30 s`), 30000)
  for await (const m of stream) {
    const k = `${m.partition}/${m.key}`
    if (!want.has(k)) fail(`unexpected or repeated record ${k} at ${m.offset}`)
    if (m.value !== want.get(k)) fail(`value of ${k}`)
    const h = [...m.headers].map(([hk, hv]) => `${hk}=${hv}`).join(',')
    if (h !== `h=${m.key.replace('-k', '-h')}`) fail(`headers of ${k}: ${h}`)
    want.delete(k)
    await m.commit()
    if (++seen === count) break
  }
  clearTimeout(timer)
  await stream.close()
  await consumer.close()
  return seen
}

await produce('a', codecs)
const first = await consume(PER * codecs.length, 'earliest')
// The committed offsets are the ends of the partitions.
const committed = await admin.listConsumerGroupOffsets({ groups: ['zc-pg'] })
const parts = committed.find(g => g.groupId === 'zc-pg')?.topics.find(t => t.name === TOPIC)?.partitions ?? []
const ends = parts.map(p => Number(p.committedOffset)).sort()
const half = PER * codecs.length / 2
if (ends.length !== 2 || ends[0] !== half || ends[1] !== half) fail(`committed offsets ${JSON.stringify(ends)}, want ${half} twice`)
await produce('b', ['none', 'lz4'])
const second = await consume(PER * 2, 'committed')
if (want.size) fail(`${want.size} records never consumed`)
await producer.close()
await admin.close()

console.log(`${first} records in ${codecs.length} codecs consumed and committed by a group member; ${second} more from the committed offsets`)
console.log('versions used: ' + [...used].sort().map(([n, v]) => `${n} v${v}`).join(', '))
for (const m of mins) {
  const [n, v] = m.split('>=')
  if (!(used.get(n) >= Number(v))) fail(`${n}: v${used.get(n)} used, want at least v${v}`)
}
process.exit(0)
