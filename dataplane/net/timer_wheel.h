#pragma once
// A hashed timing wheel: one per event-loop thread, so 100,000 connections
// with ping, timeout and idle deadlines cost one slot insert each instead of
// a heap timer each. Resolution is one tick (100 ms by default); entries
// further out than a full turn simply stay in their slot until their tick
// comes round.

#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstdint>
#include <vector>

namespace botrelay::net {

class TimerWheel {
 public:
  using Clock = std::chrono::steady_clock;

  class Entry {
   public:
    virtual ~Entry() = default;
    virtual void OnTimer(Clock::time_point now) = 0;
    bool scheduled() const { return hook_.is_linked(); }

   private:
    friend class TimerWheel;
    boost::intrusive::list_member_hook<boost::intrusive::link_mode<boost::intrusive::auto_unlink>>
        hook_;
    int64_t due_tick_ = 0;
  };

  TimerWheel(Clock::duration tick, size_t slots, Clock::time_point start);

  // (Re)schedules `entry` to fire at or after `when` (one tick late at most).
  void Schedule(Entry& entry, Clock::time_point when);
  static void Cancel(Entry& entry) { entry.hook_.unlink(); }

  // Fires every entry due up to `now`.
  void Advance(Clock::time_point now);

  Clock::duration tick() const { return tick_; }

 private:
  using List = boost::intrusive::list<
      Entry,
      boost::intrusive::member_hook<
          Entry,
          boost::intrusive::list_member_hook<
              boost::intrusive::link_mode<boost::intrusive::auto_unlink>>,
          &Entry::hook_>,
      boost::intrusive::constant_time_size<false>>;

  int64_t TickOf(Clock::time_point t) const;

  Clock::duration tick_;
  Clock::time_point start_;
  std::vector<List> slots_;
  int64_t current_tick_ = 0;  // every tick < current_tick_ has fired
};

}  // namespace botrelay::net
