// Lines of text from a stream, read in large chunks.
#ifndef BEE_TOOLS_LINE_READER_H_
#define BEE_TOOLS_LINE_READER_H_

#include <cstdint>
#include <functional>
#include <istream>
#include <optional>
#include <string>
#include <string_view>

namespace bee::tools {

// Splits a stream into lines as std::getline does ('\n' ends a line; a last
// line without one still counts; nothing follows a final '\n'), and drops
// one '\r' before each line's end, so CRLF input reads as LF input. Reads
// take what the stream has ready (up to `chunk` bytes) without waiting for
// more, so a person typing gets an answer per line. A line may be longer
// than a chunk.
//
// Thread safety: none. The stream must outlive the reader.
class LineReader {
 public:
  explicit LineReader(std::istream* in, size_t chunk = 1 << 16)
      : in_(in), chunk_(chunk == 0 ? 1 : chunk) {}

  // The next line, or nullopt at the end of the input. The view lives until
  // the next call. When nothing is buffered here or in the stream, so the
  // next read may block, calls `before_wait` first (to flush output).
  std::optional<std::string_view> Next(
      const std::function<void()>& before_wait = nullptr);

  // The number of the line Next last returned (1 for the first).
  uint64_t line_number() const { return line_number_; }

 private:
  // Appends what the stream has ready; false at the end of the input.
  bool Fill(const std::function<void()>& before_wait);

  std::istream* in_;
  size_t chunk_;
  std::string buf_;
  size_t pos_ = 0;      // where the next line starts in buf_
  size_t scanned_ = 0;  // buf_[pos_, scanned_) holds no '\n'
  bool eof_ = false;
  uint64_t line_number_ = 0;
};

// Reads the whole of `in` in large chunks.
std::string ReadAll(std::istream* in);

}  // namespace bee::tools

#endif  // BEE_TOOLS_LINE_READER_H_
