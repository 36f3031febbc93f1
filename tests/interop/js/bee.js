// Drives a real hyperbee 2.27.3 (binary keys and values) on hypercore 11.39.5.
//
// Program (JSON, file argv[2] or stdin):
//   {"seed": hex32,
//    "metadata": {"contentFeed": hex|null, "userData": hex|null} | null,
//    "alwaysDuplicate": bool (optional, default true),
//    "ops": [op, ...], "reads": [read, ...] (optional)}
//   op   = {"put": {"key": hex, "value": hex|null, "cas": hex|null}}
//        | {"del": {"key": hex, "cas": hex|null}}
//        | {"batch": [put/del ops]}          (db.batch(), the ops, flush())
//        | {"truncate": n}                   (core.truncate(n): fork + 1)
//   cas given: the write happens only if the stored entry's value equals
//   those bytes; an entry with a null value never matches. Hyperbee calls
//   cas only when the key exists (a put of a new key always happens, a del
//   of a missing key is a no-op either way).
//   read = {"checkout": v, "get": hex}
//        | {"checkout": v, "range": {gt, gte, lt, lte (hex), reverse, limit}}
//        | {"checkout": v, "diff": {"from": v2, gt, gte, lt, lte (hex), limit}}
//        | {"history": {gt, gte, lt, lte (seq numbers), reverse, limit}}
//   (all range fields optional). Reads run after all ops, on the final db.
//
// Result (one JSON line on stdout):
//   {"key", "discoveryKey", "manifest", "publicKey": hex,
//    "length", "byteLength", "fork", "treeHash", "signature", "roots"
//      (the final signed state, as in core.js),
//    "blocks": [hex of core.get(i) for i < length],
//    "versions": [core length after each op],
//    "reads": [result per read]}
//   get -> entry|null; range -> [entry]; diff -> [{"left": entry|null,
//   "right": entry|null}]; history -> [{"type": "put"|"del", seq, key, value}]
//   entry = {"seq", "key": hex, "value": hex|null}
//
// Also a module: export.js reuses driveBee(); peer.js reuses applyOp(), read()
// and beeOptions() so that its answers have the same shapes as these.
'use strict'
const Hypercore = require('hypercore')
const Hyperbee = require('hyperbee')
const crypto = require('hypercore-crypto')
const { run, hex, unhex, coreIdentity, coreState } = require('./common')

function casFor (expected) {
  if (expected === null || expected === undefined) return undefined
  const want = unhex(expected)
  return (prev) => prev.value != null && Buffer.compare(prev.value, want) === 0
}

async function apply (target, op) {
  if (op.put) {
    const opts = { cas: casFor(op.put.cas) }
    await target.put(unhex(op.put.key), unhex(op.put.value) ?? undefined, opts)
  } else if (op.del) {
    await target.del(unhex(op.del.key), { cas: casFor(op.del.cas) })
  } else {
    throw new Error('unknown op ' + JSON.stringify(op))
  }
}

// One op of a program (put, del, batch or truncate) on the bee `db`.
async function applyOp (db, op) {
  if (op.batch) {
    const b = db.batch()
    for (const o of op.batch) await apply(b, o)
    await b.flush()
  } else if (op.truncate !== undefined) {
    await db.core.truncate(op.truncate)
  } else {
    await apply(db, op)
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
  try {
    if (r.get !== undefined) return entry(await snap.get(unhex(r.get)))
    if (r.range) return await collect(snap.createReadStream(range(r.range)), entry)
    if (r.diff) {
      return await collect(snap.createDiffStream(r.diff.from, range(r.diff)),
        d => ({ left: entry(d.left), right: entry(d.right) }))
    }
  } finally {
    await snap.close()
  }
  throw new Error('unknown read ' + JSON.stringify(r))
}

function beeOptions (program) {
  const opts = { keyEncoding: 'binary', valueEncoding: 'binary' }
  if (program.alwaysDuplicate === false) opts.alwaysDuplicate = false
  if (program.metadata) {
    opts.metadata = {
      contentFeed: unhex(program.metadata.contentFeed),
      userData: unhex(program.metadata.userData)
    }
  }
  return opts
}

// Runs `program` in the empty directory `dir`; returns the result above.
async function driveBee (program, dir) {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair })
  const db = new Hyperbee(core, beeOptions(program))
  await db.ready()
  const versions = []
  for (const op of program.ops) {
    await applyOp(db, op)
    versions.push(core.length)
  }
  const blocks = []
  for (let i = 0; i < core.length; i++) blocks.push(hex(await core.get(i)))
  const reads = []
  for (const r of program.reads || []) reads.push(await read(db, r))
  const out = {
    ...coreIdentity(core),
    publicKey: hex(keyPair.publicKey),
    ...(await coreState(core)),
    blocks,
    versions,
    reads
  }
  await db.close()
  return out
}

module.exports = { driveBee, applyOp, read, beeOptions }

if (require.main === module) run(driveBee)
