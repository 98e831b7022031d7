#!/usr/bin/env bash
# How the vectors of this folder were captured (not a test: run it by hand
# to refresh them). Needs kcat, python3-kafka and python3-confluent-kafka
# (scripts/setup.sh installs them) and, for the two JavaScript clients, a
# scratch npm folder: NPMDIR=/tmp/x; (cd $NPMDIR && npm install
# @platformatic/kafka kafka-ts).
set -eu
here=$(cd "$(dirname "$0")" && pwd)
cap="$here/capture.py"
npmdir=${NPMDIR:-}
py=/usr/bin/python3

"$cap" "$here" kcat -- kcat -L -b '127.0.0.1:{port}' -m 5 -X client.id=kcat
"$cap" "$here" kafka-python -- $py -c "from kafka import KafkaConsumer; \
KafkaConsumer(bootstrap_servers='127.0.0.1:{port}', client_id='kafka-python', \
request_timeout_ms=4000, api_version_auto_timeout_ms=4000).topics()"
"$cap" "$here" confluent -- $py -c "from confluent_kafka.admin import \
AdminClient; AdminClient({'bootstrap.servers': '127.0.0.1:{port}', \
'client.id': 'confluent'}).list_topics(timeout=5)"
if [ -n "$npmdir" ]; then
	cat >"$npmdir/plat.mjs" <<'JS'
import { Admin, Producer, Consumer, stringSerializers, stringDeserializers } from '@platformatic/kafka'
process.on('uncaughtException', (e) => console.error('uncaught', String(e).slice(0, 100)))
const port = process.argv[2]
const opts = { clientId: 'platformatic', bootstrapBrokers: ['127.0.0.1:' + port], retries: 0, timeout: 1500 }
const a = new Admin(opts)
const t = async (f) => { console.error('op'); try { await Promise.race([f(), new Promise(r => setTimeout(r, 1500))]) } catch (e) { console.error(String(e).slice(0, 200)) } }
await t(() => a.createTopics({ topics: ['t1'], partitions: 2, replicas: 1, configs: [{ name: 'retention.ms', value: '1000' }] }))
await t(() => a.deleteTopics({ topics: ['t1'] }))
await t(() => a.createPartitions({ topics: [{ name: 't1', count: 3, assignments: [] }] }))
await t(() => a.deleteRecords({ topics: [{ name: 't1', partitions: [{ partition: 0, offset: 5n }] }] }))
await t(() => a.describeConfigs({ resources: [{ resourceType: 2, resourceName: 't1', configurationKeys: ['retention.ms'] }], includeSynonyms: true, includeDocumentation: true }))
await t(() => a.incrementalAlterConfigs({ resources: [{ resourceType: 2, resourceName: 't1', configs: [{ name: 'retention.ms', configOperation: 0, value: '5000' }] }] }))
await t(() => a.listGroups({}))
await t(() => a.describeGroups({ groups: ['g1'] }))
await t(() => a.deleteGroups({ groups: ['g1'] }))
await t(() => a.listOffsets({ topics: [{ name: 't1', partitions: [{ partitionIndex: 0, timestamp: -1n }] }] }))
await t(() => a.listConsumerGroupOffsets({ groups: ['g1'] }))
await t(() => a.alterConsumerGroupOffsets({ groupId: 'g1', topics: [{ name: 't1', partitionOffsets: [{ partition: 0, offset: 3n }] }] }))
await t(() => a.deleteConsumerGroupOffsets({ groupId: 'g1', topics: [{ name: 't1', partitionIndexes: [0] }] }))
await t(() => a.createAcls({ creations: [{ resourceType: 2, resourceName: 't1', resourcePatternType: 3, principal: 'User:a', host: '*', operation: 3, permissionType: 3 }] }))
await t(() => a.describeAcls({ filter: { resourceType: 2, resourceName: 't1', patternType: 3, principal: null, host: null, operation: 1, permissionType: 1 } }))
await t(() => a.deleteAcls({ filters: [{ resourceTypeFilter: 2, resourceNameFilter: 't1', patternTypeFilter: 3, principalFilter: null, hostFilter: null, operation: 1, permissionType: 1 }] }))
await t(() => a.close())
const p = new Producer({ ...opts, serializers: stringSerializers })
await t(() => p.send({ messages: [{ topic: 't1', key: 'k', value: 'v', headers: { h: 'x' } }] }))
await t(() => p.close())
const c = new Consumer({ ...opts, groupId: 'g1', deserializers: stringDeserializers })
await t(() => c.consume({ topics: ['t1'] }))
await t(() => c.close(true))
process.exit(0)
JS
	cat >"$npmdir/kts.mjs" <<'JS'
import { createKafkaClient } from 'kafka-ts'
process.on('uncaughtException', (e) => console.error('uncaught', String(e).slice(0, 100)))
process.on('unhandledRejection', (e) => console.error('unhandled', String(e).slice(0, 100)))
const port = +process.argv[2]
const c = createKafkaClient({ clientId: 'kafka-ts', requestTimeout: 1500, bootstrapServers: [{ host: '127.0.0.1', port }] })
const t = async (f) => { try { await Promise.race([f(), new Promise(r => setTimeout(r, 3000))]) } catch (e) { console.error(String(e).slice(0, 200)) } }
await t(async () => { const p = c.createProducer({ allowTopicAutoCreation: false }); await p.send([{ topic: 't1', partition: 0, key: 'k', value: 'v', headers: { h: 'x' } }]) })
await t(async () => { await c.startConsumer({ topics: ['t1'], groupId: null, fromBeginning: true, onBatch: () => {} }) })
await t(async () => { await c.startConsumer({ topics: ['t1'], groupId: 'g1', onBatch: () => {} }) })
process.exit(0)
JS
	(cd "$npmdir" && "$cap" "$here" platformatic -- node plat.mjs '{port}')
	(cd "$npmdir" && "$cap" "$here" kafka-ts -- node kts.mjs '{port}')
	# Both scripts print why each call failed with CAPTURE_DEBUG=1.
fi
