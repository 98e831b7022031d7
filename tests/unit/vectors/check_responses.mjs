// Parse the codec's responses (made by build/tests/unit/proto_schema with
// ZC_SCHEMA_RESPONSES=DIR) with @platformatic/kafka's own parsers, for every
// API and version that client implements: each must parse without error
// and consume exactly its bytes. A check of the response tables against an
// implementation written from the same schemas by other people.
//   node check_responses.mjs DIR NPMDIR     (exit 0 when all agree)
import { readdirSync, readFileSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'

const [dir, npmdir] = process.argv.slice(2)
const base = join(npmdir, 'node_modules/@platformatic/kafka/dist')
const { Reader } = await import(pathToFileURL(join(base, 'protocol/reader.js')))
const parsers = new Map()
for (const area of readdirSync(join(base, 'apis'))) {
  const d = join(base, 'apis', area)
  if (!existsSync(d) || !area.match(/^[a-z]+$/)) continue
  for (const f of readdirSync(d)) {
    if (!f.match(/-v\d+\.js$/)) continue
    const m = await import(pathToFileURL(join(d, f)))
    if (m.api && m.parseResponse) parsers.set(`${m.api.key}-v${m.api.version}`, [f, m.parseResponse])
  }
}
// Where the client, not the schema, is wrong: its Metadata v9 and v10
// parsers skip ClusterAuthorizedOperations (int32 in versions 8-10 of
// Kafka's MetadataResponse) as one byte.
const clientBugs = new Set(['metadata-v9.js', 'metadata-v10.js'])
let ok = 0, bad = 0, none = 0, known = 0
for (const f of readdirSync(dir).sort()) {
  const m = f.match(/^resp-(\d+)-v(\d+)\.bin$/)
  if (!m) continue
  const p = parsers.get(`${m[1]}-v${m[2]}`)
  if (!p) { none++; continue }
  const buf = readFileSync(join(dir, f))
  const r = Reader.from(buf)
  try {
    p[1](0, +m[1], +m[2], r)
    // The client reads a flexible body's last tag section outside its
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
  } catch (e) {
    if (clientBugs.has(p[0])) {
      known++
      console.log(`${p[0]}: known client bug: ${String(e.message || e).slice(0, 100)}`)
      continue
    }
    bad++
    console.log(`${p[0]}: ${String(e.message || e).slice(0, 300)}`)
  }
}
console.log(`${ok} responses parsed, ${bad} refused, ${known} known client bugs, ${none} without a parser`)
process.exit(bad || !ok ? 1 : 0)
