// A progress line on stderr for long work (import, apply, export, verify),
// shown only when stderr is a terminal and --quiet was not given.
#ifndef BEE_TOOLS_PROGRESS_H_
#define BEE_TOOLS_PROGRESS_H_

#include <chrono>
#include <cstdint>
#include <ostream>
#include <string>

namespace bee::tools {

// What the process's standard streams are, as the `bee` and `bee-dump`
// mains find them (tests run the tools in-process with the defaults).
struct Terminal {
  bool stderr_is_tty = false;  // progress lines may be drawn on stderr
  // The least time between two progress lines.
  std::chrono::milliseconds progress_every{250};
};

// Draws "\r<what>: <done>[/<total> (<p>%)], <rate>/s" on `err`: once at the
// first Add, then at most once per Terminal::progress_every, and erases it
// at Finish (or destruction), leaving stderr as it was. Disabled, it prints
// nothing and costs a branch per Add.
//
// Thread safety: none; `err` must outlive it.
class Progress {
 public:
  Progress(std::ostream* err, bool enabled, const Terminal& terminal,
           std::string what, uint64_t total = 0);
  ~Progress() { Finish(); }
  Progress(const Progress&) = delete;
  Progress& operator=(const Progress&) = delete;

  // `n` more items done.
  void Add(uint64_t n = 1) {
    done_ += n;
    if (enabled_ && (done_ - last_check_ >= kCheckEvery || !shown_)) Check();
  }
  // Starts a new stage of the work: a new label and count (total 0:
  // unknown), drawn at once.
  void Stage(std::string what, uint64_t total = 0);
  // Erases the line, if one was drawn.
  void Finish();

 private:
  static constexpr uint64_t kCheckEvery = 256;  // items between clock reads

  void Check();
  void Draw();

  std::ostream* err_;
  bool enabled_;
  std::chrono::milliseconds every_;
  std::string what_;
  uint64_t total_;
  uint64_t done_ = 0;
  uint64_t last_check_ = 0;
  bool shown_ = false;
  size_t drawn_width_ = 0;  // characters of the line on screen
  std::chrono::steady_clock::time_point start_, last_draw_;
};

}  // namespace bee::tools

#endif  // BEE_TOOLS_PROGRESS_H_
