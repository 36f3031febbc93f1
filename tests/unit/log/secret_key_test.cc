// The secret seed in `meta` is never readable by anyone but its owner: the
// file is created mode 0600, before the seed is written.
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "log/core.h"
#include "tests/util/forwarding_env.h"
#include "tests/util/temp_dir.h"

namespace bee::log {
namespace {

KeyPair TestKey() {
  Seed seed{};
  seed.fill(0x42);
  return KeyPair::FromSeed(seed);
}

unsigned PermissionsOf(const std::string& path) {
  struct stat st;
  REQUIRE(::stat(path.c_str(), &st) == 0);
  return st.st_mode & 0777;
}

// Checks the mode of every file as it is first written: a write before the
// mode is 0600 would put the seed where others may read it.
class ModeAtWriteEnv final : public test::ForwardingEnv {
 public:
  ModeAtWriteEnv() : ForwardingEnv(Env::Default()) {}

  Result<std::unique_ptr<File>> OpenFile(const std::string& path,
                                         OpenMode mode) override {
    BEE_ASSIGN_OR_RETURN(auto file, base()->OpenFile(path, mode));
    return std::unique_ptr<File>(new CheckingFile(std::move(file), path, this));
  }

  // The permissions of the meta file at its first write, if any.
  std::optional<unsigned> meta_mode_at_write;

 private:
  class CheckingFile final : public test::ForwardingFile {
   public:
    CheckingFile(std::unique_ptr<File> base, std::string path,
                 ModeAtWriteEnv* env)
        : ForwardingFile(std::move(base)), path_(std::move(path)), env_(env) {}
    Status Write(uint64_t offset, std::string_view data) override {
      if (path_.ends_with("/meta.tmp") && !env_->meta_mode_at_write) {
        env_->meta_mode_at_write = PermissionsOf(path_);
      }
      return ForwardingFile::Write(offset, data);
    }

   private:
    std::string path_;
    ModeAtWriteEnv* env_;
  };
};

TEST_CASE("meta, which holds the secret seed, is owner-only from the start",
          "[log][secret]") {
  test::TempDir tmp;
  ModeAtWriteEnv env;
  CoreOptions options;
  options.env = &env;
  auto core = Core::Create(tmp.path(), TestKey(), options).value();
  REQUIRE(env.meta_mode_at_write.has_value());
  CHECK(*env.meta_mode_at_write == 0600);
  CHECK(PermissionsOf(tmp.Sub("meta")) == 0600);
  REQUIRE(core->Close().ok());
}

TEST_CASE("a meta.tmp left readable by an earlier attempt is made private",
          "[log][secret]") {
  test::TempDir tmp;
  std::ofstream(tmp.Sub("meta.tmp")) << "left by a crash";
  REQUIRE(::chmod(tmp.Sub("meta.tmp").c_str(), 0644) == 0);
  auto core = Core::Create(tmp.path(), TestKey()).value();
  CHECK(PermissionsOf(tmp.Sub("meta")) == 0600);
  // The log opens with the seed that was written over the stale bytes.
  REQUIRE(core->Close().ok());
  core.reset();
  auto reopened = Core::Open(tmp.path()).value();
  CHECK(reopened->writable());
  CHECK(reopened->public_key() == TestKey().public_key());
}

}  // namespace
}  // namespace bee::log
