// The real Protomux (protomux 3.12.1, installed with hypercore 11.39.5) fed
// the frames bee's Mux wrote, over an in-memory message stream (one write
// = one frame, as over a secret stream).
//
// Program:
//   { "channels": [ { "protocol": str, "id": hex, "handshake": hex } ],
//     "frames": [ hex ] }
// Each channel is created and opened at once, with two message types (raw
// bytes). On open it sends, corked into one batch, `hello` (type 0) and
// `world` (type 1); it answers a `ping` with a `pong` of the same type.
// The frames are then delivered one by one, letting JS run in between.
//
// Result:
//   { "written": [ hex ],   every frame JS wrote, in order
//     "events": [ [ "open", protocol, hexHandshake ]
//               | [ "message", protocol, type, hex ]
//               | [ "close", protocol, isRemote ] ],
//     "destroyed": null | "the error that destroyed the stream" }
'use strict'
const { Duplex } = require('streamx')
const Protomux = require('protomux')
const c = require('compact-encoding')
const { run, hex, unhex } = require('./common.js')

function tick () {
  return new Promise(resolve => setImmediate(resolve))
}

run(async (program) => {
  const written = []
  const events = []
  let destroyed = null
  const stream = new Duplex({
    write (data, cb) {
      written.push(hex(data))
      cb(null)
    }
  })
  stream.on('error', (err) => { destroyed = String(err && err.message) })
  const mux = new Protomux(stream)

  for (const spec of program.channels) {
    const protocol = spec.protocol
    let messages = null
    const channel = mux.createChannel({
      protocol,
      id: unhex(spec.id),
      handshake: c.raw,
      messages: [0, 1].map((type) => ({
        encoding: c.raw,
        onmessage (m) {
          events.push(['message', protocol, type, hex(m)])
          if (Buffer.from(m).toString() === 'ping') {
            messages[type].send(Buffer.from('pong'))
          }
        }
      })),
      onopen (handshake) {
        events.push(['open', protocol, hex(handshake)])
        channel.cork()
        messages[0].send(Buffer.from('hello'))
        messages[1].send(Buffer.from('world'))
        channel.uncork()
      },
      onclose (isRemote) {
        events.push(['close', protocol, isRemote])
      }
    })
    messages = channel.messages
    channel.open(unhex(spec.handshake))
  }

  for (const frame of program.frames) {
    await tick()
    stream.push(unhex(frame))
  }
  for (let i = 0; i < 10; i++) await tick()
  return { written, events, destroyed }
})
