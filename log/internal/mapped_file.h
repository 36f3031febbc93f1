// MappedFile: reads of one of a log's files through a read-only memory
// mapping, without a system call, where that is safe. Private to log/.
//
// When mapping is safe (docs/FORMAT.md §1.4): a mapping of a file that
// someone shrinks raises SIGBUS on the next read of a page past the new end,
// and shows in-place rewrites the moment they land. No bee process ever
// shrinks `data` or `tree` (Truncate and Repair sign a shorter head and
// leave the bytes; the next append overwrites them in place), and in the
// process holding the directory lock (a writable log or a replica) every
// in-place rewrite happens past the published length, where no read looks,
// or after a truncation is published, which waits for every reader. So the
// lock holder maps. A read-only follower (CoreOptions::read_only) holds no
// lock: the writer of another process rewrites blocks past a truncation
// while the follower may still read them, and a verified view of mapped
// bytes could change under its caller; it reads with File::Read into its own
// buffers instead.
//
// Thread safety: Read may run concurrently with Read. Extend may not run
// concurrently with Read (the owner calls it with its state lock held
// exclusively, or before readers exist): it may replace the mapping.
#ifndef BEE_LOG_INTERNAL_MAPPED_FILE_H_
#define BEE_LOG_INTERNAL_MAPPED_FILE_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "encoding/status.h"
#include "log/env.h"

namespace bee::log {

class MappedFile {
 public:
  // Reads `file` (borrowed: it must outlive this) through a mapping when
  // `map` and the Env supports it, else with File::Read.
  MappedFile(File* file, bool map) : file_(file), map_enabled_(map) {}
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  // The file is known to hold bytes [0, end): reads below it may use the
  // mapping, which is replaced by a larger one when it is too small (with
  // room to grow, so an append rarely remaps). A failed mmap is not an
  // error: reads past the mapping use File::Read. REQUIRES: no concurrent
  // Read; `end` never exceeds the file's size while the mapping lives.
  void Extend(uint64_t end);

  // Bytes [offset, offset + n) in *out: a view into the mapping when they
  // lie below the known end, else read into *scratch (shorter where the
  // file ends). The view is valid until the next Extend.
  Status Read(uint64_t offset, size_t n, std::string* scratch,
              std::string_view* out) const {
    // known_end_ is 0 without a mapping, so an empty read at offset 0 must
    // not take this path.
    if (mapping_ != nullptr && offset + n <= known_end_ &&
        offset + n >= offset) {
      *out = std::string_view(mapping_->data() + offset, n);
      return Status::OK();
    }
    BEE_RETURN_IF_ERROR(file_->Read(offset, n, scratch));
    *out = *scratch;
    return Status::OK();
  }

  // Bytes [offset, offset + n) as a view into the mapping, valid until the
  // next Extend; false (and *out untouched) when they do not lie below the
  // known end of a mapping.
  bool View(uint64_t offset, size_t n, std::string_view* out) const {
    if (mapping_ == nullptr || offset + n > known_end_ || offset + n < offset) {
      return false;
    }
    *out = std::string_view(mapping_->data() + offset, n);
    return true;
  }

  // Bytes readable without a system call (0 when not mapped).
  uint64_t mapped_bytes() const { return known_end_; }

 private:
  File* const file_;
  bool map_enabled_;
  std::unique_ptr<FileMapping> mapping_;
  // Reads below it use mapping_; 0 when there is none.
  uint64_t known_end_ = 0;
};

}  // namespace bee::log

#endif  // BEE_LOG_INTERNAL_MAPPED_FILE_H_
