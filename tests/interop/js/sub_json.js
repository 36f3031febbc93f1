// Drives a real hyperbee 2.27.3 (hypercore 11.39.5) as its users do: keys
// 'utf-8', values 'json', inside sub-databases (db.sub(a).sub(b)...).
//
// Program (JSON, file argv[2] or stdin):
//   {"seed": hex32, "sep": hex|null (new Hyperbee(core, {sep})),
//    "ops": [op, ...], "reads": [read, ...] (optional)}
//   op   = {"sub": [name, ...], "put": key, "value": JSON text}
//          (the value is JSON.parse(text), then stored by the json encoding)
//        | {"sub": [name, ...], "del": key}
//   read = {"sub": [name, ...], "get": key}
//        | {"sub": [name, ...], "range": {gt, gte, lt, lte (strings),
//                                          reverse, limit}}
//   "sub" may be empty or absent (the root bee).
//
// Result (one JSON line on stdout):
//   {"key", "discoveryKey", "manifest", "publicKey": hex, "length",
//    "byteLength", "fork", "treeHash", "signature", "roots" (as core.js),
//    "blocks": [hex of core.get(i)],
//    "reads": [result per read]}
//   get -> entry|null; range -> [entry];
//   entry = {"seq", "key": string, "value": JSON value|null}
'use strict'
const Hypercore = require('hypercore')
const Hyperbee = require('hyperbee')
const crypto = require('hypercore-crypto')
const { run, hex, unhex, coreIdentity, coreState } = require('./common')

function subOf (db, names) {
  let s = db
  for (const name of names || []) s = s.sub(name)
  return s
}

function entry (e) {
  return e ? { seq: e.seq, key: e.key, value: e.value === undefined ? null : e.value } : null
}

async function read (db, r) {
  const s = subOf(db, r.sub)
  if (r.get !== undefined) return entry(await s.get(r.get))
  const out = []
  for await (const e of s.createReadStream(r.range)) out.push(entry(e))
  return out
}

run(async (program, dir) => {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair })
  const opts = { keyEncoding: 'utf-8', valueEncoding: 'json' }
  if (program.sep) opts.sep = unhex(program.sep)
  const db = new Hyperbee(core, opts)
  await db.ready()
  for (const op of program.ops) {
    const s = subOf(db, op.sub)
    if (op.put !== undefined) {
      await s.put(op.put, JSON.parse(op.value))
    } else {
      await s.del(op.del)
    }
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
    reads
  }
  await db.close()
  return out
})
