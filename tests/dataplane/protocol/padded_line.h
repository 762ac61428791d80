#pragma once
// Test helper: a line followed by kDecodePadding readable bytes, as relayd's
// read buffers guarantee. The padding is filled with '}' and '"' so a decoder
// that looked past the end of the line would misbehave visibly.

#include <string>
#include <string_view>

#include "dataplane/protocol/frame_decoder.h"

namespace botrelay::protocol::testing {

class PaddedLine {
 public:
  explicit PaddedLine(std::string_view line) : size_(line.size()) {
    storage_.reserve(line.size() + kDecodePadding);
    storage_.assign(line);
    for (size_t i = 0; i < kDecodePadding; ++i) storage_.push_back(i % 2 == 0 ? '}' : '"');
  }
  std::string_view view() const { return {storage_.data(), size_}; }

 private:
  std::string storage_;
  size_t size_;
};

}  // namespace botrelay::protocol::testing
