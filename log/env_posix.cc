#include <dirent.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <climits>
#include <cstring>

#include "log/env.h"

namespace bee::log {
namespace {

Status ErrnoStatus(const std::string& context, int err) {
  if (err == ENOENT) return Status::NotFound(context + ": " + strerror(err));
  return Status::IOError(context + ": " + strerror(err));
}

class PosixMapping final : public FileMapping {
 public:
  PosixMapping(void* base, uint64_t size) : base_(base), size_(size) {}
  ~PosixMapping() override { ::munmap(base_, static_cast<size_t>(size_)); }
  PosixMapping(const PosixMapping&) = delete;
  PosixMapping& operator=(const PosixMapping&) = delete;

  const char* data() const override { return static_cast<const char*>(base_); }
  uint64_t size() const override { return size_; }

 private:
  void* base_;
  uint64_t size_;
};

class PosixFile final : public File {
 public:
  PosixFile(std::string path, int fd, bool writable)
      : path_(std::move(path)), fd_(fd), writable_(writable) {}
  ~PosixFile() override { ::close(fd_); }
  PosixFile(const PosixFile&) = delete;
  PosixFile& operator=(const PosixFile&) = delete;

  Status Read(uint64_t offset, size_t n, std::string* out) const override {
    out->resize(n);
    size_t done = 0;
    while (done < n) {
      ssize_t r = ::pread(fd_, out->data() + done, n - done,
                          static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(path_ + ": read at offset " + std::to_string(offset),
                           errno);
      }
      if (r == 0) break;
      done += static_cast<size_t>(r);
    }
    out->resize(done);
    return Status::OK();
  }

  Status Write(uint64_t offset, std::string_view data) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    size_t done = 0;
    while (done < data.size()) {
      ssize_t r = ::pwrite(fd_, data.data() + done, data.size() - done,
                           static_cast<off_t>(offset + done));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(
            path_ + ": write at offset " + std::to_string(offset), errno);
      }
      done += static_cast<size_t>(r);
    }
    return Status::OK();
  }

  // pwritev() in batches of at most IOV_MAX pieces, resuming after short
  // writes.
  Status WriteV(uint64_t offset,
                std::span<const std::string_view> pieces) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    struct iovec iov[IOV_MAX];
    size_t next = 0;  // first piece not completely written
    size_t skip = 0;  // bytes of pieces[next] already written
    while (true) {
      while (next < pieces.size() && pieces[next].size() == skip) {
        next++;
        skip = 0;
      }
      if (next == pieces.size()) return Status::OK();
      int n = 0;
      for (size_t i = next; i < pieces.size() && n < IOV_MAX; i++) {
        size_t from = i == next ? skip : 0;
        iov[n].iov_base = const_cast<char*>(pieces[i].data() + from);
        iov[n].iov_len = pieces[i].size() - from;
        n++;
      }
      ssize_t r = ::pwritev(fd_, iov, n, static_cast<off_t>(offset));
      if (r < 0) {
        if (errno == EINTR) continue;
        return ErrnoStatus(
            path_ + ": write at offset " + std::to_string(offset), errno);
      }
      if (r == 0) return Status::IOError(path_ + ": pwritev wrote nothing");
      offset += static_cast<uint64_t>(r);
      size_t left = static_cast<size_t>(r);
      while (left > 0) {
        size_t step = std::min(left, pieces[next].size() - skip);
        left -= step;
        skip += step;
        if (skip == pieces[next].size()) {
          next++;
          skip = 0;
        }
      }
    }
  }

  Status Sync() override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    if (::fdatasync(fd_) != 0) return ErrnoStatus(path_ + ": fsync", errno);
    return Status::OK();
  }

  Status Truncate(uint64_t size) override {
    BEE_RETURN_IF_ERROR(CheckWritable());
    if (::ftruncate(fd_, static_cast<off_t>(size)) != 0) {
      return ErrnoStatus(path_ + ": truncate", errno);
    }
    return Status::OK();
  }

  Result<uint64_t> Size() const override {
    struct stat st;
    if (::fstat(fd_, &st) != 0) return ErrnoStatus(path_ + ": stat", errno);
    return static_cast<uint64_t>(st.st_size);
  }

  Result<std::unique_ptr<FileMapping>> Map(uint64_t size) const override {
    if (size == 0) {
      return Status::InvalidArgument(path_ + ": cannot map " +
                                     std::to_string(size) + " bytes");
    }
    void* base = ::mmap(nullptr, static_cast<size_t>(size), PROT_READ,
                        MAP_SHARED, fd_, 0);
    if (base == MAP_FAILED) return ErrnoStatus(path_ + ": mmap", errno);
    return std::unique_ptr<FileMapping>(new PosixMapping(base, size));
  }

 private:
  Status CheckWritable() const {
    if (writable_) return Status::OK();
    return Status::InvalidArgument(path_ + ": opened read-only");
  }

  std::string path_;
  int fd_;
  bool writable_;
};

class PosixLock final : public FileLock {
 public:
  explicit PosixLock(int fd) : fd_(fd) {}
  ~PosixLock() override { ::close(fd_); }  // closing releases the flock
  PosixLock(const PosixLock&) = delete;
  PosixLock& operator=(const PosixLock&) = delete;

 private:
  int fd_;
};

class PosixEnv final : public Env {
 public:
  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         OpenMode mode) override {
    int flags = O_CLOEXEC;
    if (mode == OpenMode::kRead) {
      flags |= O_RDONLY;
    } else {
      flags |= O_RDWR | (mode == OpenMode::kReadWrite ? 0 : O_CREAT);
    }
    // A private file is created 0600, so its bytes are never readable by
    // others, not even before the first write.
    const mode_t perms = mode == OpenMode::kCreatePrivate ? 0600 : 0644;
    int fd = ::open(path.c_str(), flags, perms);
    if (fd < 0) return ErrnoStatus(path + ": open", errno);
    // A file left by an earlier attempt keeps its mode through O_CREAT.
    if (mode == OpenMode::kCreatePrivate && ::fchmod(fd, 0600) != 0) {
      int err = errno;
      ::close(fd);
      return ErrnoStatus(path + ": chmod 0600", err);
    }
    return std::unique_ptr<File>(
        new PosixFile(path, fd, mode != OpenMode::kRead));
  }

  bool FileExists(const std::string& path) override {
    return ::access(path.c_str(), F_OK) == 0;
  }

  Status CreateDir(const std::string& path) override {
    if (path.empty()) return Status::InvalidArgument("empty directory name");
    std::string prefix;
    size_t pos = 0;
    while (pos != std::string::npos) {
      pos = path.find('/', pos + 1);
      prefix = path.substr(0, pos);
      if (::mkdir(prefix.c_str(), 0755) != 0 && errno != EEXIST) {
        return ErrnoStatus(prefix + ": mkdir", errno);
      }
    }
    struct stat st;
    if (::stat(path.c_str(), &st) != 0 || !S_ISDIR(st.st_mode)) {
      return Status::IOError(path + ": exists and is not a directory");
    }
    return Status::OK();
  }

  Result<std::vector<std::string>> ListDir(const std::string& path) override {
    DIR* d = ::opendir(path.c_str());
    if (d == nullptr) return ErrnoStatus(path + ": opendir", errno);
    std::vector<std::string> names;
    while (struct dirent* e = ::readdir(d)) {
      std::string name = e->d_name;
      if (name != "." && name != "..") names.push_back(name);
    }
    ::closedir(d);
    return names;
  }

  Status RenameFile(const std::string& from, const std::string& to) override {
    if (::rename(from.c_str(), to.c_str()) != 0) {
      return ErrnoStatus(from + ": rename to " + to, errno);
    }
    return Status::OK();
  }

  Status RemoveFile(const std::string& path) override {
    if (::unlink(path.c_str()) != 0)
      return ErrnoStatus(path + ": unlink", errno);
    return Status::OK();
  }

  Status SyncDir(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoStatus(path + ": open directory", errno);
    int r = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (r != 0) return ErrnoStatus(path + ": fsync directory", err);
    return Status::OK();
  }

  Result<std::unique_ptr<FileLock>> LockFile(const std::string& path) override {
    int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoStatus(path + ": open lock file", errno);
    if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
      int err = errno;
      ::close(fd);
      if (err == EWOULDBLOCK) {
        return Status::Busy(path +
                            ": locked by another writer (is another process "
                            "using this store?)");
      }
      return ErrnoStatus(path + ": lock", err);
    }
    return std::unique_ptr<FileLock>(new PosixLock(fd));
  }
};

}  // namespace

Env* Env::Default() {
  static Env* env = new PosixEnv();  // never destroyed: used until exit
  return env;
}

}  // namespace bee::log
