// Parse the codec's responses (made by build/tests/unit/proto_schema with
// ZC_SCHEMA_RESPONSES=DIR) with the response parsers of two Node clients
// written by other people from Kafka's schemas, for every API and version
// each implements: @platformatic/kafka (which skips only empty tag
// sections: it gets the files without tagged fields) and kafka-ts (all
// files). Each must parse without error and consume exactly its bytes.
//   node check_responses.mjs DIR NPMDIR   (exit 0 when all agree)
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'

const [dir, npmdir] = process.argv.slice(2)
const files = readdirSync(dir).sort()
let ok = 0, bad = 0, none = 0, known = 0
const versions = new Set()

function report (name, e) {
  bad++
  console.log(`${name}: ${String(e.message || e).slice(0, 300)}`)
}

// Where the client, not the schema, is wrong: @platformatic/kafka's
// Metadata v9 and v10 parsers skip ClusterAuthorizedOperations (an int32 in
// versions 8-10 of Kafka's MetadataResponse) as one byte; its
// OffsetForLeaderEpoch v4 parser reads Partition before ErrorCode (Kafka's
// OffsetForLeaderEpochResponse has ErrorCode first); its DescribeConfigs v2
// parser reads compact arrays and v3's ConfigType and Documentation.
const clientBugs = new Set(['platformatic metadata-v9.js', 'platformatic metadata-v10.js',
  'platformatic offset-for-leader-epoch-v4.js', 'platformatic describe-configs-v2.js'])
// Where the client reads inside opaque bytes: kafka-ts decodes SyncGroup's
// Assignment as a consumer-protocol assignment; the tables (like Kafka's
// schema) keep it as bytes, here random ones.
const opaque = new Set(['kafka-ts sync-group'])

async function platformatic () {
  const base = join(npmdir, 'node_modules/@platformatic/kafka/dist')
  if (!existsSync(base)) return false
  const { Reader } = await import(pathToFileURL(join(base, 'protocol/reader.js')))
  const parsers = new Map()
  for (const area of readdirSync(join(base, 'apis'))) {
    const d = join(base, 'apis', area)
    if (!area.match(/^[a-z]+$/) || !existsSync(d)) continue
    for (const f of readdirSync(d)) {
      if (!f.match(/-v\d+\.js$/)) continue
      const m = await import(pathToFileURL(join(d, f)))
      if (m.api && m.parseResponse) parsers.set(`${m.api.key}-v${m.api.version}`, [f, m.parseResponse])
    }
  }
  for (const f of files) {
    const m = f.match(/^resp-(\d+)-v(\d+)-s\d+\.bin$/)
    if (!m) continue
    const p = parsers.get(`${m[1]}-v${m[2]}`)
    if (!p) { none++; continue }
    const buf = readFileSync(join(dir, f))
    const r = Reader.from(buf)
    try {
      p[1](0, +m[1], +m[2], r)
      // This client reads a flexible body's last tag section outside its
      // parsers: walk it here (count, then tag, size, bytes).
      let pos = r.position
      const uvarint = () => {
        let v = 0, shift = 0, b
        do { b = buf[pos++]; v += (b & 0x7f) * 2 ** shift; shift += 7 } while (b & 0x80 && pos < buf.length)
        return v
      }
      if (pos < buf.length) {
        for (let n = uvarint(); n > 0; n--) { uvarint(); const size = uvarint(); pos += size }
      }
      if (pos !== buf.length) throw new Error(`consumed ${r.position} (+tags ${pos}) of ${buf.length}`)
      ok++
      versions.add(`${m[1]}-v${m[2]}`)
    } catch (e) {
      if (clientBugs.has(`platformatic ${p[0]}`)) {
        known++
        console.log(`platformatic ${p[0]}: known client bug`)
        continue
      }
      report(`platformatic ${p[0]}`, e)
    }
  }
  return true
}

async function kafkaTs () {
  const base = join(npmdir, 'node_modules/kafka-ts/dist')
  if (!existsSync(base)) return false
  const require = createRequire(join(base, 'index.js'))
  const { Decoder } = require(join(base, 'utils/decoder.js'))
  const apis = new Map()
  for (const d of readdirSync(join(base, 'api'))) {
    if (!existsSync(join(base, 'api', d, 'index.js'))) continue
    for (const f of readdirSync(join(base, 'api', d))) {
      if (!f.match(/^v\d+\.js$/)) continue
      for (const a of Object.values(require(join(base, 'api', d, f)))) {
        if (a && typeof a.response === 'function' && Number.isInteger(a.apiKey)) {
          apis.set(`${a.apiKey}-v${a.apiVersion}`, [`${d}/${f}`, a])
        }
      }
    }
  }
  for (const f of files) {
    const m = f.match(/^resp-(\d+)-v(\d+)(-tags)?-s\d+\.bin$/)
    if (!m) continue
    const p = apis.get(`${m[1]}-v${m[2]}`)
    if (!p) { none++; continue }
    if (opaque.has(`kafka-ts ${p[0].split('/')[0]}`)) { known++; continue }
    const buf = readFileSync(join(dir, f))
    const d = new Decoder(buf)
    try {
      await p[1].response(d)
      if (d.getOffset() !== buf.length) throw new Error(`consumed ${d.getOffset()} of ${buf.length}`)
      ok++
      versions.add(`${m[1]}-v${m[2]}`)
    } catch (e) {
      report(`kafka-ts ${p[0]} (${f})`, e)
    }
  }
  return true
}

const have = [await platformatic(), await kafkaTs()]
console.log(`${ok} responses of ${versions.size} API versions parsed, ${bad} refused, ${known} known client bugs or opaque fields, ${none} without a parser`)
if (process.env.SHOW_VERSIONS) console.log([...versions].join(" "))
process.exit(bad || !ok || !have.every(Boolean) ? 1 : 0)
