#pragma once
// Remembers recently accepted (signature, content) pairs so a captured frame
// sent again inside the clock-skew window is recognised. The phone signs only
// its identity and a millisecond timestamp, so the key must cover the content
// too: two different messages in the same millisecond share a signature and
// are both served.
//
// Memory is bounded: a fixed-capacity ring in arrival order plus an
// open-addressing index (24 bytes per entry of capacity). Index slots carry
// 32 bits of the key's hash beside the ring position, so probing and
// deletion stay within the index: a lookup reads the ring (a likely cache
// miss at a million entries) only for a candidate whose hash bits match.
// Both live in huge pages where the kernel allows (huge_page_allocator.h).
// When the ring is full the oldest entry is evicted
// even if its window has not passed; such early evictions are counted
// (botrelay_replay_cache_early_evictions_total), since they shorten the
// effective protection window under extreme load.
//
// One cache per event-loop thread; not thread-safe.

#include <cstddef>
#include <cstdint>
#include <string_view>
#include <vector>

#include "dataplane/auth/huge_page_allocator.h"

namespace botrelay::auth {

class ReplayCache {
 public:
  explicit ReplayCache(size_t capacity);

  // 64-bit key for a frame: mixes the signature and the frame content.
  static uint64_t KeyFor(std::string_view signature, std::string_view content);

  // Returns true if `key` was seen and has not expired (a replay); otherwise
  // records it until `expires_at_ms` and returns false. `now_ms` drives
  // expiry of old entries.
  bool SeenOrInsert(uint64_t key, int64_t now_ms, int64_t expires_at_ms);

  size_t size() const { return size_; }
  size_t capacity() const { return ring_.size(); }
  uint64_t early_evictions() const { return early_evictions_; }

 private:
  struct Entry {
    uint64_t key = 0;
    int64_t expires_at_ms = 0;
  };
  struct IndexSlot {
    uint32_t ring_slot_plus_one = 0;  // 0 = empty
    uint32_t hash = 0;                // Hash32 of the key; its top bits are the home slot
  };
  static uint32_t Hash32(uint64_t key);
  size_t HomeSlot(uint32_t hash) const { return hash >> home_shift_; }
  void EvictOldest();
  void IndexInsert(uint32_t hash, uint32_t ring_slot);
  void IndexErase(uint32_t hash, uint32_t ring_slot);
  int64_t IndexFind(uint64_t key, uint32_t hash) const;  // ring slot or -1

  std::vector<Entry, HugePageAllocator<Entry>> ring_;
  size_t head_ = 0;  // oldest entry
  size_t size_ = 0;
  std::vector<IndexSlot, HugePageAllocator<IndexSlot>> index_;
  int home_shift_;  // 32 - log2(index_.size())
  uint64_t early_evictions_ = 0;
};

}  // namespace botrelay::auth
