#pragma once
// Sockets in TIME_WAIT left by earlier runs. A handshake storm closes tens of
// thousands of loopback connections a second, and each one the generator
// closes first waits out 60 s in TIME_WAIT; picking a source port among them
// makes connect() slower, so a run that starts right after another measures
// less (seen here: 13.7k handshakes/s from a quiet start, 8.6k in a third
// back-to-back run). Waiting for them to expire makes runs comparable,
// including the reference and the target of one comparison.

#include <cstdint>
#include <optional>

namespace botrelay::bench {

// The network namespace's TIME_WAIT sockets (/proc/net/sockstat), if readable.
std::optional<int64_t> TimeWaitSockets();

// Waits until at most `limit` sockets are in TIME_WAIT, or `max_wait_s`
// passed; returns the count when it stopped waiting.
std::optional<int64_t> SettleTimeWait(int64_t limit, double max_wait_s);

}  // namespace botrelay::bench
