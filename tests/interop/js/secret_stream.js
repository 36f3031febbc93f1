// One @hyperswarm/secret-stream connection (the transport hypercore's
// replicate() runs on, PROTOCOL.md §3-§4) to a bee peer listening on TCP.
//
// Program: {"port": 1234, "initiator": true, "seed": "<32-byte hex>",
//           "send": ["<hex>", ...], "expect": 2, "keepAlive": 50}
// It connects to 127.0.0.1:port, runs the Noise handshake as initiator or
// responder with the Ed25519 key pair of `seed`, writes every `send`
// message (queued before the handshake is done, as an application does),
// turns keep-alives on (`keepAlive` ms: it then sends empty messages when
// idle and drops those it receives), and ends the connection once it has
// received `expect` messages.
// Result: {"publicKey", "remotePublicKey", "handshakeHash", "received":
//          ["<hex>", ...]}
'use strict'
const net = require('net')
const NoiseSecretStream = require('@hyperswarm/secret-stream')
const { run, hex, unhex } = require('./common.js')

run(async (program) => {
  const socket = net.connect(program.port, '127.0.0.1')
  const stream = new NoiseSecretStream(program.initiator, socket, {
    keyPair: NoiseSecretStream.keyPair(unhex(program.seed))
  })
  stream.setKeepAlive(program.keepAlive)
  for (const m of program.send) stream.write(unhex(m))
  const received = []
  await new Promise((resolve, reject) => {
    stream.on('error', reject)
    stream.on('data', (data) => {
      received.push(hex(data))
      if (received.length === program.expect) stream.end()
    })
    stream.on('close', resolve)
    stream.resume()
  })
  return {
    publicKey: hex(stream.publicKey),
    remotePublicKey: hex(stream.remotePublicKey),
    handshakeHash: hex(stream.handshakeHash),
    received
  }
})
