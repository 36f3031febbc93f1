#include "btree/import.h"

#include <algorithm>

#include "log/core.h"
#include "log/proof.h"

namespace bee::btree {

Result<std::unique_ptr<Bee>> ImportStore(const std::string& dir,
                                         const log::PublicKey& public_key,
                                         std::span<const std::string> blocks,
                                         std::string_view signature,
                                         uint64_t fork) {
  if (blocks.empty()) return Status::InvalidArgument("no blocks to import");
  std::string container(signature);
  if (signature.size() == 64) {
    log::Signature64 raw;
    std::copy(signature.begin(), signature.end(), raw.begin());
    container = log::EncodeSignatureContainer(raw);
  } else if (signature.size() != 68) {
    return Status::InvalidArgument(
        "signature of " + std::to_string(signature.size()) +
        " bytes: expected the 68-byte signature hypercore stores (or 64 raw "
        "bytes)");
  }
  const std::string manifest = log::DefaultManifest(public_key);
  BEE_ASSIGN_OR_RETURN(
      auto replica,
      log::Core::CreateReplica(dir, log::ManifestHash(manifest), manifest));
  BEE_RETURN_IF_ERROR(log::ImportLog(replica.get(), blocks, fork, container));
  return Bee::FromCore(std::move(replica));
}

}  // namespace bee::btree
