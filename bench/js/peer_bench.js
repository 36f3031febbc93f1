// The JS peer on the workload of bench/btree_bench.cc: hyperbee 2.27.3 on
// hypercore 11.39.5 (the pinned packages of tests/interop/js), 100,000
// random 16-byte keys with 100-byte values from the same xorshift64*
// generator as bench/bench_common.h. Prints one JSON object of ops/s.
// Usage: node bench/js/peer_bench.js [keys]   (after scripts/setup.sh)
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')
const peer = path.join(__dirname, '..', '..', 'tests', 'interop', 'js', 'node_modules')
const Hypercore = require(path.join(peer, 'hypercore'))
const Hyperbee = require(path.join(peer, 'hyperbee'))
const { Rng } = require('./xorshift.js')


async function main () {
  const count = Number(process.argv[2] || 100000)
  const rng = new Rng(0xbeen)
  const keys = []
  const values = []
  for (let i = 0; i < count; i++) {
    keys.push(rng.bytes(16))
    values.push(rng.bytes(100))
  }
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bee-peer-bench-'))
  const core = new Hypercore(dir)
  const db = new Hyperbee(core, { keyEncoding: 'binary', valueEncoding: 'binary' })
  await db.ready()

  let t = process.hrtime.bigint()
  for (let i = 0; i < count; i += 1000) {
    const b = db.batch()
    for (let j = i; j < Math.min(count, i + 1000); j++) await b.put(keys[j], values[j])
    await b.flush()
  }
  const putSeconds = Number(process.hrtime.bigint() - t) / 1e9

  const gets = Math.min(count, 20000)
  const pick = new Rng(5n)
  t = process.hrtime.bigint()
  for (let i = 0; i < gets; i++) {
    const k = keys[Number(pick.next() % BigInt(count))]
    if (!(await db.get(k))) throw new Error('missing key')
  }
  const getSeconds = Number(process.hrtime.bigint() - t) / 1e9

  t = process.hrtime.bigint()
  let scanned = 0
  for await (const e of db.createReadStream()) { if (e) scanned++ }
  const scanSeconds = Number(process.hrtime.bigint() - t) / 1e9

  await db.close()
  fs.rmSync(dir, { recursive: true, force: true })
  process.stdout.write(JSON.stringify({
    keys: count,
    batchedPutsPerSecond: Math.round(count / putSeconds),
    warmGetsPerSecond: Math.round(gets / getSeconds),
    scanKeysPerSecond: Math.round(scanned / scanSeconds)
  }) + '\n')
}

main().catch(err => { console.error(err); process.exitCode = 1 })
