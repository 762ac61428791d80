#pragma once
// ConnectionAdmission: the per-source-address decision at accept (bans,
// connection rate, open-connection cap) and the offence bookkeeping that
// leads to bans. RelayServer calls it on the accepting thread before anything
// is allocated for the connection; sessions report failures and releases
// from their own threads. Every method is thread-safe and none is on the
// message path.
//
// Times are milliseconds of one monotonic clock chosen by the caller.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/admission/ban.h"
#include "dataplane/admission/source_address.h"

namespace botrelay::admission {

enum class Verdict : uint8_t {
  kAdmitted,
  kBanned,              // the address is banned: close at once
  kRateLimited,         // connection rate over the token bucket
  kTooManyConnections,  // open connections of the address at the cap
};

// What a connection keeps so that its end can be accounted for.
struct Ticket {
  SourceAddress source;
  bool counted = false;  // false: exempt (allowlist) or untracked (table full)
};

struct Decision {
  Verdict verdict = Verdict::kAdmitted;
  Ticket ticket;              // meaningful when admitted
  bool ban_issued = false;    // this refusal tipped the address into a ban
  bool untracked = false;     // admitted without limits: the table is full
};

class ConnectionAdmission {
 public:
  virtual ~ConnectionAdmission() = default;

  // The verdict for a new connection from `source`. When admitted with a
  // counted ticket, Release must follow exactly once.
  virtual Decision Admit(const SourceAddress& source, int64_t now_ms) = 0;
  virtual void Release(const Ticket& ticket) = 0;

  // A connection from `source` failed its handshake or authentication.
  // Returns true if this failure issued a ban.
  virtual bool NoteFailure(const SourceAddress& source, int64_t now_ms) = 0;

  // Active bans, soonest expiry first.
  virtual std::vector<Ban> ListBans(int64_t now_ms) = 0;
  // Bans `source` for `duration_ms` (replacing a shorter ban).
  // FAILED_PRECONDITION for an allowlisted address; RESOURCE_EXHAUSTED when
  // the table is full of bans and live sources.
  virtual absl::StatusOr<Ban> AddBan(const SourceAddress& source, int64_t duration_ms,
                                     const std::string& reason, int64_t now_ms) = 0;
  // Returns the lifted ban; NOT_FOUND if the address is not banned.
  virtual absl::StatusOr<Ban> LiftBan(const SourceAddress& source, int64_t now_ms) = 0;

  virtual size_t tracked_sources() = 0;
};

}  // namespace botrelay::admission
