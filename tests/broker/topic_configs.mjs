// SPDX-License-Identifier: MIT
//
// @platformatic/kafka 1.x against zcbroker: CreateTopics v7 with a config
// (its answer lists the topic's configs), IncrementalAlterConfigs v1 and
// DescribeConfigs v4 (the flexible versions) on a topic "inc" made here:
// SET, DELETE back to the default, APPEND/SUBTRACT on the list-typed
// cleanup.policy (compact and an empty policy refused with INVALID_CONFIG),
// validateOnly changing nothing, an unknown key, APPEND on a number, a
// BROKER resource refused with INVALID_REQUEST; documentation and synonyms
// when asked. DescribeCluster v0 and v1: the cluster ID that Metadata
// gives and meta.properties holds, this broker at its address, the
// controller; EndpointType 2 answered MISMATCHED_ENDPOINT_TYPE.
import fs from 'node:fs'
import path from 'node:path'
import { Admin, Connection, describeClusterV0, describeClusterV1 } from '@platformatic/kafka'

const [addr, data] = process.argv.slice(2)
const opts = { clientId: 'zc-configs', bootstrapBrokers: [addr], retries: 0, timeout: 10000 }
const fail = (why) => { console.error('FAIL: ' + why); process.exit(1) }
const TOPIC = 2
const BROKER = 4
const SET = 0
const DELETE = 1
const APPEND = 2
const SUBTRACT = 3

const admin = new Admin(opts)
// CreateTopics v7 with a config: the answer (v5+) lists the topic's configs.
const created = await admin.createTopics({ topics: ['inc'], partitions: 1, replicas: 1, configs: [{ name: 'segment.bytes', value: '5000' }] })
const conf = created[0]?.configuration ?? {}
if (conf['segment.bytes'] !== '5000' || conf['retention.ms'] !== '3600000' || conf['cleanup.policy'] !== 'delete') fail(`createTopics configs: ${JSON.stringify(conf)}`)
console.log(`CreateTopics answered the topic's configs: ${JSON.stringify(conf)}`)

async function describe (name, extra = {}) {
  const r = await admin.describeConfigs({ resources: [{ resourceType: TOPIC, resourceName: name }], ...extra })
  if (r[0].errorCode) fail(`describeConfigs ${name}: ${r[0].errorCode}`)
  return new Map(r[0].configs.map(c => [c.name, c]))
}

function expect (cfg, name, value, source) {
  const c = cfg.get(name)
  if (!c || c.value !== value || c.configSource !== source) {
    fail(`${name}: ${JSON.stringify(c)}, expected ${value} source ${source}`)
  }
}

// The error code the broker gave one resource (0 when it succeeded).
async function alter (resourceType, resourceName, configs, validateOnly = false) {
  try {
    const r = await admin.incrementalAlterConfigs({ resources: [{ resourceType, resourceName, configs }], validateOnly })
    return r?.[0]?.errorCode ?? 0
  } catch (e) {
    const c = answered(e)
    if (c === undefined) fail(`incrementalAlterConfigs: ${e}`)
    return c
  }
}

// The client wraps the answer's error in errors of its own.
function answered (e) {
  if (e?.response?.responses) return e.response.responses[0].errorCode
  for (const x of e?.errors ?? []) {
    const c = answered(x)
    if (c !== undefined) return c
  }
}

let code = await alter(TOPIC, 'inc', [
  { name: 'retention.bytes', configOperation: SET, value: '123456' },
  { name: 'max.message.bytes', configOperation: SET, value: '4000' },
  { name: 'cleanup.policy', configOperation: APPEND, value: 'delete' }])
if (code) fail(`SET/APPEND: error ${code}`)
let cfg = await describe('inc', { includeSynonyms: true, includeDocumentation: true })
expect(cfg, 'retention.bytes', '123456', 1)
expect(cfg, 'max.message.bytes', '4000', 1)
expect(cfg, 'cleanup.policy', 'delete', 1)
expect(cfg, 'segment.bytes', '5000', 1)
if (!cfg.get('retention.bytes').documentation) fail('no documentation when asked')
const syn = cfg.get('max.message.bytes').synonyms.map(s => `${s.name}=${s.value}/${s.source}`).join(',')
if (syn !== 'max.message.bytes=4000/1,message.max.bytes=1048588/5') fail(`synonyms: ${syn}`)
console.log(`SET and APPEND stored; max.message.bytes synonyms ${syn}`)

// Refusals: each resource is all or nothing.
const refusals = [
  [[{ name: 'cleanup.policy', configOperation: APPEND, value: 'compact' }], 40],
  [[{ name: 'cleanup.policy', configOperation: SUBTRACT, value: 'delete' }], 40],
  [[{ name: 'retention.ms', configOperation: APPEND, value: '5' }], 40],
  [[{ name: 'no.such.config', configOperation: SET, value: '1' }], 40],
  [[{ name: 'segment.bytes', configOperation: SET, value: '13' }], 40],
  [[{ name: 'retention.ms', configOperation: SET, value: '5' }, { name: 'retention.ms', configOperation: DELETE }], 42]
]
for (const [configs, want] of refusals) {
  code = await alter(TOPIC, 'inc', [{ name: 'retention.bytes', configOperation: SET, value: '1' }, ...configs])
  if (code !== want) fail(`${JSON.stringify(configs)}: error ${code}, expected ${want}`)
}
code = await alter(TOPIC, 'nope', [{ name: 'retention.ms', configOperation: SET, value: '5' }])
if (code !== 3) fail(`unknown topic: error ${code}, expected 3`)
code = await alter(BROKER, '1', [{ name: 'log.retention.ms', configOperation: SET, value: '5' }])
if (code !== 42) fail(`BROKER resource: error ${code}, expected INVALID_REQUEST (42)`)
code = await alter(TOPIC, 'inc', [{ name: 'retention.ms', configOperation: SET, value: '5' }], true)
if (code) fail(`validateOnly: error ${code}`)
cfg = await describe('inc')
expect(cfg, 'retention.bytes', '123456', 1) // nothing of the refused ones
expect(cfg, 'retention.ms', '3600000', 4) // nor of validateOnly
console.log('refusals: compact, empty policy, APPEND on a number, unknown key, bad value, duplicate key, unknown topic, BROKER; validateOnly changed nothing')

code = await alter(TOPIC, 'inc', [{ name: 'max.message.bytes', configOperation: DELETE },
  { name: 'cleanup.policy', configOperation: SUBTRACT, value: 'compact' }])
if (code) fail(`DELETE: error ${code}`)
cfg = await describe('inc')
expect(cfg, 'max.message.bytes', '1048588', 5)
expect(cfg, 'cleanup.policy', 'delete', 1)
console.log('DELETE went back to the broker default')

// DescribeCluster, both versions, straight on a connection.
const [host, port] = addr.split(':')
const conn = new Connection('zc-configs')
await conn.connect(host, Number(port))
const c0 = await describeClusterV0.api.async(conn, false)
const c1 = await describeClusterV1.api.async(conn, false, 1)
const md = await admin.metadata({ topics: ['inc'] })
const meta = fs.readFileSync(path.join(data, 'meta.properties'), 'utf8').match(/cluster\.id=(\S+)/)?.[1]
for (const c of [c0, c1]) {
  const b = c.brokers[0]
  if (c.clusterId !== meta || c.clusterId !== md.id) fail(`cluster id ${c.clusterId}, metadata ${md.id}, meta.properties ${meta}`)
  if (c.brokers.length !== 1 || `${b.host}:${b.port}` !== addr || c.controllerId !== b.brokerId) fail(`brokers ${JSON.stringify(c.brokers)} controller ${c.controllerId}`)
  if (c.clusterAuthorizedOperations !== -2147483648) fail(`authorized operations ${c.clusterAuthorizedOperations}`)
}
let err = 0
try { await describeClusterV1.api.async(conn, false, 2) } catch (e) { err = e.response?.errorCode ?? -1 }
if (err !== 114) fail(`EndpointType 2: error ${err}, expected MISMATCHED_ENDPOINT_TYPE (114)`)
await conn.close()
console.log(`DescribeCluster v0/v1: cluster ${c1.clusterId}, broker ${c1.brokers[0].brokerId} at ${addr}, controller ${c1.controllerId}`)
await admin.close()
console.log('PASS topic_configs.mjs')
