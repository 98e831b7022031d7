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
import { Admin } from '@platformatic/kafka'
const a = new Admin({ clientId: 'platformatic', retries: 0, timeout: 3000,
  bootstrapBrokers: ['127.0.0.1:' + process.argv[2]] })
try { await a.listTopics() } catch (e) {}
try { await a.metadata({ topics: ['t1'] }) } catch (e) {}
process.exit(0)
JS
	cat >"$npmdir/kts.mjs" <<'JS'
import { createKafkaClient, API } from 'kafka-ts'
const c = createKafkaClient({ clientId: 'kafka-ts', requestTimeout: 3000,
  bootstrapServers: [{ host: '127.0.0.1', port: +process.argv[2] }] })
const cl = c.createCluster()
try {
  await cl.connect()
  await cl.sendRequest(API.METADATA, { topics: [{ id: null, name: 't1' }],
    allowTopicAutoCreation: false, includeTopicAuthorizedOperations: false })
} catch (e) {}
process.exit(0)
JS
	(cd "$npmdir" && "$cap" "$here" platformatic -- node plat.mjs '{port}')
	(cd "$npmdir" && "$cap" "$here" kafka-ts -- node kts.mjs '{port}')
fi
