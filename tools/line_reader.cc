#include "tools/line_reader.h"

#include <algorithm>
#include <cstring>

namespace bee::tools {

namespace {

std::string_view WithoutCr(std::string_view line) {
  if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
  return line;
}

}  // namespace

std::optional<std::string_view> LineReader::Next(
    const std::function<void()>& before_wait) {
  while (true) {
    const char* begin = buf_.data() + scanned_;
    const void* nl = std::memchr(begin, '\n', buf_.size() - scanned_);
    if (nl != nullptr) {
      const size_t end =
          static_cast<size_t>(static_cast<const char*>(nl) - buf_.data());
      std::string_view line(buf_.data() + pos_, end - pos_);
      pos_ = scanned_ = end + 1;
      line_number_++;
      return WithoutCr(line);
    }
    scanned_ = buf_.size();
    if (eof_ || !Fill(before_wait)) {
      eof_ = true;
      if (pos_ == buf_.size()) return std::nullopt;
      std::string_view line(buf_.data() + pos_, buf_.size() - pos_);
      pos_ = scanned_ = buf_.size();
      line_number_++;
      return WithoutCr(line);
    }
  }
}

bool LineReader::Fill(const std::function<void()>& before_wait) {
  // Drop the lines already returned, keeping the partial one.
  buf_.erase(0, pos_);
  scanned_ -= pos_;
  pos_ = 0;
  std::streambuf* sb = in_->rdbuf();
  std::streamsize ready = sb->in_avail();
  if (ready <= 0) {
    if (ready == 0 && before_wait) before_wait();
    if (std::char_traits<char>::eq_int_type(sb->sgetc(),
                                            std::char_traits<char>::eof())) {
      return false;
    }
    ready = std::max<std::streamsize>(sb->in_avail(), 1);
  }
  const size_t want = std::min(static_cast<size_t>(ready), chunk_);
  const size_t old = buf_.size();
  buf_.resize(old + want);
  const std::streamsize got =
      sb->sgetn(buf_.data() + old, static_cast<std::streamsize>(want));
  buf_.resize(old + static_cast<size_t>(std::max<std::streamsize>(got, 0)));
  return got > 0;
}

std::string ReadAll(std::istream* in) {
  std::string text;
  std::streambuf* sb = in->rdbuf();
  constexpr size_t kChunk = 1 << 20;
  while (true) {
    const size_t old = text.size();
    text.resize(old + kChunk);
    const std::streamsize got =
        sb->sgetn(text.data() + old, static_cast<std::streamsize>(kChunk));
    text.resize(old + static_cast<size_t>(std::max<std::streamsize>(got, 0)));
    if (got <= 0) break;
  }
  return text;
}

}  // namespace bee::tools
