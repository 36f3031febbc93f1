// Shared plumbing of the interop scripts: read one JSON program (argv[2] or
// stdin), run it against the real packages in a fresh temp directory that is
// always deleted, print one JSON result (exit status 1 and the stack on
// stderr if anything throws).
'use strict'
const fs = require('fs')
const os = require('os')
const path = require('path')

function readProgram () {
  const file = process.argv[2]
  const text = file ? fs.readFileSync(file, 'utf8') : fs.readFileSync(0, 'utf8')
  return JSON.parse(text)
}

function hex (buf) {
  return buf ? Buffer.from(buf).toString('hex') : null
}

function unhex (s) {
  return s === null || s === undefined ? null : Buffer.from(s, 'hex')
}

async function run (main) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bee-interop-'))
  let failed = false
  try {
    const result = await main(readProgram(), dir)
    process.stdout.write(JSON.stringify(result) + '\n')
  } catch (err) {
    process.stderr.write(((err && err.stack) || String(err)) + '\n')
    failed = true
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
  // A core left open by the failure must not keep the process alive.
  if (failed) process.exit(1)
}

// What names a core: its key (the manifest hash, or the public key for
// compat cores), discovery key and encoded manifest (FORMAT.md §14).
function coreIdentity (core) {
  return {
    key: hex(core.key),
    discoveryKey: hex(core.discoveryKey),
    manifest: hex(core.getManifest({ raw: true }))
  }
}

// The signed state of a hypercore, in the field names our tests read.
// core.state is the session's view of the tree: its roots and the signature
// exactly as stored (68-byte container, or 64 raw bytes for compat cores,
// FORMAT.md §15). treeHash() recomputes the hash from those roots.
async function coreState (core) {
  const state = core.state
  return {
    length: core.length,
    byteLength: core.byteLength,
    fork: core.fork,
    treeHash: hex(await core.treeHash()),
    signature: hex(state.signature),
    roots: state.roots.map(r => ({ index: r.index, size: r.size, hash: hex(r.hash) }))
  }
}

module.exports = { readProgram, hex, unhex, run, coreIdentity, coreState }
