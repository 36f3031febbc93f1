// Drives a real hyperbee 2.27.3 (binary keys and values) on hypercore 11.39.5.
// Program: {"seed": hex32, "metadata": {"contentFeed": hex|null, "userData": hex|null}|null,
//           "alwaysDuplicate": bool?, "ops": [op...], "reads": [read...]?}
//   op   = {"put": {"key": hex, "value": hex|null, "cas": hex|null}}
//        | {"del": {"key": hex, "cas": hex|null}}
//        | {"batch": [put/del ops]}
//   cas given: the write happens only if the stored entry's value equals
//   those bytes (hyperbee calls cas only for existing keys).
//   read = {"checkout": v, "get": hex}
//        | {"checkout": v, "range": {gt, gte, lt, lte (hex), reverse, limit}}
//        | {"checkout": v, "diff": {"from": v2, gt, gte, lt, lte, limit}}
//        | {"history": {gt, gte, lt, lte (numbers), reverse, limit}}
// Result: {key, discoveryKey, ...state, blocks: [hex], versions: [length after each op],
//          reads: [result per read]}; entries are {seq, key, value} (hex|null).
'use strict'
const Hypercore = require('hypercore')
const Hyperbee = require('hyperbee')
const crypto = require('hypercore-crypto')
const { run, hex, unhex, coreState } = require('./common')

function casFor (expected) {
  if (expected === null || expected === undefined) return undefined
  const want = unhex(expected)
  return (prev) => prev.value !== null && Buffer.compare(prev.value, want) === 0
}

async function apply (target, op) {
  if (op.put) {
    const opts = { cas: casFor(op.put.cas) }
    if (op.put.value === null) await target.put(unhex(op.put.key), undefined, opts)
    else await target.put(unhex(op.put.key), unhex(op.put.value), opts)
  } else if (op.del) {
    await target.del(unhex(op.del.key), { cas: casFor(op.del.cas) })
  } else {
    throw new Error('unknown op ' + JSON.stringify(op))
  }
}

function entry (e) {
  return e ? { seq: e.seq, key: hex(e.key), value: hex(e.value) } : null
}

function range (r) {
  const out = {}
  for (const k of ['gt', 'gte', 'lt', 'lte']) if (r[k] !== undefined) out[k] = unhex(r[k])
  if (r.reverse) out.reverse = true
  if (r.limit !== undefined) out.limit = r.limit
  return out
}

async function collect (stream, map) {
  const out = []
  for await (const x of stream) out.push(map(x))
  return out
}

async function read (db, r) {
  if (r.history) {
    return collect(db.createHistoryStream(r.history),
      e => ({ type: e.type, seq: e.seq, key: hex(e.key), value: hex(e.value) }))
  }
  const snap = db.checkout(r.checkout)
  if (r.get !== undefined) return entry(await snap.get(unhex(r.get)))
  if (r.range) return collect(snap.createReadStream(range(r.range)), entry)
  if (r.diff) {
    return collect(snap.createDiffStream(r.diff.from, range(r.diff)),
      d => ({ left: entry(d.left), right: entry(d.right) }))
  }
  throw new Error('unknown read ' + JSON.stringify(r))
}

run(async (program, dir) => {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair })
  const opts = { keyEncoding: 'binary', valueEncoding: 'binary' }
  if (program.alwaysDuplicate === false) opts.alwaysDuplicate = false
  if (program.metadata) {
    opts.metadata = {
      contentFeed: unhex(program.metadata.contentFeed),
      userData: unhex(program.metadata.userData)
    }
  }
  const db = new Hyperbee(core, opts)
  await db.ready()
  const versions = []
  for (const op of program.ops) {
    if (op.batch) {
      const b = db.batch()
      for (const o of op.batch) await apply(b, o)
      await b.flush()
    } else {
      await apply(db, op)
    }
    versions.push(core.length)
  }
  const blocks = []
  for (let i = 0; i < core.length; i++) blocks.push(hex(await core.get(i)))
  const reads = []
  for (const r of program.reads || []) reads.push(await read(db, r))
  const out = {
    key: hex(core.key),
    discoveryKey: hex(core.discoveryKey),
    publicKey: hex(keyPair.publicKey),
    ...(await coreState(core)),
    blocks,
    versions,
    reads
  }
  await db.close()
  return out
})
