// The hyperbee side of the comparison harness (bench/compare/README.md):
// one workload of bench/compare/workload.cc on the real hyperbee 2.27.3 on
// hypercore 11.39.5 (the pinned packages of tests/interop/js, installed by
// scripts/setup.sh), with hypercore's default storage, the same data and
// the same steps. Prints one JSON object {ops, seconds, checked}; a failed
// check or an error exits 1.
//
// Usage: node bench/compare/hyperbee_side.js WORKLOAD DIR N
//        node bench/compare/hyperbee_side.js versions - 1
'use strict'
const fs = require('fs')
const path = require('path')
const peer = path.join(__dirname, '..', '..', 'tests', 'interop', 'js', 'node_modules')
const Hypercore = require(path.join(peer, 'hypercore'))
const Hyperbee = require(path.join(peer, 'hyperbee'))
const { Rng } = require('../js/xorshift.js')

const KEY = 16
const VALUE = 100
const SEEDS = { data: 0xbeen, gets: 5n, checkoutGets: 6n, ranges: 7n, updateKeys: 11n, updateValues: 12n }


function sizesFor (n) {
  return {
    n,
    batch: 1000,
    gets: Math.min(20000, n),
    ranges: Math.max(1, Math.min(1000, Math.floor(n / 20))),
    rangeLen: 100,
    singlePuts: Math.max(1, Math.min(10000, Math.floor(n / 2))),
    updates: Math.max(1, Math.min(1000, Math.floor(n / 2)))
  }
}

class Dataset {
  constructor (n, withValues) {
    const rng = new Rng(SEEDS.data)
    this.keys = Buffer.alloc(n * KEY)
    this.values = withValues ? Buffer.alloc(n * VALUE) : null
    for (let i = 0; i < n; i++) {
      rng.fill(this.keys, i * KEY, KEY)
      if (withValues) rng.fill(this.values, i * VALUE, VALUE)
      else for (let w = 0; w < VALUE; w += 8) rng.next()
    }
  }

  key (i) { return this.keys.subarray(i * KEY, (i + 1) * KEY) }
  value (i) { return this.values.subarray(i * VALUE, (i + 1) * VALUE) }
}

function picks (seed, count, n) {
  const rng = new Rng(seed)
  const out = []
  for (let i = 0; i < count; i++) out.push(Number(rng.next() % BigInt(n)))
  return out
}

function distinctPicks (seed, count, n) {
  const rng = new Rng(seed)
  const taken = new Uint8Array(n)
  const out = []
  while (out.length < Math.min(count, n)) {
    const i = Number(rng.next() % BigInt(n))
    if (taken[i]) continue
    taken[i] = 1
    out.push(i)
  }
  return out
}

function expect (what, got, want) {
  if (got !== want) throw new Error(`${what}: got ${got}, expected ${want}`)
}

const now = () => process.hrtime.bigint()
const secondsSince = (t) => Number(process.hrtime.bigint() - t) / 1e9

async function open (dir) {
  const db = new Hyperbee(new Hypercore(dir), { keyEncoding: 'binary', valueEncoding: 'binary' })
  await db.ready()
  return db
}

async function close (db) {
  await db.close()
  await db.core.close()
}

async function load (db, d, order, batch) {
  for (let i = 0; i < order.length; i += batch) {
    const b = db.batch()
    for (let j = i; j < Math.min(order.length, i + batch); j++) await b.put(d.key(order[j]), d.value(order[j]))
    await b.flush()
  }
}

async function scan (db, start, limit) {
  const range = start ? { gte: start } : {}
  if (limit >= 0) range.limit = limit
  let n = 0
  for await (const e of db.createReadStream(range)) {
    if (!e.value || e.value.length !== VALUE) throw new Error('a scanned value has the wrong size')
    n++
  }
  return n
}

async function timedGets (d, list, get) {
  let found = 0
  const t = now()
  for (const i of list) {
    const e = await get(d.key(i))
    if (e && e.value && e.value.length === VALUE) found++
  }
  const m = { ops: list.length, seconds: secondsSince(t), checked: found }
  expect('keys found', found, list.length)
  return m
}

const identity = (n) => Array.from({ length: n }, (_, i) => i)

async function timedLoad (dir, s, ascending) {
  const d = new Dataset(s.n, true)
  const order = identity(s.n)
  if (ascending) order.sort((a, b) => Buffer.compare(d.key(a), d.key(b)))
  const db = await open(dir)
  const t = now()
  await load(db, d, order, s.batch)
  const m = { ops: s.n, seconds: secondsSince(t), checked: await scan(db, null, -1) }
  expect('entries after the load', m.checked, s.n)
  await close(db)
  return m
}

async function createLoaded (dir, s) {
  const d = new Dataset(s.n, true)
  const db = await open(dir)
  await load(db, d, identity(s.n), s.batch)
  return { d, db }
}

async function timedFullScan (db, s) {
  const t = now()
  const count = await scan(db, null, -1)
  const m = { ops: count, seconds: secondsSince(t), checked: count }
  expect('entries scanned', count, s.n)
  return m
}

// Opens the stored records, remembers the version, then updates s.updates
// distinct keys in one batch (untimed).
async function openMarkUpdate (dir, d, s, valueSeed) {
  const db = await open(dir)
  const mark = db.version
  const which = distinctPicks(SEEDS.updateKeys, s.updates, s.n)
  const rng = new Rng(valueSeed)
  const b = db.batch()
  for (const i of which) await b.put(d.key(i), rng.bytes(VALUE))
  await b.flush()
  return { db, mark }
}

const workloads = {
  puts_batched: (dir, s) => timedLoad(dir, s, false),
  puts_sequential: (dir, s) => timedLoad(dir, s, true),

  async gets_warm (dir, s) {
    const { d, db } = await createLoaded(dir, s)
    const m = await timedGets(d, picks(SEEDS.gets, s.gets, s.n), (k) => db.get(k))
    await close(db)
    return m
  },

  async gets_reopen (dir, s) {
    const d = new Dataset(s.n, false)
    const t = now()
    const db = await open(dir)
    const openSeconds = secondsSince(t)
    const m = await timedGets(d, picks(SEEDS.gets, s.gets, s.n), (k) => db.get(k))
    await close(db)
    return { ...m, open_seconds: openSeconds }
  },

  async scan_first (dir, s) {
    const { db } = await createLoaded(dir, s)
    const m = await timedFullScan(db, s)
    await close(db)
    return m
  },

  async scan_reopen (dir, s) {
    const db = await open(dir)
    const m = await timedFullScan(db, s)
    await close(db)
    return m
  },

  async ranges (dir, s) {
    const { d, db } = await createLoaded(dir, s)
    const list = picks(SEEDS.ranges, s.ranges, s.n)
    const sorted = identity(s.n).map((i) => d.key(i)).sort(Buffer.compare)
    let want = 0
    for (const i of list) {
      let lo = 0
      let hi = sorted.length
      while (lo < hi) {
        const mid = (lo + hi) >> 1
        if (Buffer.compare(sorted[mid], d.key(i)) < 0) lo = mid + 1
        else hi = mid
      }
      want += Math.min(s.rangeLen, s.n - lo)
    }
    let got = 0
    const t = now()
    for (const i of list) got += await scan(db, d.key(i), s.rangeLen)
    const m = { ops: got, seconds: secondsSince(t), checked: got }
    expect('keys in the ranges', got, want)
    await close(db)
    return m
  },

  async puts_single (dir, s) {
    const d = new Dataset(s.singlePuts, true)
    const db = await open(dir)
    const t = now()
    for (let i = 0; i < s.singlePuts; i++) await db.put(d.key(i), d.value(i))
    const m = { ops: s.singlePuts, seconds: secondsSince(t), checked: await scan(db, null, -1) }
    expect('entries after single puts', m.checked, s.singlePuts)
    await close(db)
    return m
  },

  async checkout_gets (dir, s) {
    const d = new Dataset(s.n, false)
    const { db, mark } = await openMarkUpdate(dir, d, s, SEEDS.updateValues)
    const snap = db.checkout(mark)
    const m = await timedGets(d, picks(SEEDS.checkoutGets, s.gets, s.n), (k) => snap.get(k))
    await snap.close()
    await close(db)
    return m
  },

  async diff (dir, s) {
    const d = new Dataset(s.n, false)
    const { db, mark } = await openMarkUpdate(dir, d, s, SEEDS.updateValues + 2n)
    let changes = 0
    const t = now()
    for await (const e of db.createDiffStream(mark)) { if (e) changes++ }
    const m = { ops: changes, seconds: secondsSince(t), checked: changes }
    expect('changes in the diff', changes, s.updates)
    await close(db)
    return m
  },

  async versions () {
    const version = (p) => JSON.parse(fs.readFileSync(path.join(peer, p, 'package.json'))).version
    return { hyperbee: version('hyperbee'), hypercore: version('hypercore'), node: process.version }
  }
}

async function main () {
  const [name, dir, count] = process.argv.slice(2)
  const n = Number(count)
  if (!workloads[name] || !dir || !(n > 0)) {
    throw new Error(`usage: node hyperbee_side.js WORKLOAD DIR N (workloads: ${Object.keys(workloads).join(', ')})`)
  }
  const m = await workloads[name](dir, sizesFor(n))
  process.stdout.write(JSON.stringify(m) + '\n')
}

// The stack first, the message last: the driver quotes the last line.
main().catch((err) => {
  if (err && err.stack) console.error(err.stack)
  console.error('hyperbee_side.js: ' + (err && err.message ? err.message : err))
  process.exitCode = 1
})
