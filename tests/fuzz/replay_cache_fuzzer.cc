// Fuzz target: the replay cache against a plain model. The cache's
// open-addressing index with backward-shift deletion is the kind of code
// that works in every hand-written test and fails on one eviction order;
// here the input is a program of SeenOrInsert calls over a small key space
// (so probe runs collide and wrap) with a clock that may step backwards, as
// a wall clock does.
//
// Input: byte 0 picks the capacity (1..16); then 3 bytes per call:
//   key (one of kKeySpace, so keys repeat and probe runs collide),
//   clock step (signed, in ms), lifetime (0..255 ms).

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <deque>

#include "dataplane/auth/replay_cache.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr uint64_t kKeySpace = 48;  // three times the largest capacity

// What the cache promises, in the simplest form: entries in arrival order,
// expired ones leave from the front, a full cache drops its oldest entry,
// and an expired key still queued is renewed in place.
class ModelReplayCache {
 public:
  explicit ModelReplayCache(size_t capacity) : capacity_(capacity) {}

  bool SeenOrInsert(uint64_t key, int64_t now_ms, int64_t expires_at_ms) {
    while (!entries_.empty() && entries_.front().expires_at_ms <= now_ms) entries_.pop_front();
    auto it = std::find_if(entries_.begin(), entries_.end(),
                           [key](const Entry& e) { return e.key == key; });
    if (it != entries_.end()) {
      if (it->expires_at_ms > now_ms) return true;
      it->expires_at_ms = expires_at_ms;
      return false;
    }
    if (entries_.size() == capacity_) {
      entries_.pop_front();
      ++early_evictions_;
    }
    entries_.push_back({key, expires_at_ms});
    return false;
  }

  size_t size() const { return entries_.size(); }
  uint64_t early_evictions() const { return early_evictions_; }

 private:
  struct Entry {
    uint64_t key;
    int64_t expires_at_ms;
  };
  size_t capacity_;
  std::deque<Entry> entries_;
  uint64_t early_evictions_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const size_t capacity = 1 + data[0] % 16;
  botrelay::auth::ReplayCache cache(capacity);
  ModelReplayCache model(capacity);

  int64_t now_ms = 1'721'700'000'000;
  for (size_t i = 1; i + 3 <= size; i += 3) {
    const uint64_t key = data[i] % kKeySpace;
    now_ms += static_cast<int8_t>(data[i + 1]);
    const int64_t expires_at_ms = now_ms + data[i + 2];

    const bool seen = cache.SeenOrInsert(key, now_ms, expires_at_ms);
    FUZZ_CHECK(seen == model.SeenOrInsert(key, now_ms, expires_at_ms));
    FUZZ_CHECK(cache.size() == model.size());
    FUZZ_CHECK(cache.early_evictions() == model.early_evictions());
  }
  return 0;
}
