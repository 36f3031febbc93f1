// A fresh directory under $TMPDIR (or /tmp), removed with its contents when
// the object goes away.
#ifndef BEE_TESTS_UTIL_TEMP_DIR_H_
#define BEE_TESTS_UTIL_TEMP_DIR_H_

#include <string>

namespace bee::test {

class TempDir {
 public:
  TempDir();
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const std::string& path() const { return path_; }
  // path() + "/" + name
  std::string Sub(const std::string& name) const { return path_ + "/" + name; }

 private:
  std::string path_;
};

}  // namespace bee::test

#endif  // BEE_TESTS_UTIL_TEMP_DIR_H_
