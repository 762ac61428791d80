#pragma once
// What a soak run counts. The soak scenarios (one per generator thread)
// update it as things happen and the observing main thread reads it for the
// progress lines and the final reconciliation, so every counter is an
// atomic (relaxed: each is a tally on its own, read only for reporting).
// Failures and refusals are keyed by text and rare, so they sit in a map
// behind a mutex.

#include <array>
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>

namespace botrelay::bench {

// The bad inputs a soak mixes in, each with the outcome docs/protocol.md
// documents for it (§9).
enum class BadInput : uint8_t {
  kMalformedJson,  // established connection, line without '}' -> invalid_json, stays open
  kOversizeLine,   // line over max-line-bytes -> line_too_long, closed
  kBadSignature,   // chat frame with a wrong HMAC -> auth_failed, stays open
  kReplay,         // an accepted chat frame sent again -> replay, stays open
  kUnknownDevice,  // unregistered device: handshakeComplete{approved:false}, chat -> device_not_approved
  kGarbage,        // random bytes instead of a handshake -> handshake_invalid, closed
  kHalfOpen,       // connects, never handshakes -> handshake_timeout, closed
};
inline constexpr int kBadInputKinds = 7;

// The ways a soak connection leaves and comes back.
enum class ChurnKind : uint8_t {
  kReset,     // RST (SO_LINGER 0) at any moment; reconnects
  kClean,     // stops sending, waits for its answers, FIN; reconnects
  kTakeover,  // a second connection with the same (bot, device) replaces it
};
inline constexpr int kChurnKinds = 3;

std::string_view BadInputName(BadInput kind);
// The error code the server must answer the bad input with.
std::string_view ExpectedCode(BadInput kind);
std::string_view ChurnName(ChurnKind kind);

class SoakTally {
 public:
  using Counter = std::atomic<int64_t>;

  static void Add(Counter& counter, int64_t n = 1) { counter.fetch_add(n, std::memory_order_relaxed); }
  static int64_t Get(const Counter& counter) { return counter.load(std::memory_order_relaxed); }

  // Echo requests ("# echo k<key>s<seq>"), accounted per (bot, device) key.
  Counter echo_sent{0};
  Counter echo_skipped{0};            // due while its key had no usable connection
  Counter echo_answered{0};           // first reply, on a connection of the right key
  Counter echo_answered_late{0};      // of those, after --answer-deadline
  Counter echo_answered_on_successor{0};  // sent on a replaced connection, answered on its successor
  Counter echo_duplicate{0};          // a second reply to the same request
  Counter echo_misrouted{0};          // a reply on a connection of another key
  Counter echo_unknown{0};            // a reply naming no request that was sent
  Counter echo_refused{0};            // error events that refused an echo (see `refused`)
  Counter echo_abandoned{0};          // outstanding when this side reset the connection, never answered
  Counter echo_lost{0};               // never answered, the connection alive or reconnected
  Counter refused_input_answered{0};  // a reply to a frame the server had to refuse

  // Connections.
  Counter held{0};                    // soak connections holding their key right now
  Counter handshakes_approved{0};
  Counter handshakes_pending{0};      // probes of unknown devices and oversize lines
  Counter connections_established{0};  // TCP connects that succeeded, of every kind
  std::array<Counter, kChurnKinds> churn_started{};
  std::array<Counter, kChurnKinds> churn_completed{};
  Counter churn_skipped{0};           // no eligible connection or spare slot at the time

  // Bad inputs.
  std::array<Counter, kBadInputKinds> bad_sent{};
  std::array<Counter, kBadInputKinds> bad_verified{};  // got exactly the documented outcome
  Counter bad_skipped{0};

  void AddFailure(std::string_view kind, int64_t n = 1);
  void AddRefusal(std::string_view code);
  int64_t failure_count() const;
  std::map<std::string, int64_t> failures() const;
  std::map<std::string, int64_t> refusals() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, int64_t> failures_;  // what went wrong, by kind
  std::map<std::string, int64_t> refusals_;  // error codes that refused echoes, by code
  Counter failure_total_{0};
};

}  // namespace botrelay::bench
