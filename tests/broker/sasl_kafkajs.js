// SPDX-License-Identifier: MIT
//
// sasl_kafkajs.js ADDR PROTO MECH USER — kafkajs 2.2.4 logs in with SASL
// (the password from $ZC_SASL_PW; PROTO SASL_SSL uses the CA in
// $ZC_TLS_CA), produces keyed records with acks=-1, reads them back in a
// consumer group and checks each one (key, value, dense offsets per
// partition). With $ZC_SASL_EXPECT_FAIL set, the login must fail instead
// and the error must name that text.
'use strict'
const fs = require('fs')
const { Kafka, logLevel } = require('kafkajs')

const [addr, proto, mech, user] = process.argv.slice(2)
const N = 200
const TOPIC = 'sasl-js'
const TIMEOUT = 40000

function fail (msg) {
  console.log('FAIL: ' + msg)
  process.exit(1)
}

const kafka = new Kafka({
  clientId: 'zc-sasl',
  brokers: [addr],
  logLevel: logLevel.NOTHING,
  ssl: proto === 'SASL_SSL' ? { ca: [fs.readFileSync(process.env.ZC_TLS_CA)] } : false,
  sasl: { mechanism: mech.toLowerCase(), username: user, password: process.env.ZC_SASL_PW },
  retry: { initialRetryTime: 100, retries: process.env.ZC_SASL_EXPECT_FAIL ? 0 : 8 },
})

async function refused (want) {
  const admin = kafka.admin()
  try {
    await admin.connect()
    await admin.listTopics()
  } catch (e) {
    const text = `${e.name}: ${e.message} ${e.type || ''}`
    if (!text.includes(want)) fail(`login failed with "${text}", expected ${want}`)
    console.log(`kafkajs ${mech} refused: ${text}`)
    return
  }
  fail('kafkajs: a failed login was served')
}

async function flow () {
  const sent = []
  for (let i = 0; i < N; i++) {
    sent.push({ key: 'key-' + String(i % 13).padStart(2, '0'), value: `js-${i}-${'x'.repeat(i % 97)}` })
  }
  const producer = kafka.producer()
  await producer.connect()
  for (let s = 0; s < N; s += 50) {
    const res = await producer.send({ topic: TOPIC, acks: -1, messages: sent.slice(s, s + 50) })
    for (const r of res) if (r.errorCode !== 0) fail(`produce: error ${r.errorCode}`)
  }
  await producer.disconnect()
  const got = []
  const c = kafka.consumer({ groupId: 'sasl-js-group', sessionTimeout: 6000, heartbeatInterval: 300, maxWaitTimeInMs: 300 })
  await c.connect()
  await c.subscribe({ topics: [TOPIC], fromBeginning: true })
  await c.run({
    eachMessage: async ({ partition, message }) => {
      got.push([partition, Number(message.offset), message.key.toString(), message.value.toString()])
    },
  })
  const end = Date.now() + TIMEOUT
  while (got.length < N && Date.now() < end) await new Promise(resolve => setTimeout(resolve, 50))
  await c.disconnect()
  if (got.length !== N) fail(`${got.length} of ${N} records consumed`)
  const want = new Map(sent.map(m => [m.key + ':' + m.value, true]))
  const next = new Map()
  for (const [p, o, k, v] of got) {
    if (!want.delete(k + ':' + v)) fail(`p${p} @${o}: a record not sent, or twice`)
    if (o !== (next.get(p) || 0)) fail(`p${p}: offset ${o}, expected ${next.get(p) || 0}`)
    next.set(p, o + 1)
  }
  console.log(`kafkajs ${mech}: ${N} records produced, consumed in a group`)
}

const expect = process.env.ZC_SASL_EXPECT_FAIL
;(expect ? refused(expect) : flow()).then(() => process.exit(0), e => fail(e.stack || String(e)))
