// Integer encodings used by the formats we reproduce and by our own files.
//
// * Base-128 varints (protobuf): LSB group first, at most 10 bytes.
// * compact-encoding `uint` (hypercore wire/manifest, ../shared/spec/FORMAT.md
//   §14.3): n <= 0xfc -> 1 byte; <= 0xffff -> fd + u16le; <= 0xffffffff ->
//   fe + u32le; else ff + u64le.
// * Little-endian fixed-width integers.
//
// Decoders read from a string_view cursor that they advance, and return
// false on truncated or overlong input: the bytes are hostile.
#ifndef BEE_ENCODING_VARINT_H_
#define BEE_ENCODING_VARINT_H_

#include <bit>
#include <cstdint>
#include <string>
#include <string_view>

namespace bee {

void PutVarint64(std::string* dst, uint64_t v);
// 7 payload bits per byte; inline because encoders call it per value.
inline size_t VarintLength(uint64_t v) {
  return (static_cast<size_t>(std::bit_width(v | 1)) + 6) / 7;
}
// Parses a varint from the front of *in and advances it.
bool GetVarint64(std::string_view* in, uint64_t* v);

void PutCompactUint(std::string* dst, uint64_t v);
bool GetCompactUint(std::string_view* in, uint64_t* v);

void PutFixed32(std::string* dst, uint32_t v);
void PutFixed64(std::string* dst, uint64_t v);
void EncodeFixed64(char* dst, uint64_t v);
uint32_t DecodeFixed32(const char* p);
uint64_t DecodeFixed64(const char* p);
bool GetFixed32(std::string_view* in, uint32_t* v);
bool GetFixed64(std::string_view* in, uint64_t* v);

}  // namespace bee

#endif  // BEE_ENCODING_VARINT_H_
