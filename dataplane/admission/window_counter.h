#pragma once
// WindowCounter: events counted in fixed windows ("N failures within 60 s").
// A fixed window can let up to twice the limit through across a window
// boundary; for deciding bans that is precise enough and costs 12 bytes.

#include <cstdint>

namespace botrelay::admission {

class WindowCounter {
 public:
  // Counts one event at `now_ms` and returns the count in the current window.
  uint32_t Add(int64_t now_ms, int64_t window_ms) {
    if (count_ == 0 || now_ms - window_start_ms_ >= window_ms || now_ms < window_start_ms_) {
      window_start_ms_ = now_ms;
      count_ = 0;
    }
    return ++count_;
  }
  // True when no window is open any more: the counter remembers nothing.
  bool Expired(int64_t now_ms, int64_t window_ms) const {
    return count_ == 0 || now_ms - window_start_ms_ >= window_ms;
  }
  void Reset() { count_ = 0; }

 private:
  int64_t window_start_ms_ = 0;
  uint32_t count_ = 0;
};

}  // namespace botrelay::admission
