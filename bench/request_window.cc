#include "bench/request_window.h"

namespace botrelay::bench {

uint64_t RequestWindow::Add(int64_t sent_ns) {
  if (next_seq_ - oldest_ >= ring_.size()) Grow();
  const uint64_t seq = next_seq_++;
  ring_[seq & (ring_.size() - 1)] = Slot{seq, sent_ns, true};
  ++outstanding_;
  return seq;
}

RequestWindow::Match RequestWindow::Resolve(uint64_t seq, int64_t* sent_ns) {
  if (seq >= next_seq_) return Match::kNeverSent;
  if (seq < oldest_) return Match::kDuplicate;
  Slot& slot = ring_[seq & (ring_.size() - 1)];
  if (slot.seq != seq || !slot.outstanding) return Match::kDuplicate;
  slot.outstanding = false;
  *sent_ns = slot.sent_ns;
  --outstanding_;
  const uint64_t mask = ring_.size() - 1;
  while (oldest_ < next_seq_ && !ring_[oldest_ & mask].outstanding) ++oldest_;
  return Match::kAnswered;
}

int64_t RequestWindow::Abandon() {
  const int64_t abandoned = outstanding_;
  for (Slot& slot : ring_) slot.outstanding = false;
  oldest_ = next_seq_;
  outstanding_ = 0;
  return abandoned;
}

void RequestWindow::Grow() {
  std::vector<Slot> bigger(ring_.empty() ? 8 : ring_.size() * 2);
  const uint64_t mask = bigger.size() - 1;
  for (uint64_t seq = oldest_; seq < next_seq_; ++seq) {
    bigger[seq & mask] = ring_[seq & (ring_.size() - 1)];
  }
  ring_.swap(bigger);
}

}  // namespace botrelay::bench
