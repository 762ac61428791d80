#include "dataplane/admission/bounded_lru_map.h"

#include <functional>
#include <set>

#include <gtest/gtest.h>

namespace botrelay::admission {
namespace {

struct Value {
  bool pinned = false;    // never evictable
  bool idle = false;      // forgettable
};
using Map = BoundedLruMap<int, Value, std::hash<int>>;
auto Forgettable = [](const Value& v) { return v.idle && !v.pinned; };
auto Evictable = [](const Value& v) { return !v.pinned; };

TEST(BoundedLruMapTest, NeverGrowsPastItsCapacityAndEvictsTheLeastRecentlyUsed) {
  Map map(3);
  for (int k = 1; k <= 3; ++k) ASSERT_NE(map.Insert(k, Value{}, Forgettable, Evictable), nullptr);
  ASSERT_NE(map.Find(1), nullptr);  // 2 is now the least recently used
  ASSERT_NE(map.Insert(4, Value{}, Forgettable, Evictable), nullptr);
  EXPECT_EQ(map.size(), 3u);
  EXPECT_EQ(map.Find(2), nullptr);
  EXPECT_NE(map.Find(1), nullptr);
  EXPECT_NE(map.Find(3), nullptr);
  for (int k = 5; k < 1000; ++k) map.Insert(k, Value{}, Forgettable, Evictable);
  EXPECT_EQ(map.size(), 3u);
}

TEST(BoundedLruMapTest, PinnedEntriesSurviveAndAFullPinnedMapRefuses) {
  Map map(2);
  ASSERT_NE(map.Insert(1, Value{.pinned = true}, Forgettable, Evictable), nullptr);
  ASSERT_NE(map.Insert(2, Value{}, Forgettable, Evictable), nullptr);
  ASSERT_NE(map.Insert(3, Value{}, Forgettable, Evictable), nullptr);  // evicts 2, not 1
  EXPECT_NE(map.Find(1), nullptr);
  EXPECT_EQ(map.Find(2), nullptr);
  map.Find(3)->pinned = true;
  EXPECT_EQ(map.Insert(4, Value{}, Forgettable, Evictable), nullptr);
  EXPECT_EQ(map.size(), 2u);
}

TEST(BoundedLruMapTest, IdleEntriesAreDroppedBeforeTheMapFillsUp) {
  Map map(100);
  for (int k = 0; k < 10; ++k) map.Insert(k, Value{.idle = true}, Forgettable, Evictable);
  // Each insert forgets up to two idle entries at the cold end.
  for (int k = 10; k < 15; ++k) map.Insert(k, Value{}, Forgettable, Evictable);
  EXPECT_EQ(map.size(), 5u);
  std::set<int> keys;
  map.ForEach([&](int key, const Value&) { keys.insert(key); });
  EXPECT_EQ(keys, (std::set<int>{10, 11, 12, 13, 14}));
}

TEST(BoundedLruMapTest, EraseRemoves) {
  Map map(2);
  map.Insert(7, Value{}, Forgettable, Evictable);
  EXPECT_TRUE(map.Erase(7));
  EXPECT_FALSE(map.Erase(7));
  EXPECT_EQ(map.size(), 0u);
}

}  // namespace
}  // namespace botrelay::admission
