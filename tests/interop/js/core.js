// Drives a real hypercore 11.39.5.
// Program: {"seed": hex32, "compat": bool?, "ops": [{"append": [hex...]} | {"truncate": n}]}
// Result:  {"key", "discoveryKey", "manifest", "states": [state after each op]}
//          state = {length, byteLength, fork, treeHash, signature, roots: [{index, size, hash}]}
'use strict'
const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const { run, hex, unhex, coreState } = require('./common')

run(async (program, dir) => {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair, compat: !!program.compat })
  await core.ready()
  const states = []
  for (const op of program.ops) {
    if (op.append) await core.append(op.append.map(unhex))
    else await core.truncate(op.truncate)
    states.push(await coreState(core))
  }
  const out = {
    key: hex(core.key),
    discoveryKey: hex(core.discoveryKey),
    states
  }
  await core.close()
  return out
})
