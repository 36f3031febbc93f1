// Shared plumbing of the interop scripts: read one JSON program (argv[2] or
// stdin), run it against the real packages in a fresh temp directory, print
// one JSON result.
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
  try {
    const result = await main(readProgram(), dir)
    process.stdout.write(JSON.stringify(result) + '\n')
  } catch (err) {
    process.stderr.write((err && err.stack) || String(err))
    process.exitCode = 1
  } finally {
    fs.rmSync(dir, { recursive: true, force: true })
  }
}

// The signed state of a hypercore, in the field names our tests read.
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

module.exports = { readProgram, hex, unhex, run, coreState }
