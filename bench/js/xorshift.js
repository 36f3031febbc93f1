// xorshift64* as bench/bench_common.h, shared by the JS benchmarks
// (bench/js/peer_bench.js, bench/compare/hyperbee_side.js) so that they
// draw the same keys and values as the C++ ones.
'use strict'
const MASK = (1n << 64n) - 1n

// xorshift64* as bench/bench_common.h: bytes(n) takes ceil(n / 8) outputs,
// each little-endian.
class Rng {
  constructor (seed) {
    this.state = seed || 1n
    this.word = Buffer.alloc(8)
  }

  next () {
    let s = this.state
    s ^= s >> 12n
    s = (s ^ (s << 25n)) & MASK
    s ^= s >> 27n
    this.state = s
    return (s * 0x2545F4914F6CDD1Dn) & MASK
  }

  fill (out, offset, n) {
    for (let i = 0; i < n; i += 8) {
      this.word.writeBigUInt64LE(this.next())
      this.word.copy(out, offset + i, 0, Math.min(8, n - i))
    }
  }

  bytes (n) {
    const out = Buffer.alloc(n)
    this.fill(out, 0, n)
    return out
  }
}

module.exports = { Rng }
