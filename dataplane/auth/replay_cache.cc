#include "dataplane/auth/replay_cache.h"

#include <algorithm>
#include <bit>

#include "absl/hash/hash.h"
#include "absl/strings/string_view.h"

namespace botrelay::auth {
namespace {

// Ring positions are stored + 1 in 32 bits, and a home slot is taken from
// 32 hash bits: the index (twice the capacity) must have at most 2^32 slots.
constexpr size_t kMaxCapacity = size_t{1} << 31;

}  // namespace

ReplayCache::ReplayCache(size_t capacity)
    : ring_(std::clamp<size_t>(capacity, 1, kMaxCapacity)),
      // At most half full, so probe sequences stay short and always end.
      index_(std::bit_ceil(2 * ring_.size())),
      home_shift_(32 - std::countr_zero(index_.size())) {}

// Fibonacci hashing: spreads any key (not only KeyFor's) over the
// power-of-two table through the product's top bits.
uint32_t ReplayCache::Hash32(uint64_t key) {
  return static_cast<uint32_t>((key * 0x9E3779B97F4A7C15ull) >> 32);
}

uint64_t ReplayCache::KeyFor(std::string_view signature, std::string_view content) {
  // absl::Hash folds in each string's length, so (signature, content) pairs
  // cannot collide by shifting bytes from one field to the other; its
  // per-process seed keeps keys unpredictable to a sender. Debian's Abseil
  // has no absl::Hash overload for std::string_view: given one, it falls
  // back to std::hash (an unseeded hash, mixed with the seed only
  // afterwards, so collisions are seed-independent) and is slower too.
  return absl::HashOf(absl::string_view(signature.data(), signature.size()),
                      absl::string_view(content.data(), content.size()));
}

bool ReplayCache::SeenOrInsert(uint64_t key, int64_t now_ms, int64_t expires_at_ms) {
  while (size_ > 0 && ring_[head_].expires_at_ms <= now_ms) EvictOldest();

  const uint32_t hash = Hash32(key);
  if (const int64_t slot = IndexFind(key, hash); slot >= 0) {
    Entry& entry = ring_[static_cast<size_t>(slot)];
    if (entry.expires_at_ms > now_ms) return true;
    // Expired but still queued behind a longer-lived entry: renew it in
    // place. It keeps its older ring position, so it may leave early.
    entry.expires_at_ms = expires_at_ms;
    return false;
  }

  if (size_ == ring_.size()) {
    EvictOldest();  // the head has not expired (checked above)
    ++early_evictions_;
  }
  const size_t tail = (head_ + size_) % ring_.size();
  ring_[tail] = Entry{key, expires_at_ms};
  IndexInsert(hash, static_cast<uint32_t>(tail));
  ++size_;
  return false;
}

void ReplayCache::EvictOldest() {
  IndexErase(Hash32(ring_[head_].key), static_cast<uint32_t>(head_));
  head_ = (head_ + 1) % ring_.size();
  --size_;
}

void ReplayCache::IndexInsert(uint32_t hash, uint32_t ring_slot) {
  const size_t mask = index_.size() - 1;
  size_t pos = HomeSlot(hash);
  while (index_[pos].ring_slot_plus_one != 0) pos = (pos + 1) & mask;
  index_[pos] = IndexSlot{ring_slot + 1, hash};
}

int64_t ReplayCache::IndexFind(uint64_t key, uint32_t hash) const {
  const size_t mask = index_.size() - 1;
  for (size_t pos = HomeSlot(hash); index_[pos].ring_slot_plus_one != 0; pos = (pos + 1) & mask) {
    if (index_[pos].hash != hash) continue;
    const uint32_t ring_slot = index_[pos].ring_slot_plus_one - 1;
    if (ring_[ring_slot].key == key) return ring_slot;
  }
  return -1;
}

void ReplayCache::IndexErase(uint32_t hash, uint32_t ring_slot) {
  const size_t mask = index_.size() - 1;
  size_t hole = HomeSlot(hash);
  while (index_[hole].ring_slot_plus_one != ring_slot + 1) hole = (hole + 1) & mask;

  // Backward-shift deletion: pull later members of the probe run into the
  // hole when their home slot does not lie between the hole and them, so
  // lookups never need tombstones.
  for (size_t next = (hole + 1) & mask; index_[next].ring_slot_plus_one != 0; next = (next + 1) & mask) {
    const size_t distance_from_home = (next - HomeSlot(index_[next].hash)) & mask;
    const size_t distance_from_hole = (next - hole) & mask;
    if (distance_from_home >= distance_from_hole) {
      index_[hole] = index_[next];
      hole = next;
    }
  }
  index_[hole] = IndexSlot{};
}

}  // namespace botrelay::auth
