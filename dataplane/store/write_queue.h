#pragma once
// The registry's queue of writes that only record facts: handshake updates,
// registration history and ping samples. The writer thread drains it in
// batches. Bounded: past the limit the oldest ping samples are dropped first
// (they are the least valuable and the most numerous); device rows and
// history are never dropped, so the queue may exceed the limit if only they
// remain.
//
// Thread-safe.

#include <cstddef>
#include <deque>
#include <mutex>
#include <variant>
#include <vector>

#include "dataplane/store/device_record.h"

namespace botrelay::store {

// Insert-or-update of the handshake facts (DeviceTables::WriteHandshakeFacts).
struct HandshakeWrite {
  DeviceRecord record;
};

struct HistoryWrite {
  DeviceKey key;
  DeviceHistoryEntry entry;
};

using QueuedWrite = std::variant<HandshakeWrite, HistoryWrite, PingSample>;

struct EnqueueResult {
  size_t queued = 0;          // items in the queue afterwards
  size_t dropped_pings = 0;   // ping samples dropped to respect the limit
  bool over_limit = false;    // still above the limit after dropping
};

class WriteQueue {
 public:
  explicit WriteQueue(size_t max_items) : max_items_(max_items) {}

  EnqueueResult Push(QueuedWrite write);
  EnqueueResult Push(QueuedWrite first, QueuedWrite second);

  // Removes and returns up to `max` of the oldest items.
  std::deque<QueuedWrite> Take(size_t max);
  // Puts a batch that failed to commit back at the front, ahead of anything
  // queued meanwhile, then applies the limit.
  EnqueueResult Restore(std::deque<QueuedWrite> batch);

  // Drops the device's handshake writes and ping samples (it was deleted);
  // its history writes stay.
  void Forget(const DeviceKey& key);

  // Copies of the device's queued history entries / ping samples, oldest first.
  std::vector<DeviceHistoryEntry> HistoryOf(const DeviceKey& key) const;
  std::vector<PingSample> PingsOf(const DeviceKey& key) const;

  size_t size() const;
  bool empty() const { return size() == 0; }

 private:
  EnqueueResult ApplyLimitLocked();

  const size_t max_items_;
  mutable std::mutex mutex_;
  std::deque<QueuedWrite> items_;
};

}  // namespace botrelay::store
