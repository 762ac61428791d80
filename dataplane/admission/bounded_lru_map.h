#pragma once
// BoundedLruMap: a hash map with a hard size limit and least-recently-used
// order, for per-source and per-device state that strangers can create (a
// scan from many addresses must not grow it without bound). Not thread-safe:
// the owners (StripedSourceTable, FlapDetector) hold one per lock stripe.
//
// Two questions decide what may go, both asked of the value:
//   forgettable: the entry holds nothing a fresh one would not (an idle
//     source with a full bucket): dropping it loses nothing, so every insert
//     drops a few such entries from the cold end, and the map shrinks back
//     after a burst of strangers.
//   evictable: dropping it loses soft state only (partial counts), never a
//     ban or a live connection count. Used only when the map is full.

#include <cstddef>
#include <list>
#include <unordered_map>
#include <utility>

namespace botrelay::admission {

template <typename Key, typename Value, typename Hash>
class BoundedLruMap {
 public:
  explicit BoundedLruMap(size_t capacity) : capacity_(capacity == 0 ? 1 : capacity) {}

  // The entry for `key`, now the most recently used; nullptr if absent.
  Value* Find(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return nullptr;
    entries_.splice(entries_.begin(), entries_, it->second);
    return &it->second->second;
  }

  // Inserts `value` for a key that is absent. Returns nullptr when the map is
  // full and none of the least recently used entries may be evicted.
  template <typename Forgettable, typename Evictable>
  Value* Insert(const Key& key, Value value, Forgettable forgettable, Evictable evictable) {
    DropForgettable(forgettable);
    if (entries_.size() >= capacity_ && !EvictOne(evictable)) return nullptr;
    entries_.emplace_front(key, std::move(value));
    index_.emplace(key, entries_.begin());
    return &entries_.front().second;
  }

  bool Erase(const Key& key) {
    auto it = index_.find(key);
    if (it == index_.end()) return false;
    entries_.erase(it->second);
    index_.erase(it);
    return true;
  }

  template <typename Fn>
  void ForEach(Fn&& fn) const {
    for (const auto& [key, value] : entries_) fn(key, value);
  }

  size_t size() const { return entries_.size(); }
  size_t capacity() const { return capacity_; }

 private:
  // Bounds the work one insert does at the cold end.
  static constexpr int kForgetPerInsert = 2;
  static constexpr int kEvictionScan = 32;

  template <typename Forgettable>
  void DropForgettable(Forgettable& forgettable) {
    for (int i = 0; i < kForgetPerInsert && !entries_.empty(); ++i) {
      auto last = std::prev(entries_.end());
      if (!forgettable(last->second)) return;
      index_.erase(last->first);
      entries_.pop_back();
    }
  }

  template <typename Evictable>
  bool EvictOne(Evictable& evictable) {
    // Second chance: entries that must stay (bans, live connections) move to
    // the warm end so the next scan looks at others.
    for (int i = 0; i < kEvictionScan && !entries_.empty(); ++i) {
      auto last = std::prev(entries_.end());
      if (evictable(last->second)) {
        index_.erase(last->first);
        entries_.pop_back();
        return true;
      }
      entries_.splice(entries_.begin(), entries_, last);
    }
    return false;
  }

  size_t capacity_;
  std::list<std::pair<Key, Value>> entries_;  // front = most recently used
  std::unordered_map<Key, typename std::list<std::pair<Key, Value>>::iterator, Hash> index_;
};

}  // namespace botrelay::admission
