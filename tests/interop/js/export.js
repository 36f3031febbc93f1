// A hyperbee feed written by the real hyperbee 2.27.3 / hypercore 11.39.5,
// in the form a reader needs to import and verify it (FORMAT.md §14-15).
//
// Program: exactly bee.js's (seed, metadata, alwaysDuplicate, ops); reads
// are ignored.
//
// Result (one JSON line on stdout):
//   {"key": hex (manifest hash), "discoveryKey": hex, "manifest": hex,
//    "publicKey": hex (the signer's Ed25519 key), "length", "byteLength",
//    "fork", "treeHash": hex, "signature": hex (68-byte container),
//    "blocks": [hex, ...]}
//   The signature covers (treeHash, length, fork) of exactly these blocks.
'use strict'
const { run } = require('./common')
const { driveBee } = require('./bee')

run(async (program, dir) => {
  const all = await driveBee({ ...program, reads: [] }, dir)
  const out = {}
  for (const k of ['key', 'discoveryKey', 'manifest', 'publicKey', 'length',
    'byteLength', 'fork', 'treeHash', 'signature', 'blocks']) {
    out[k] = all[k]
  }
  return out
})
