#include "dataplane/store/write_queue.h"

#include <iterator>
#include <utility>

namespace botrelay::store {
namespace {

const DeviceKey& KeyOf(const QueuedWrite& write) {
  return std::visit(
      [](const auto& item) -> const DeviceKey& {
        using T = std::decay_t<decltype(item)>;
        if constexpr (std::is_same_v<T, HandshakeWrite>) {
          return item.record.key;
        } else {
          return item.key;
        }
      },
      write);
}

}  // namespace

EnqueueResult WriteQueue::Push(QueuedWrite write) {
  std::lock_guard lock(mutex_);
  items_.push_back(std::move(write));
  return ApplyLimitLocked();
}

EnqueueResult WriteQueue::Push(QueuedWrite first, QueuedWrite second) {
  std::lock_guard lock(mutex_);
  items_.push_back(std::move(first));
  items_.push_back(std::move(second));
  return ApplyLimitLocked();
}

std::deque<QueuedWrite> WriteQueue::Take(size_t max) {
  std::lock_guard lock(mutex_);
  if (items_.size() <= max) return std::exchange(items_, {});
  std::deque<QueuedWrite> batch(std::make_move_iterator(items_.begin()),
                                std::make_move_iterator(items_.begin() + max));
  items_.erase(items_.begin(), items_.begin() + max);
  return batch;
}

EnqueueResult WriteQueue::Restore(std::deque<QueuedWrite> batch) {
  std::lock_guard lock(mutex_);
  items_.insert(items_.begin(), std::make_move_iterator(batch.begin()),
                std::make_move_iterator(batch.end()));
  return ApplyLimitLocked();
}

void WriteQueue::Forget(const DeviceKey& key) {
  std::lock_guard lock(mutex_);
  std::erase_if(items_, [&](const QueuedWrite& write) {
    return !std::holds_alternative<HistoryWrite>(write) && KeyOf(write) == key;
  });
}

std::vector<DeviceHistoryEntry> WriteQueue::HistoryOf(const DeviceKey& key) const {
  std::lock_guard lock(mutex_);
  std::vector<DeviceHistoryEntry> entries;
  for (const QueuedWrite& write : items_) {
    if (const auto* history = std::get_if<HistoryWrite>(&write); history && history->key == key) {
      entries.push_back(history->entry);
    }
  }
  return entries;
}

std::vector<PingSample> WriteQueue::PingsOf(const DeviceKey& key) const {
  std::lock_guard lock(mutex_);
  std::vector<PingSample> samples;
  for (const QueuedWrite& write : items_) {
    if (const auto* sample = std::get_if<PingSample>(&write); sample && sample->key == key) {
      samples.push_back(*sample);
    }
  }
  return samples;
}

size_t WriteQueue::size() const {
  std::lock_guard lock(mutex_);
  return items_.size();
}

EnqueueResult WriteQueue::ApplyLimitLocked() {
  EnqueueResult result;
  if (items_.size() > max_items_) {
    // Drop a tenth below the limit at once, so a full queue is compacted
    // once per many pushes rather than on every one.
    const size_t target = max_items_ - max_items_ / 10;
    size_t to_drop = items_.size() - target;
    auto kept_end = items_.begin();
    for (auto it = items_.begin(); it != items_.end(); ++it) {
      if (to_drop > 0 && std::holds_alternative<PingSample>(*it)) {
        --to_drop;
        ++result.dropped_pings;
        continue;
      }
      if (kept_end != it) *kept_end = std::move(*it);
      ++kept_end;
    }
    items_.erase(kept_end, items_.end());
  }
  result.queued = items_.size();
  result.over_limit = items_.size() > max_items_;
  return result;
}

}  // namespace botrelay::store
