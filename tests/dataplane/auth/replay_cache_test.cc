#include "dataplane/auth/replay_cache.h"

#include <deque>
#include <random>
#include <unordered_map>

#include "gtest/gtest.h"

namespace botrelay::auth {
namespace {

constexpr int64_t kWindow = 600'000;

TEST(ReplayCacheTest, SecondSightingInsideWindowIsReplay) {
  ReplayCache cache(16);
  const uint64_t key = ReplayCache::KeyFor("sig", "{\"event\":\"message\"}hello");
  EXPECT_FALSE(cache.SeenOrInsert(key, 1000, 1000 + kWindow));
  EXPECT_TRUE(cache.SeenOrInsert(key, 2000, 2000 + kWindow));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCacheTest, SameSignatureDifferentContentIsNotReplay) {
  ReplayCache cache(16);
  EXPECT_FALSE(cache.SeenOrInsert(ReplayCache::KeyFor("sig", "first message"), 0, kWindow));
  EXPECT_FALSE(cache.SeenOrInsert(ReplayCache::KeyFor("sig", "second message"), 0, kWindow));
  EXPECT_EQ(cache.size(), 2u);
}

TEST(ReplayCacheTest, KeyDependsOnFieldBoundaries) {
  EXPECT_NE(ReplayCache::KeyFor("ab", "c"), ReplayCache::KeyFor("a", "bc"));
  EXPECT_NE(ReplayCache::KeyFor("sig", "x"), ReplayCache::KeyFor("sig2", "x"));
  EXPECT_EQ(ReplayCache::KeyFor("sig", "x"), ReplayCache::KeyFor("sig", "x"));
}

TEST(ReplayCacheTest, EntryExpiresAtItsDeadline) {
  ReplayCache cache(16);
  EXPECT_FALSE(cache.SeenOrInsert(7, 0, 100));
  EXPECT_TRUE(cache.SeenOrInsert(7, 99, 199));
  EXPECT_FALSE(cache.SeenOrInsert(7, 100, 200));  // expired: accepted and recorded anew
  EXPECT_TRUE(cache.SeenOrInsert(7, 150, 250));
  EXPECT_EQ(cache.size(), 1u);
}

TEST(ReplayCacheTest, ExpiredEntriesLeaveFromTheHead) {
  ReplayCache cache(16);
  for (uint64_t key = 1; key <= 10; ++key) cache.SeenOrInsert(key, 0, 100);
  EXPECT_EQ(cache.size(), 10u);
  cache.SeenOrInsert(100, 100, 200);
  EXPECT_EQ(cache.size(), 1u);
  EXPECT_EQ(cache.early_evictions(), 0u);
}

TEST(ReplayCacheTest, FullCacheEvictsOldestAndCountsIt) {
  ReplayCache cache(4);
  for (uint64_t key = 1; key <= 4; ++key) EXPECT_FALSE(cache.SeenOrInsert(key, 0, kWindow));
  EXPECT_EQ(cache.early_evictions(), 0u);
  EXPECT_FALSE(cache.SeenOrInsert(5, 1, kWindow));
  EXPECT_FALSE(cache.SeenOrInsert(6, 1, kWindow));
  EXPECT_EQ(cache.early_evictions(), 2u);
  EXPECT_EQ(cache.size(), 4u);
  // 1 and 2 were evicted early, so they are no longer recognised.
  EXPECT_FALSE(cache.SeenOrInsert(1, 2, kWindow));
  EXPECT_TRUE(cache.SeenOrInsert(4, 2, kWindow));
  EXPECT_TRUE(cache.SeenOrInsert(6, 2, kWindow));
}

TEST(ReplayCacheTest, ZeroCapacityStillHoldsOneEntry) {
  ReplayCache cache(0);
  EXPECT_EQ(cache.capacity(), 1u);
  EXPECT_FALSE(cache.SeenOrInsert(1, 0, kWindow));
  EXPECT_TRUE(cache.SeenOrInsert(1, 0, kWindow));
}

// The same policy with standard containers: arrival-ordered keys plus a map
// of live keys to their deadlines.
class ReferenceCache {
 public:
  explicit ReferenceCache(size_t capacity) : capacity_(capacity) {}

  bool SeenOrInsert(uint64_t key, int64_t now, int64_t expires) {
    while (!order_.empty() && deadlines_.at(order_.front()) <= now) {
      deadlines_.erase(order_.front());
      order_.pop_front();
    }
    if (auto it = deadlines_.find(key); it != deadlines_.end()) {
      if (it->second > now) return true;
      it->second = expires;
      return false;
    }
    if (order_.size() == capacity_) {
      deadlines_.erase(order_.front());
      order_.pop_front();
      ++early_evictions_;
    }
    order_.push_back(key);
    deadlines_[key] = expires;
    return false;
  }

  size_t size() const { return order_.size(); }
  uint64_t early_evictions() const { return early_evictions_; }

 private:
  size_t capacity_;
  std::deque<uint64_t> order_;
  std::unordered_map<uint64_t, int64_t> deadlines_;
  uint64_t early_evictions_ = 0;
};

void RunAgainstReference(size_t capacity, uint64_t key_space, uint64_t key_stride,
                         uint32_t seed) {
  ReplayCache cache(capacity);
  ReferenceCache reference(capacity);
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<uint64_t> key(0, key_space - 1);
  std::uniform_int_distribution<int64_t> step(0, 3);
  std::uniform_int_distribution<int64_t> window(1, 400);  // non-monotonic deadlines
  int64_t now = 0;
  for (int op = 0; op < 300'000; ++op) {
    now += step(rng);
    const uint64_t k = key(rng) * key_stride;
    const int64_t expires = now + window(rng);
    ASSERT_EQ(cache.SeenOrInsert(k, now, expires), reference.SeenOrInsert(k, now, expires))
        << "op " << op << " key " << k;
    ASSERT_EQ(cache.size(), reference.size()) << "op " << op;
  }
  EXPECT_EQ(cache.early_evictions(), reference.early_evictions());
  EXPECT_GT(cache.early_evictions(), 0u);  // the run did exercise eviction
}

TEST(ReplayCacheTest, RandomizedMatchesReferenceSmallCapacity) {
  RunAgainstReference(64, 200, 1, 1);
}

TEST(ReplayCacheTest, RandomizedMatchesReferenceLargeCapacity) {
  RunAgainstReference(1000, 5000, 1, 2);
}

TEST(ReplayCacheTest, RandomizedMatchesReferenceWithClusteredKeys) {
  // Keys that differ only in high bits stress the probe sequences.
  RunAgainstReference(256, 1000, uint64_t{1} << 44, 3);
}

TEST(ReplayCacheTest, RandomizedMatchesReferenceWithHashedKeys) {
  RunAgainstReference(500, 3000, 0x9E3779B97F4A7C15ull, 4);
}

}  // namespace
}  // namespace botrelay::auth
