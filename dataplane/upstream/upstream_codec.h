#pragma once
// The upstream contract's two JSON bodies (docs/operations.md, "Upstream
// backend"): the request relayd POSTs for a chat message, and the reply it
// expects back. Both reuse their buffers, so steady traffic does not
// allocate once they have grown.

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "dataplane/processing/chat_message.h"

namespace botrelay::upstream {

// Writes the request body for `message` into `out` (replacing its content).
void EncodeUpstreamRequest(const processing::ChatMessage& message, std::string& out);

struct UpstreamReplyItem {
  bool media = false;
  std::string text;                  // text replies
  std::string media_type;            // image, audio, video or document
  std::vector<std::string> sources;  // base64 payloads or http(s) URLs
  int32_t media_wait_ms = 0;
};

// A decoded backend answer. `count` items of `items` are valid (the vector
// keeps earlier, larger answers' storage).
struct UpstreamReply {
  std::vector<UpstreamReplyItem> items;
  size_t count = 0;
  bool failed = false;    // the backend asked for an error event instead of replies
  std::string error;      // its reason
};

class UpstreamReplyDecoder {
 public:
  UpstreamReplyDecoder();
  ~UpstreamReplyDecoder();
  UpstreamReplyDecoder(const UpstreamReplyDecoder&) = delete;
  UpstreamReplyDecoder& operator=(const UpstreamReplyDecoder&) = delete;

  // Decodes `body` (an empty body means "no reply"). `body` may grow by the
  // parser's padding. INVALID_ARGUMENT names what is wrong; `out` is then
  // unusable.
  absl::Status Decode(std::string& body, UpstreamReply& out);

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace botrelay::upstream
