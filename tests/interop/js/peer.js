// A long-running replication peer: the real hyperbee 2.27.3 on hypercore
// 11.39.5, replicating over raw TCP on loopback (a net.Socket wrapped in
// @hyperswarm/secret-stream's NoiseSecretStream, then core.replicate(): the
// stack of ../shared/spec/PROTOCOL.md), driven by a test one command at a time.
//
// Protocol: one JSON object per line on stdin; exactly one JSON line on
// stdout per command, in order. Diagnostics go to stderr only. Commands run
// one after another, but the network keeps running meanwhile: a peer waiting
// in `waitLength` still serves its connections. On end of stdin (the test
// died) the peer closes everything and exits.
//
// Every command: {"cmd": name, "id": any (optional, echoed back),
//                 "timeout": ms (optional, default 15000), ...fields below}
// Every reply:   {"ok": true, "id", ...results}  or  {"ok": false, "id",
//                 "error": message}
// A command that does not finish within its timeout replies
// {"ok": false, "error": "timed out after <ms> ms: ..."}; what it
// started keeps running. Bytes (keys, values, blocks, seeds) are hex.
//
// Bees. Each has a caller-chosen name; commands name it in "bee" (optional
// when the peer holds exactly one). Every bee's core is served on every
// connection, past and future.
//   writer {name, seed: hex32, dir?, extension?: bool (default true),
//           alwaysDuplicate?: bool, metadata?: {contentFeed, userData}}
//     A hyperbee writer whose key pair is hypercore-crypto keyPair(seed), as
//     bee.js. -> {key, discoveryKey, publicKey, length, fork}
//   reader {name, key: hex32, dir?, sparse?: bool (default true),
//           extension?: bool (default true)}
//     A hyperbee reader of the core with that key. -> {key, discoveryKey,
//     length}
//   dir: the hypercore storage directory. Without it the bee lives in a
//   fresh temp directory that the peer deletes when it exits (hypercore 11
//   has no in-memory storage; this is the "in memory" mode).
//   extension: false turns off hyperbee's `hyperbee` extension (§15).
//
// Writes (writer only); cas as in bee.js. Appending while connected is the
// live append: connected readers are told the new length.
//   put {bee, key, value, cas?}   del {bee, key, cas?}
//   batch {bee, ops: [put/del ops as in bee.js]}
//   append {bee, ops: [bee.js ops: put, del, batch, truncate]}
//   -> {length, fork, versions: [core length after each op]}
//
// Network.
//   listen {host? (default 127.0.0.1), port? (default 0), initiator?: bool
//           (default false), noiseSeed?: hex32}
//     Accepts any number of connections, each serving every bee.
//     -> {host, port, publicKey (the pinned Noise static key; null without
//     noiseSeed)}
//   connect {host? (default 127.0.0.1), port, initiator?: bool (default
//            true), noiseSeed?: hex32}
//     Replies once the Noise handshake is done. -> {conn, publicKey,
//     remotePublicKey}
//   disconnect {conn}
//   noiseSeed pins the Noise static key pair (NoiseSecretStream.keyPair(seed))
//   for reproducible sessions; without it each connection draws a fresh one.
//   isInitiator is the Noise role; it need not follow who dialed.
//
// Reads (any bee; on a reader they fetch what they need from peers). A
// reader that has not seen its core yet (length 0) first waits for a
// connection serving it and for its signed length, rather than answering
// from an empty tree; with a wrong key no connection ever serves it, and
// the timeout error names the core and says so.
//   get {bee, key, checkout?} -> {result: entry|null}
//   range {bee, checkout?, gt?, gte?, lt?, lte?, reverse?, limit?}
//     -> {result: [entry]}
//   diff {bee, checkout?, from, gt?, gte?, lt?, lte?, limit?}
//     -> {result: [{left: entry|null, right: entry|null}]}
//   history {bee, gt?, gte?, lt?, lte? (seq numbers), reverse?, limit?}
//     -> {result: [{type, seq, key, value}]}
//   checkout defaults to the bee's current version; entry = {seq, key, value}
//   (bee.js's shapes). get, range and diff take head?: bool: read the bee
//   itself (db.get, db.createReadStream), not a checkout of its version.
//
// Core level.
//   info {bee} -> {key, discoveryKey, length, contiguousLength, byteLength,
//                  fork, writable, peers}
//   update {bee} -> {updated: bool, length}   (core.update({wait: true}))
//   waitLength {bee, length} -> {length}      (until core.length >= length)
//   waitPeer {bee} -> {peers}                 (until a connection serves the
//     core; a remote that does not hold it rejects the channel, which
//     hypercore does not report: wrong key -> timeout naming the core)
//   download {bee, start?, end?} -> {contiguousLength}  (blocks [start, end),
//     default the whole signed length)
//   blocks {bee, start?, end?} -> {blocks: [hex]}   (core.get(i), fetching)
//   (reads, download and blocks on a reader of length 0 first wait for a
//   peer and its length, as above)
//
// Traffic (for the hyperbee extension's measurements, PROTOCOL.md §15).
//   traffic {bee, reset?: bool} -> {requests, blockRequests, blocks, bytes,
//     roundTrips, extensionSent, extensionReceived, ms} since the last
//     reset (or the bee's creation); reset: start counting anew after the
//     reply. roundTrips = the highest request wave, where a request's wave
//     is 1 + the highest wave among the answers received before it was
//     sent, an answer has its request's wave, and an extension message
//     received counts as an answer of the wave of our last one sent (the
//     definition of the recorded sessions' analysis). ms = since the reset.
//     atResult: the same counters when the last read command (get, range,
//     ...) had its answer, before background prefetching went on; null
//     before one.
//   proxy {port, host? (default 127.0.0.1), delay: ms each way}
//     A TCP proxy to host:port that holds every chunk `delay` ms in each
//     direction (order kept). -> {port}
//
//   close -> {} then the peer exits 0 (bees, connections and servers closed,
//     temp directories deleted).
'use strict'
const fs = require('fs')
const net = require('net')
const os = require('os')
const path = require('path')
const readline = require('readline')
const Hypercore = require('hypercore')
const Hyperbee = require('hyperbee')
const NoiseSecretStream = require('@hyperswarm/secret-stream')
const crypto = require('hypercore-crypto')
const { hex, unhex, coreIdentity } = require('./common')
const { applyOp, read, beeOptions } = require('./bee')

const DEFAULT_TIMEOUT = 15000

// Nothing but replies may reach stdout.
console.log = console.info = console.debug = console.error

function log (...args) {
  process.stderr.write('peer.js: ' + args.join(' ') + '\n')
}

const state = {
  bees: new Map(), // name -> {db, core, tempDir}
  conns: new Map(), // id -> {noise, socket}
  servers: [],
  nextConn: 1
}

function need (msg, field) {
  if (msg[field] === undefined || msg[field] === null) {
    throw new Error(`missing "${field}"`)
  }
  return msg[field]
}

// `value` (a string of hex digits, or null/undefined), checked: bee.js's
// unhex() would silently drop what follows a bad digit.
function checkHex (value, what) {
  if (value === undefined || value === null) return value
  if (typeof value !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(value)) {
    throw new Error(`${what} is not hex: ${JSON.stringify(value)}`)
  }
  return value
}

function hexField (msg, field) {
  return checkHex(msg[field], `"${field}"`)
}

function hexArg (msg, field) {
  need(msg, field)
  return hexField(msg, field)
}

// The put/del ops of `ops` (bee.js's op shapes), with their bytes checked.
function checkOps (ops) {
  if (!Array.isArray(ops)) throw new Error('"ops" must be an array')
  for (const op of ops) {
    const what = `op ${JSON.stringify(op)}`
    if (op && op.batch) checkOps(op.batch)
    const w = op && (op.put || op.del)
    if (!w && !(op && (op.batch || op.truncate !== undefined))) throw new Error(`${what} is not put, del, batch or truncate`)
    if (w) for (const f of ['key', 'value', 'cas']) checkHex(w[f], `${what}: "${f}"`)
  }
  return ops
}

// A 32-byte seed or key.
function bytes32 (msg, field) {
  const seed = unhex(hexArg(msg, field))
  if (seed.length !== 32) throw new Error(`"${field}" must be 32 bytes of hex`)
  return seed
}

function beeOf (msg) {
  if (msg.bee === undefined && state.bees.size === 1) return [...state.bees.values()][0]
  const b = state.bees.get(need(msg, 'bee'))
  if (!b) throw new Error(`no bee named ${JSON.stringify(msg.bee)}`)
  return b
}

function writerOf (msg) {
  const b = beeOf(msg)
  if (!b.core.writable) throw new Error(`bee ${b.name} is a reader`)
  return b
}

function storageDir (msg) {
  if (msg.dir) return { dir: msg.dir, tempDir: null }
  const tempDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bee-peer-'))
  return { dir: tempDir, tempDir }
}

async function addBee (msg, core, tempDir) {
  const opts = beeOptions(msg)
  if (msg.extension === false) opts.extension = false
  const db = new Hyperbee(core, opts)
  await db.ready()
  core.on('verification-error', (err) => log(`bee ${msg.name}: verification error:`, err.message))
  const b = { name: msg.name, db, core, tempDir, traffic: newTraffic() }
  core.on('peer-add', (peer) => tapPeer(b, peer))
  state.bees.set(msg.name, b)
  for (const c of state.conns.values()) core.replicate(c.noise)
  return b
}

function newTraffic () {
  return {
    requests: 0,
    blockRequests: 0,
    blocks: 0,
    bytes: 0,
    roundTrips: 0,
    extensionSent: 0,
    extensionReceived: 0,
    answered: 0, // the highest wave answered so far
    extensionWave: 0, // the wave of our last extension message
    start: Date.now()
  }
}

// Counts a peer's requests, answers and extension messages in b.traffic
// (wrapping the channel's senders and the peer's handlers, which hypercore
// looks up per message).
function tapPeer (b, peer) {
  const waves = new Map() // request id -> wave
  const request = peer.wireRequest
  const sendRequest = request.send.bind(request)
  request.send = (m) => {
    const t = b.traffic
    const wave = t.answered + 1
    t.requests++
    if (m.block) t.blockRequests++
    t.roundTrips = Math.max(t.roundTrips, wave)
    waves.set(m.id, wave)
    return sendRequest(m)
  }
  const extension = peer.wireExtension
  const sendExtension = extension.send.bind(extension)
  extension.send = (m) => {
    const t = b.traffic
    t.extensionSent++
    t.extensionWave = t.answered + 1
    return sendExtension(m)
  }
  const answer = (id) => {
    const wave = waves.get(id) || 0
    if (wave > b.traffic.answered) b.traffic.answered = wave
  }
  const ondata = peer.ondata.bind(peer)
  peer.ondata = (m) => {
    const t = b.traffic
    if (m.block) {
      t.blocks++
      t.bytes += m.block.value.byteLength
    }
    answer(m.request)
    return ondata(m)
  }
  const onnodata = peer.onnodata.bind(peer)
  peer.onnodata = (m) => {
    answer(m.request)
    return onnodata(m)
  }
  const onextension = peer.onextension.bind(peer)
  peer.onextension = (m) => {
    const t = b.traffic
    t.extensionReceived++
    if (t.extensionWave > t.answered) t.answered = t.extensionWave
    return onextension(m)
  }
}

function trafficOf (b) {
  const { answered, extensionWave, start, ...t } = b.traffic
  t.ms = Date.now() - start
  return t
}

function traffic (msg) {
  const b = beeOf(msg)
  const t = trafficOf(b)
  t.atResult = b.trafficAtResult || null
  if (msg.reset) {
    b.traffic = newTraffic()
    b.trafficAtResult = null
  }
  return t
}

// A TCP proxy holding each chunk `delay` ms each way.
async function proxy (msg) {
  const port = need(msg, 'port')
  const host = msg.host || '127.0.0.1'
  const delay = need(msg, 'delay')
  const hold = (from, to) => {
    from.on('data', (chunk) => setTimeout(() => to.destroyed || to.write(chunk), delay))
    from.on('end', () => setTimeout(() => to.end(), delay))
    from.on('error', () => to.destroy())
    from.on('close', () => setTimeout(() => to.destroy(), delay))
  }
  const server = net.createServer((client) => {
    const upstream = net.connect(port, host)
    client.setNoDelay(true)
    upstream.setNoDelay(true)
    hold(client, upstream)
    hold(upstream, client)
  })
  state.servers.push(server)
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', resolve)
  })
  return { port: server.address().port }
}

function checkNewName (msg) {
  if (state.bees.has(need(msg, 'name'))) throw new Error(`bee ${msg.name} exists`)
}

async function writer (msg) {
  checkNewName(msg)
  const keyPair = crypto.keyPair(bytes32(msg, 'seed'))
  const { dir, tempDir } = storageDir(msg)
  const b = await addBee(msg, new Hypercore(dir, { keyPair }), tempDir)
  return { ...identity(b), publicKey: hex(keyPair.publicKey), length: b.core.length, fork: b.core.fork }
}

async function reader (msg) {
  checkNewName(msg)
  const key = bytes32(msg, 'key')
  const { dir, tempDir } = storageDir(msg)
  const core = new Hypercore(dir, key, { sparse: msg.sparse !== false })
  const b = await addBee(msg, core, tempDir)
  return { ...identity(b), length: core.length }
}

function identity (b) {
  const id = coreIdentity(b.core)
  return { key: id.key, discoveryKey: id.discoveryKey }
}

async function write (msg, ops) {
  const b = writerOf(msg)
  const versions = []
  for (const op of checkOps(ops)) {
    await applyOp(b.db, op)
    versions.push(b.core.length)
  }
  return { length: b.core.length, fork: b.core.fork, versions }
}

function put (msg) {
  return write(msg, [{ put: { key: need(msg, 'key'), value: msg.value ?? null, cas: msg.cas } }])
}

function del (msg) {
  return write(msg, [{ del: { key: need(msg, 'key'), cas: msg.cas } }])
}

// Attaches every bee to a new connection and tracks it until it closes.
function serve (socket, isInitiator, keyPair, where) {
  const noise = new NoiseSecretStream(isInitiator, socket, keyPair ? { keyPair } : {})
  const id = state.nextConn++
  const conn = { id, noise, socket }
  state.conns.set(id, conn)
  noise.on('error', (err) => {
    conn.error = err
    log(`connection ${id} (${where}):`, err.message)
  })
  noise.on('close', () => state.conns.delete(id))
  for (const b of state.bees.values()) b.core.replicate(noise)
  return conn
}

function noiseKeyPair (msg) {
  return msg.noiseSeed ? NoiseSecretStream.keyPair(bytes32(msg, 'noiseSeed')) : null
}

async function listen (msg) {
  const keyPair = noiseKeyPair(msg)
  const isInitiator = msg.initiator === true
  const server = net.createServer((socket) =>
    serve(socket, isInitiator, keyPair, `from ${socket.remoteAddress}:${socket.remotePort}`))
  server.on('error', (err) => log('server:', err.message))
  state.servers.push(server)
  const host = msg.host || '127.0.0.1'
  await new Promise((resolve, reject) => {
    server.once('error', reject)
    server.listen(msg.port || 0, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const publicKey = keyPair ? hex(keyPair.publicKey) : null
  return { host, port: server.address().port, publicKey }
}

async function connect (msg) {
  const port = need(msg, 'port')
  const host = msg.host || '127.0.0.1'
  const socket = net.connect(port, host)
  const conn = serve(socket, msg.initiator !== false, noiseKeyPair(msg), `to ${host}:${port}`)
  await new Promise((resolve, reject) => {
    conn.noise.opened.then((opened) => {
      if (opened) return resolve()
      const why = conn.error ? conn.error.message : 'the stream closed'
      reject(new Error(`connect to ${host}:${port} failed: ${why}`))
    }, reject)
  })
  return {
    conn: conn.id,
    publicKey: hex(conn.noise.publicKey),
    remotePublicKey: hex(conn.noise.remotePublicKey)
  }
}

function disconnect (msg) {
  const conn = state.conns.get(need(msg, 'conn'))
  if (!conn) throw new Error(`disconnect: no open connection ${msg.conn}`)
  conn.noise.destroy()
  return {}
}

// The bounds of a range, diff (hex keys) or history (seq numbers) command.
function rangeOf (msg) {
  const r = {}
  for (const k of ['gt', 'gte', 'lt', 'lte', 'reverse', 'limit']) {
    if (msg[k] !== undefined) r[k] = msg[k]
  }
  if (msg.cmd !== 'history') for (const k of ['gt', 'gte', 'lt', 'lte']) hexField(msg, k)
  return r
}

// The bee `msg` names, after making sure that a reader has seen its core
// (an empty tree would answer every get with null, and a download would
// have nothing to fetch). Further waits are for blocks, and a timeout says
// so.
async function seenBee (msg) {
  const b = beeOf(msg)
  if (!b.core.writable && b.core.length === 0) {
    await untilPeer(msg, b)
    await b.core.update({ wait: true })
    if (b.core.length === 0) {
      throw new Error(`reader ${b.name} has length 0 after an update from ` +
        `${b.core.peers.length} peer(s): they serve an empty core`)
    }
  }
  msg._waitingFor = () => `bee ${b.name} waits for blocks from ${b.core.peers.length} ` +
    `peer(s) (length ${b.core.length}, contiguous ${b.core.contiguousLength})`
  return b
}

// The bee itself in place of its checkouts, for read(): reads at the head,
// as a plain db.get / db.createReadStream does.
function headOnly (db) {
  return {
    checkout: () => ({
      get: (key, opts) => db.get(key, opts),
      createReadStream: (r, opts) => db.createReadStream(r, opts),
      createDiffStream: (from, r, opts) => db.createDiffStream(from, r, opts),
      close: async () => {}
    })
  }
}

// Reads through bee.js's read(), at the bee's current version by default
// (`head: true`: on the bee itself rather than a checkout of it).
async function beeRead (msg, r) {
  const b = await seenBee(msg)
  if (r.history === undefined && r.checkout === undefined) r.checkout = b.db.version
  const result = await read(msg.head ? headOnly(b.db) : b.db, r)
  b.trafficAtResult = trafficOf(b)
  return { result }
}

// Waits until a connection serves `b`'s core. Protomux rejects the channel
// of a core the remote does not hold, silently for hypercore, so a wrong
// key shows only as this wait timing out; the timeout error says so.
async function untilPeer (msg, b) {
  msg._waitingFor = `no connection serves core ${hex(b.core.discoveryKey)} (discovery key) ` +
    `of bee ${b.name}: wrong key, or not connected (${state.conns.size} connection(s))`
  await until(msg, b.core, ['peer-add'], () => b.core.peers.length > 0)
  msg._waitingFor = null
}

function info (msg) {
  const b = beeOf(msg)
  const c = b.core
  return {
    ...identity(b),
    length: c.length,
    contiguousLength: c.contiguousLength,
    byteLength: c.byteLength,
    fork: c.fork,
    writable: c.writable,
    peers: c.peers.length
  }
}

// Resolves when `ready()` holds, re-checking on each of `events` of `core`.
// The listeners go when it resolves, or when `msg` ends (a timeout).
function until (msg, core, events, ready) {
  return new Promise((resolve) => {
    const stop = () => {
      for (const e of events) core.off(e, check)
    }
    const check = () => {
      if (!ready()) return
      stop()
      resolve()
    }
    msg._cleanups.push(stop)
    for (const e of events) core.on(e, check)
    check()
  })
}

async function waitLength (msg) {
  const b = beeOf(msg)
  const want = need(msg, 'length')
  msg._waitingFor = () => `bee ${b.name} has length ${b.core.length} < ${want} ` +
    `with ${b.core.peers.length} peer(s)`
  const waiting = until(msg, b.core, ['append', 'truncate'], () => b.core.length >= want)
  b.core.update().catch((err) => log('waitLength: update:', err.message))
  await waiting
  return { length: b.core.length }
}

async function waitPeer (msg) {
  const b = beeOf(msg)
  await untilPeer(msg, b)
  return { peers: b.core.peers.length }
}

async function download (msg) {
  const b = await seenBee(msg)
  const start = msg.start || 0
  const end = msg.end ?? b.core.length
  await b.core.download({ start, end }).done()
  return { contiguousLength: b.core.contiguousLength }
}

async function blocks (msg) {
  const b = await seenBee(msg)
  const out = []
  const end = msg.end ?? b.core.length
  for (let i = msg.start || 0; i < end; i++) out.push(hex(await b.core.get(i)))
  return { blocks: out }
}

async function closeAll () {
  for (const c of state.conns.values()) c.noise.destroy()
  for (const s of state.servers) s.close()
  for (const b of state.bees.values()) {
    await b.db.close().catch((err) => log('close:', err.message))
    if (b.tempDir) fs.rmSync(b.tempDir, { recursive: true, force: true })
  }
  state.bees.clear()
}

const COMMANDS = {
  writer,
  reader,
  put,
  del,
  batch: (msg) => write(msg, [{ batch: need(msg, 'ops') }]),
  append: (msg) => write(msg, need(msg, 'ops')),
  listen,
  connect,
  disconnect,
  get: (msg) => beeRead(msg, { checkout: msg.checkout, get: hexArg(msg, 'key') }),
  range: (msg) => beeRead(msg, { checkout: msg.checkout, range: rangeOf(msg) }),
  diff: (msg) => beeRead(msg, { checkout: msg.checkout, diff: { ...rangeOf(msg), from: need(msg, 'from') } }),
  history: (msg) => beeRead(msg, { history: rangeOf(msg) }),
  info,
  update: async (msg) => {
    const b = beeOf(msg)
    return { updated: await b.core.update({ wait: true }), length: b.core.length }
  },
  waitLength,
  waitPeer,
  download,
  blocks,
  traffic,
  proxy,
  close: async () => {
    await closeAll()
    return {}
  }
}

// What a timed-out command was waiting for (set by the command as it goes).
function waitingFor (msg) {
  const w = typeof msg._waitingFor === 'function' ? msg._waitingFor() : msg._waitingFor
  return w ? ': ' + w : ''
}

function withTimeout (msg, work) {
  const ms = msg.timeout ?? DEFAULT_TIMEOUT
  let timer
  const expired = new Promise((resolve, reject) => {
    timer = setTimeout(() => reject(new Error(`timed out after ${ms} ms` +
      waitingFor(msg))), ms)
  })
  return Promise.race([work, expired]).finally(() => clearTimeout(timer))
}

async function run (line) {
  let msg
  try {
    msg = JSON.parse(line)
  } catch (err) {
    return { ok: false, error: 'not a JSON line: ' + err.message }
  }
  if (msg === null || typeof msg !== 'object' || Array.isArray(msg)) {
    return { ok: false, error: 'a command must be a JSON object' }
  }
  const id = msg.id
  msg._cleanups = []
  const handler = Object.hasOwn(COMMANDS, msg.cmd) ? COMMANDS[msg.cmd] : null
  if (!handler) return { ok: false, id, error: `unknown command ${JSON.stringify(msg.cmd)}` }
  try {
    const result = await withTimeout(msg, Promise.resolve().then(() => handler(msg)))
    return { ...result, ok: true, id }
  } catch (err) {
    log(`${msg.cmd} failed:`, (err && err.stack) || String(err))
    return { ok: false, id, error: (err && err.message) || String(err) }
  } finally {
    for (const stop of msg._cleanups) stop()
  }
}

function reply (obj) {
  return new Promise((resolve) => process.stdout.write(JSON.stringify(obj) + '\n', resolve))
}

process.on('unhandledRejection', (err) => log('unhandled rejection:', (err && err.stack) || String(err)))

async function main () {
  const lines = readline.createInterface({ input: process.stdin, crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    const out = await run(line)
    await reply(out)
    if (out.ok && JSON.parse(line).cmd === 'close') process.exit(0)
  }
  await closeAll()
  process.exit(0)
}

main().catch((err) => {
  log('fatal:', (err && err.stack) || String(err))
  process.exit(1)
})
