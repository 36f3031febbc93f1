#include "tools/progress.h"

#include <cstdio>

namespace bee::tools {

Progress::Progress(std::ostream* err, bool enabled, const Terminal& terminal,
                   std::string what, uint64_t total)
    : err_(err),
      enabled_(enabled && terminal.stderr_is_tty),
      every_(terminal.progress_every),
      what_(std::move(what)),
      total_(total),
      start_(std::chrono::steady_clock::now()) {}

void Progress::Stage(std::string what, uint64_t total) {
  what_ = std::move(what);
  total_ = total;
  done_ = last_check_ = 0;
  start_ = std::chrono::steady_clock::now();
  if (enabled_) Draw();
}

void Progress::Check() {
  last_check_ = done_;
  const auto now = std::chrono::steady_clock::now();
  if (shown_ && now - last_draw_ < every_) return;
  Draw();
}

void Progress::Draw() {
  const auto now = std::chrono::steady_clock::now();
  const double seconds = std::chrono::duration<double>(now - start_).count();
  std::string line = "\r" + what_;
  if (done_ == 0 && total_ == 0) {
    line += "...";  // a stage without a count
  } else {
    line += ": " + std::to_string(done_);
  }
  if (total_ > 0) {
    char pct[32];
    std::snprintf(
        pct, sizeof(pct), "/%llu (%.0f%%)",
        static_cast<unsigned long long>(total_),
        100.0 * static_cast<double>(done_) / static_cast<double>(total_));
    line += pct;
  }
  if (seconds > 0.05 && done_ > 0) {
    char rate[32];
    std::snprintf(rate, sizeof(rate), ", %.0f/s",
                  static_cast<double>(done_) / seconds);
    line += rate;
  }
  const size_t width = line.size() - 1;
  // Blank what a longer previous line left behind.
  if (width < drawn_width_) line.append(drawn_width_ - width, ' ');
  drawn_width_ = std::max(drawn_width_, width);
  err_->write(line.data(), static_cast<std::streamsize>(line.size()));
  err_->flush();
  shown_ = true;
  last_draw_ = now;
}

void Progress::Finish() {
  if (!shown_) return;
  std::string blank = "\r" + std::string(drawn_width_, ' ') + "\r";
  err_->write(blank.data(), static_cast<std::streamsize>(blank.size()));
  err_->flush();
  shown_ = false;
  drawn_width_ = 0;
}

}  // namespace bee::tools
