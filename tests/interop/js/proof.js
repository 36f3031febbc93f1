// Answers proof requests as a hypercore 11.39.5 server does (PROTOCOL.md
// §7.4): the checks of its replicator (another fork, or a block the core
// does not hold: noData reason 1, or the manifest alone when asked for), then
// MerkleTree.proof (a request it refuses: noData reason 2).
//
// Program (JSON, file argv[2] or stdin):
//   {"seed": hex32, "ops": [{"append": [hex, ...]} | {"truncate": n}, ...],
//    "requests": [hex, ...]}   each a request message payload (FORMAT.md §16.1)
//   The core is new Hypercore(tmpdir, {keyPair: keyPair(seed)}); each append
//   is ONE core.append call, each truncate one core.truncate(n).
//
// Result (one JSON line on stdout):
//   {"answers": [{"data": hex} | {"noData": reason}, ...]}  one per request,
//   `data` being the data message payload.
'use strict'
const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const c = require('compact-encoding')
const { MerkleTree } = require('hypercore/lib/merkle-tree')
const { wire } = require('hypercore/lib/messages')
const { run, hex, unhex } = require('./common')

const NOT_AVAILABLE = 1
const INVALID_REQUEST = 2

// The replicator's Peer._getProof and _fulfillRequest, without the wire.
async function answer (core, msg) {
  const inner = core.core
  const available =
    msg.fork === inner.state.fork && (!msg.block || inner.bitfield.get(msg.block.index))
  if (!available) {
    if (msg.manifest && inner.header.manifest) {
      return {
        data: hex(c.encode(wire.data, {
          request: msg.id, fork: inner.state.fork, block: null, hash: null,
          seek: null, upgrade: null, manifest: inner.header.manifest
        }))
      }
    }
    return { noData: NOT_AVAILABLE }
  }
  const batch = inner.storage.read(inner.state.fork)
  const block = msg.block ? batch.getBlock(msg.block.index) : null
  if (block) block.catch(() => {})
  let proof
  try {
    proof = await MerkleTree.proof(inner.state, batch, msg)
  } catch (e) {
    if (process.env.PROOF_DEBUG) console.error(e)
    batch.destroy()
    return { noData: INVALID_REQUEST }
  }
  batch.tryFlush()
  let settled, value
  try {
    [settled, value] = await Promise.all([proof.settle(), block])
  } catch (e) {
    if (process.env.PROOF_DEBUG) console.error(e)
    return { noData: INVALID_REQUEST }
  }
  if (msg.manifest && !inner.compat) settled.manifest = inner.header.manifest
  if (settled.block) settled.block.value = value
  settled.request = msg.id
  return { data: hex(c.encode(wire.data, settled)) }
}

run(async (program, dir) => {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair })
  await core.ready()
  for (const op of program.ops) {
    if (op.append) await core.append(op.append.map(unhex))
    else if (op.truncate !== undefined) await core.truncate(op.truncate)
    else throw new Error('unknown op ' + JSON.stringify(op))
  }
  const answers = []
  for (const request of program.requests) {
    answers.push(await answer(core, c.decode(wire.request, unhex(request))))
  }
  await core.close()
  return { answers }
})
