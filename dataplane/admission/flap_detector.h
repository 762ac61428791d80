#pragma once
// FlapDetector: notices a device that reconnects over and over (a phone on a
// flaky network or a script in a crash loop) and sends it into a cool-down
// during which its handshakes are refused before the registry is asked.
//
// Where the state lives: here, in one table shared by all event-loop
// threads, consulted on the *accepting* shard while the handshake is read,
// not on the bot's owner shard. The handshake runs where the connection was
// accepted, and the refusal has to be decided before the
// session moves to the owner shard; asking the owner would cost a cross-thread
// round trip per handshake, or moving the descriptor only to close it.
// Today one shard accepts; a table per accepting shard would see only every
// n-th reconnect of a device as soon as more than one did.
// Handshakes are not the message path, so lock stripes (by key hash) are
// cheap enough, as for the per-address table.
//
// Memory is bounded like the address table: at most max_tracked_devices
// keys; keys with nothing recent are forgotten first, keys in a cool-down
// are kept.

#include <array>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <vector>

#include "dataplane/admission/admission_settings.h"
#include "dataplane/admission/bounded_lru_map.h"

namespace botrelay::admission {

struct FlapVerdict {
  bool allowed = true;
  bool cooldown_started = false;  // this handshake started the cool-down (log it once)
  int64_t retry_after_ms = 0;     // when refused: time left in the cool-down
};

class FlapDetector {
 public:
  explicit FlapDetector(const FlapSettings& settings);

  // Counts one handshake of (bot, device) at `now_ms` (monotonic) and says
  // whether it may proceed. Handshakes refused during a cool-down are not
  // counted: the cool-down ends on time however hard the phone retries.
  FlapVerdict OnHandshake(std::string_view bot_name, std::string_view device_id, int64_t now_ms);

  size_t tracked_devices();

  static constexpr size_t kStripes = 16;

 private:
  struct DeviceState {
    // The last `handshake_limit` handshake times, oldest at `next`.
    std::vector<int64_t> recent;
    size_t next = 0;
    int64_t cooldown_until_ms = 0;
  };
  using Map = BoundedLruMap<std::string, DeviceState, std::hash<std::string>>;
  struct Stripe {
    explicit Stripe(size_t capacity) : map(capacity) {}
    std::mutex mu;
    Map map;
  };

  const FlapSettings settings_;
  std::array<std::unique_ptr<Stripe>, kStripes> stripes_;
};

}  // namespace botrelay::admission
