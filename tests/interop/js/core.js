// Drives a real hypercore 11.39.5 (FORMAT.md §12-15).
//
// Program (JSON, file argv[2] or stdin):
//   {"seed": hex32, "compat": bool (optional, default false),
//    "ops": [{"append": [hex, ...]} | {"truncate": n}, ...]}
//   The core is new Hypercore(tmpdir, {keyPair: keyPair(seed), compat}); each
//   append is ONE core.append call (one signature), each truncate one
//   core.truncate(n) (fork + 1).
//
// Result (one JSON line on stdout):
//   {"key": hex, "discoveryKey": hex, "manifest": hex,
//    "states": [state after each op, in order]}
//   state = {"length", "byteLength", "fork", "treeHash": hex,
//            "signature": hex (68-byte container; 64 raw bytes if compat),
//            "roots": [{"index", "size", "hash": hex}]}
'use strict'
const Hypercore = require('hypercore')
const crypto = require('hypercore-crypto')
const { run, unhex, coreIdentity, coreState } = require('./common')

run(async (program, dir) => {
  const keyPair = crypto.keyPair(unhex(program.seed))
  const core = new Hypercore(dir, { keyPair, compat: !!program.compat })
  await core.ready()
  const states = []
  for (const op of program.ops) {
    if (op.append) await core.append(op.append.map(unhex))
    else if (op.truncate !== undefined) await core.truncate(op.truncate)
    else throw new Error('unknown op ' + JSON.stringify(op))
    states.push(await coreState(core))
  }
  const out = { ...coreIdentity(core), states }
  await core.close()
  return out
})
