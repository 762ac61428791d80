#pragma once
// Where the dispatcher delivers replies and errors. The shard implements it:
// it routes by the message's (bot name, device id) key to whichever
// connection holds that key at delivery time, so a phone that reconnected
// still gets the answers to what it sent before.

#include <cstdint>
#include <optional>
#include <span>
#include <string_view>

#include "dataplane/data_plane.h"
#include "dataplane/processing/chat_message.h"
#include "dataplane/protocol/types.h"

namespace botrelay::processing {

class ReplyOutlet {
 public:
  virtual ~ReplyOutlet() = default;
  virtual void DeliverText(const ChatMessage& to, std::string_view text) = 0;
  virtual void DeliverMedia(const ChatMessage& to, std::string_view media_type,
                            std::span<const std::string_view> sources, int32_t media_wait_ms) = 0;
  virtual void DeliverError(const ChatMessage& to, protocol::ErrorCode code,
                            std::string_view message) = 0;
  // Facts about a live connection, for processors that report them.
  virtual std::optional<dataplane::ConnectionInfo> DescribeConnection(uint64_t connection_id) = 0;
  // The message's accepted->answered lifecycle ended (for queue depth).
  virtual void OnMessageDone(const ChatMessage& message) = 0;
};

}  // namespace botrelay::processing
