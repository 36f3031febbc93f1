// The `header` file: grammar in btree/internal/header_file.h, normative
// description in docs/FORMAT.md §4.2.
#include "btree/internal/header_file.h"

#include "encoding/block_codec.h"
#include "encoding/varint.h"
#include "log/crypto.h"

namespace bee::btree::internal {
namespace {

constexpr std::string_view kMagic = "BEE-HDR1";
constexpr uint32_t kVersion = 1;
constexpr size_t kFixed = 16;  // magic, version, length
constexpr size_t kCheck = 32;

Status Damaged(const std::string& what) {
  return Status::Corruption("header file: " + what);
}

}  // namespace

std::string EncodeHeaderFile(std::string_view header_block) {
  std::string out(kMagic);
  PutFixed32(&out, kVersion);
  PutFixed32(&out, static_cast<uint32_t>(header_block.size()));
  out.append(header_block);
  out.append(AsChars(log::Blake2b256(out)));
  return out;
}

Result<std::string> DecodeHeaderFile(std::string_view bytes) {
  if (bytes.size() < kFixed + kCheck || bytes.substr(0, 8) != kMagic) {
    return Damaged("no BEE-HDR1 magic (truncated or not a header file)");
  }
  std::string_view body = bytes.substr(0, bytes.size() - kCheck);
  if (bytes.substr(body.size()) != AsChars(log::Blake2b256(body))) {
    return Damaged("checksum mismatch");
  }
  if (DecodeFixed32(bytes.data() + 8) != kVersion) {
    return Damaged("unknown format version");
  }
  if (DecodeFixed32(bytes.data() + 12) != body.size() - kFixed) {
    return Damaged("block length does not match the file size");
  }
  std::string block(body.substr(kFixed));
  auto header = DecodeHeaderBlock(block);
  if (!header.ok() || !IsHyperbeeHeader(*header)) {
    return Damaged("does not hold a hyperbee header block");
  }
  return block;
}

Status WriteHeaderFile(log::Env* env, const std::string& dir,
                       std::string_view header_block) {
  return log::ReplaceFile(env, dir, kHeaderFileName,
                          EncodeHeaderFile(header_block));
}

Result<std::optional<std::string>> ReadHeaderFile(log::Env* env,
                                                  const std::string& dir) {
  auto file = env->OpenFile(dir + "/" + kHeaderFileName, log::OpenMode::kRead);
  if (!file.ok()) {
    if (file.status().IsNotFound()) return std::optional<std::string>();
    return file.status().WithContext("header file");
  }
  BEE_ASSIGN_OR_RETURN(uint64_t size, (*file)->Size());
  std::string bytes;
  BEE_RETURN_IF_ERROR((*file)->Read(0, static_cast<size_t>(size), &bytes));
  BEE_ASSIGN_OR_RETURN(std::string block, DecodeHeaderFile(bytes));
  return std::optional<std::string>(std::move(block));
}

}  // namespace bee::btree::internal
