#pragma once
// The echo requests of one connection that await their reply. Requests are
// numbered 0, 1, 2, ... per connection; every number below `next_seq()` was
// sent, so a reply naming a sent number that is no longer outstanding is a
// duplicate, and one naming an unsent number is wrong. Storage is a ring
// indexed by sequence number that doubles when the outstanding span outgrows
// it (rarely); nothing is allocated per request.

#include <cstdint>
#include <vector>

namespace botrelay::bench {

class RequestWindow {
 public:
  enum class Match : uint8_t { kAnswered, kDuplicate, kNeverSent };

  // Records a request sent (or due to be sent) at `sent_ns`; returns its number.
  uint64_t Add(int64_t sent_ns);
  // Resolves request `seq`; on kAnswered, `*sent_ns` is its send time.
  Match Resolve(uint64_t seq, int64_t* sent_ns);
  // Forgets every outstanding request (the connection is gone) and returns
  // how many there were. Numbering continues.
  int64_t Abandon();

  int64_t outstanding() const { return outstanding_; }
  uint64_t next_seq() const { return next_seq_; }

 private:
  struct Slot {
    uint64_t seq = 0;
    int64_t sent_ns = 0;
    bool outstanding = false;
  };
  void Grow();

  std::vector<Slot> ring_;  // size is zero or a power of two
  uint64_t oldest_ = 0;     // no request below this is outstanding
  uint64_t next_seq_ = 0;
  int64_t outstanding_ = 0;
};

}  // namespace botrelay::bench
