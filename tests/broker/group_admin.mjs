// SPDX-License-Identifier: MIT
// group_admin.mjs ADDR — @platformatic/kafka's Admin against the groups
// group_admin.py made: DescribeGroups v5 shows the static member's
// group.instance.id; OffsetDelete refuses a topic the live group reads
// (GROUP_SUBSCRIBED_TO_TOPIC), deletes another topic's offset, refuses
// an unknown group; DeleteGroups v2 refuses the live group
// (NON_EMPTY_GROUP) and an unknown one (GROUP_ID_NOT_FOUND), deletes the
// empty one (then Dead); the static member removed by an admin LeaveGroup,
// the live group is deletable (its offsets go with it).
import { Admin } from '@platformatic/kafka'

const addr = process.argv[2]
const admin = new Admin({ clientId: 'zc-admin', bootstrapBrokers: [addr] })

function fail (msg) {
  console.error('FAIL: ' + msg)
  process.exit(1)
}

// Every Kafka error code name inside an error (nested MultipleErrors).
function codes (e, out = []) {
  if (!e) return out
  if (e.apiId) out.push(e.apiId)
  for (const x of e.errors || []) codes(x, out)
  if (e.cause) codes(e.cause, out)
  return out
}

async function refused (what, fn, want) {
  try {
    await fn()
  } catch (e) {
    const got = codes(e)
    if (!got.includes(want)) fail(`${what}: ${got.join(',') || e.message}, not ${want}`)
    return
  }
  fail(`${what} succeeded; ${want} expected`)
}

async function describe (g) {
  const d = await admin.describeGroups({ groups: [g] })
  return d.get(g)
}

const live = await describe('g-live')
if (!live || live.state !== 'STABLE' && live.state !== 'Stable') fail(`g-live: ${JSON.stringify(live?.state)}`)
const members = [...live.members.values()]
if (members.length !== 1 || members[0].groupInstanceId !== 'live-1') {
  fail(`g-live members: ${JSON.stringify(members.map(m => [m.id ?? m.memberId, m.groupInstanceId]))}`)
}
const liveId = members[0].id ?? members[0].memberId

await refused('OffsetDelete of a subscribed topic',
  () => admin.deleteConsumerGroupOffsets({ groupId: 'g-live', topics: [{ name: 'adm', partitionIndexes: [0] }] }),
  'GROUP_SUBSCRIBED_TO_TOPIC')
await admin.deleteConsumerGroupOffsets({ groupId: 'g-live', topics: [{ name: 'other', partitionIndexes: [0] }] })
await refused('OffsetDelete of an unknown group',
  () => admin.deleteConsumerGroupOffsets({ groupId: 'g-nobody', topics: [{ name: 'other', partitionIndexes: [0] }] }),
  'GROUP_ID_NOT_FOUND')
await refused('OffsetDelete of an unknown partition',
  () => admin.deleteConsumerGroupOffsets({ groupId: 'g-live', topics: [{ name: 'other', partitionIndexes: [7] }] }),
  'UNKNOWN_TOPIC_OR_PARTITION')
console.log('OffsetDelete: subscribed topic refused, other-0 deleted')

await refused('DeleteGroups of a group with members',
  () => admin.deleteGroups({ groups: ['g-live'] }), 'NON_EMPTY_GROUP')
await refused('DeleteGroups of an unknown group',
  () => admin.deleteGroups({ groups: ['g-nobody'] }), 'GROUP_ID_NOT_FOUND')
const before = await describe('g-empty')
if (before.state !== 'EMPTY' && before.state !== 'Empty') fail(`g-empty: ${before.state}`)
await admin.deleteGroups({ groups: ['g-empty'] })
const after = await describe('g-empty')
if (after.state !== 'DEAD' && after.state !== 'Dead') fail(`g-empty after delete: ${after.state}`)
console.log('DeleteGroups: g-empty deleted, live and unknown groups refused')

await admin.removeMembersFromConsumerGroup({ groupId: 'g-live', members: [{ memberId: liveId }] })
const left = await describe('g-live')
if (left.members.size !== 0) fail(`g-live still has ${left.members.size} members`)
await admin.close()
console.log('LeaveGroup v3+ by an admin: the static member removed')
