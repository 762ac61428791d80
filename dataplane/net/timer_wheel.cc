#include "dataplane/net/timer_wheel.h"

namespace botrelay::net {

TimerWheel::TimerWheel(Clock::duration tick, size_t slots, Clock::time_point start)
    : tick_(tick), start_(start), slots_(slots) {}

int64_t TimerWheel::TickOf(Clock::time_point t) const {
  if (t <= start_) return 0;
  return (t - start_) / tick_;
}

void TimerWheel::Schedule(Entry& entry, Clock::time_point when) {
  entry.hook_.unlink();
  // Round up so an entry never fires early; never schedule into the past
  // ticks that Advance has already swept.
  int64_t due = TickOf(when) + 1;
  if (due < current_tick_) due = current_tick_;
  entry.due_tick_ = due;
  slots_[static_cast<size_t>(due) % slots_.size()].push_back(entry);
}

void TimerWheel::Advance(Clock::time_point now) {
  const int64_t target = TickOf(now);
  List due;
  while (current_tick_ <= target) {
    List& slot = slots_[static_cast<size_t>(current_tick_) % slots_.size()];
    for (auto it = slot.begin(); it != slot.end();) {
      Entry& entry = *it++;
      if (entry.due_tick_ <= current_tick_) {
        entry.hook_.unlink();
        due.push_back(entry);
      }
    }
    ++current_tick_;
  }
  // Fire outside the sweep: a callback may reschedule itself or others.
  while (!due.empty()) {
    Entry& entry = due.front();
    entry.hook_.unlink();
    entry.OnTimer(now);
  }
}

}  // namespace botrelay::net
