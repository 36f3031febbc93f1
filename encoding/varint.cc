#include "encoding/varint.h"

#include <cstring>

namespace bee {

void PutVarint64(std::string* dst, uint64_t v) {
  char buf[10];
  size_t n = 0;
  while (v >= 0x80) {
    buf[n++] = static_cast<char>((v & 0x7f) | 0x80);
    v >>= 7;
  }
  buf[n++] = static_cast<char>(v);
  dst->append(buf, n);
}

bool GetVarint64(std::string_view* in, uint64_t* v) {
  uint64_t result = 0;
  for (size_t i = 0; i < in->size() && i < 10; i++) {
    uint64_t byte = static_cast<uint8_t>((*in)[i]);
    if (i == 9 && byte > 1) return false;  // would overflow 64 bits
    result |= (byte & 0x7f) << (7 * i);
    if ((byte & 0x80) == 0) {
      *v = result;
      in->remove_prefix(i + 1);
      return true;
    }
  }
  return false;
}

void PutCompactUint(std::string* dst, uint64_t v) {
  if (v <= 0xfc) {
    dst->push_back(static_cast<char>(v));
  } else if (v <= 0xffff) {
    dst->push_back(static_cast<char>(0xfd));
    dst->push_back(static_cast<char>(v & 0xff));
    dst->push_back(static_cast<char>(v >> 8));
  } else if (v <= 0xffffffff) {
    dst->push_back(static_cast<char>(0xfe));
    PutFixed32(dst, static_cast<uint32_t>(v));
  } else {
    dst->push_back(static_cast<char>(0xff));
    PutFixed64(dst, v);
  }
}

bool GetCompactUint(std::string_view* in, uint64_t* v) {
  if (in->empty()) return false;
  uint8_t first = static_cast<uint8_t>((*in)[0]);
  in->remove_prefix(1);
  if (first <= 0xfc) {
    *v = first;
    return true;
  }
  if (first == 0xfd) {
    if (in->size() < 2) return false;
    *v = static_cast<uint8_t>((*in)[0]) |
         (static_cast<uint64_t>(static_cast<uint8_t>((*in)[1])) << 8);
    in->remove_prefix(2);
    return true;
  }
  if (first == 0xfe) {
    uint32_t x;
    if (!GetFixed32(in, &x)) return false;
    *v = x;
    return true;
  }
  return GetFixed64(in, v);
}

void PutFixed32(std::string* dst, uint32_t v) {
  char buf[4];
  for (int i = 0; i < 4; i++) buf[i] = static_cast<char>(v >> (8 * i));
  dst->append(buf, 4);
}

void EncodeFixed64(char* dst, uint64_t v) {
  for (int i = 0; i < 8; i++) dst[i] = static_cast<char>(v >> (8 * i));
}

void PutFixed64(std::string* dst, uint64_t v) {
  char buf[8];
  EncodeFixed64(buf, v);
  dst->append(buf, 8);
}

uint32_t DecodeFixed32(const char* p) {
  uint32_t v = 0;
  for (int i = 3; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

uint64_t DecodeFixed64(const char* p) {
  uint64_t v = 0;
  for (int i = 7; i >= 0; i--) v = (v << 8) | static_cast<uint8_t>(p[i]);
  return v;
}

bool GetFixed32(std::string_view* in, uint32_t* v) {
  if (in->size() < 4) return false;
  *v = DecodeFixed32(in->data());
  in->remove_prefix(4);
  return true;
}

bool GetFixed64(std::string_view* in, uint64_t* v) {
  if (in->size() < 8) return false;
  *v = DecodeFixed64(in->data());
  in->remove_prefix(8);
  return true;
}

}  // namespace bee
