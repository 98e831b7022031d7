// SPDX-License-Identifier: MIT
//
// kafkajs.js ADDR — kafkajs 2.2.4 against zcbroker: the admin client
// creates a 4-partition topic; a consumer group of two members (both in this
// process) splits the partitions and reads the first half of the records;
// one member leaves, the other is given every partition and reads the
// second half. Across both members every record arrives exactly once, in
// order per partition, with its key and value; the offsets the producer
// was told match where the records are.
'use strict'
const { Kafka, logLevel } = require('kafkajs')

const addr = process.argv[2]
const TOPIC = 'js'
const PARTS = 4
const GROUP = 'js-group'
const N = 1000
const TIMEOUT = 40000

const kafka = new Kafka({
  clientId: 'zc-e2e',
  brokers: [addr],
  logLevel: logLevel.WARN,
  retry: { initialRetryTime: 100, retries: 12 },
})

function fail (msg) {
  console.log('FAIL: ' + msg)
  process.exit(1)
}

// The same messages as _kt.py's messages().
function messages (tag, first, count) {
  const out = []
  for (let i = first; i < first + count; i++) {
    let fill = ''
    for (let j = 0; j < (i * 37) % 390 + 10; j++) {
      fill += String.fromCharCode(97 + (i * 7 + j * 3) % 26)
    }
    out.push({
      key: 'key-' + String(i % 13).padStart(2, '0'),
      value: `${tag}-${String(i).padStart(6, '0')}-${fill}`,
    })
  }
  return out
}

async function waitFor (cond, what) {
  const end = Date.now() + TIMEOUT
  while (!cond()) {
    if (Date.now() > end) fail(`timed out waiting for ${what}`)
    await new Promise(resolve => setTimeout(resolve, 50))
  }
}

function member (name, got) {
  const c = kafka.consumer({
    groupId: GROUP,
    sessionTimeout: 6000,
    rebalanceTimeout: 10000,
    heartbeatInterval: 300,
    maxWaitTimeInMs: 500,
  })
  const m = { name, c, assigned: null, got: [] }
  c.on(c.events.GROUP_JOIN, e => {
    m.assigned = (e.payload.memberAssignment[TOPIC] || []).slice().sort()
  })
  m.start = async () => {
    await c.connect()
    await c.subscribe({ topics: [TOPIC], fromBeginning: true })
    await c.run({
      eachMessage: async ({ partition, message }) => {
        if (m.assigned && !m.assigned.includes(partition)) {
          fail(`${name} got partition ${partition}, assigned ${m.assigned}`)
        }
        const r = [partition, Number(message.offset),
          message.key.toString(), message.value.toString(), name]
        m.got.push(r)
        got.push(r)
      },
    })
  }
  return m
}

function check (sent, got, bases) {
  const order = new Map(sent.map((m, i) => [m.key + ':' + m.value, i]))
  const seen = new Set()
  const last = new Map()
  const keyPart = new Map()
  for (const [p, o, k, v, who] of got) {
    const i = order.get(k + ':' + v)
    if (i === undefined) fail(`${who}: p${p} @${o}: a record never sent`)
    if (seen.has(i)) fail(`${who}: p${p} @${o}: record ${i} twice`)
    seen.add(i)
    if (keyPart.has(k) && keyPart.get(k) !== p) fail(`key ${k} in two partitions`)
    keyPart.set(k, p)
    const prev = last.get(p)
    const want = prev ? prev[0] + 1 : 0
    if (o !== want) fail(`${who}: partition ${p}: offset ${o}, expected ${want}`)
    if (prev && i < prev[1]) fail(`partition ${p}: record ${i} came after a later one`)
    last.set(p, [o, i])
  }
  if (seen.size !== sent.length) fail(`${seen.size} of ${sent.length} records received`)
  // Each send's per-partition base offset = records before it there.
  for (const [p, sendNo, base] of bases) {
    const before = got.filter(r => r[0] === p &&
      order.get(r[2] + ':' + r[3]) < sendNo * 100).length
    if (before !== base) fail(`send ${sendNo}: partition ${p} base offset ${base}, ${before} records were before it`)
  }
}

async function produce (producer, msgs, first, bases) {
  for (let s = 0; s < msgs.length; s += 100) {
    const res = await producer.send({ topic: TOPIC, acks: -1, messages: msgs.slice(s, s + 100) })
    for (const r of res) {
      if (r.errorCode !== 0) fail(`produce: error ${r.errorCode}`)
      bases.push([r.partition, (first + s) / 100, Number(r.baseOffset)])
    }
  }
}

async function main () {
  const admin = kafka.admin()
  await admin.connect()
  const created = await admin.createTopics({
    topics: [{ topic: TOPIC, numPartitions: PARTS }], waitForLeaders: true,
  })
  if (!created) fail('createTopics said the topic existed')
  const md = await admin.fetchTopicMetadata({ topics: [TOPIC] })
  if (md.topics[0].partitions.length !== PARTS) fail('metadata: wrong partition count')
  await admin.disconnect()

  const got = []
  const a = member('A', got)
  const b = member('B', got)
  await a.start()
  await b.start()
  const split = () => a.assigned && b.assigned && a.assigned.length > 0 &&
    b.assigned.length > 0 &&
    [...a.assigned, ...b.assigned].sort().join() === '0,1,2,3'
  await waitFor(split, 'the two members to split the partitions')
  console.log(`A has ${a.assigned}, B has ${b.assigned}`)

  const producer = kafka.producer()
  await producer.connect()
  const sent = messages('js', 0, 2 * N)
  const bases = []
  await produce(producer, sent.slice(0, N), 0, bases)
  await waitFor(() => got.length >= N, `the first ${N} records`)
  if (a.got.length === 0 || b.got.length === 0) fail('one member received nothing')
  console.log(`first half: A ${a.got.length}, B ${b.got.length} records`)

  await b.c.disconnect() // commits, then LeaveGroup
  await waitFor(() => a.assigned && a.assigned.join() === '0,1,2,3',
    'A to be given every partition')
  console.log('B left; A has every partition')
  const aBefore = a.got.length
  await produce(producer, sent.slice(N), N, bases)
  await waitFor(() => got.length >= 2 * N, `all ${2 * N} records`)
  await new Promise(resolve => setTimeout(resolve, 1500)) // any duplicate?
  await producer.disconnect()
  await a.c.disconnect()
  if (got.length !== 2 * N) fail(`${got.length} records received, sent ${2 * N}`)
  check(sent, got, bases)
  console.log(`second half: A read ${a.got.length - aBefore}; all ${2 * N} records once`)
}

main().catch(e => fail(e.stack || String(e)))
