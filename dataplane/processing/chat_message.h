#pragma once
// A chat message accepted from a phone, in one shape for both client
// generations. Instances are pooled by the dispatcher and reused, so the
// strings keep their capacity and steady traffic does not allocate.

#include <chrono>
#include <cstdint>
#include <string>

#include "dataplane/protocol/types.h"

namespace botrelay::processing {

struct ChatMessage {
  uint64_t connection_id = 0;  // the session it arrived on
  std::string bot_name;        // handshake identity: replies go to this key
  std::string device_id;
  std::string room;
  std::string channel_id;
  std::string sender;
  std::string text;
  std::string log_id;
  std::string user_hash;
  bool is_group_chat = false;
  bool is_mention = false;
  std::chrono::steady_clock::time_point accepted_at;
};

}  // namespace botrelay::processing
