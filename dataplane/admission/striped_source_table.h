#pragma once
// StripedSourceTable: ConnectionAdmission over a table of per-address state
// split into lock stripes.
//
// Why stripes and not one lock or per-shard tables: every connection is
// accepted on one thread, but releases and failure reports come from every
// event-loop thread, and a per-shard table would see only its share of an
// address's connections (a cap of 1000 would become 1000 per shard). The
// table is touched once at accept, once at close and on failures, never per
// message, so a mutex per stripe (64 stripes by address hash) keeps the
// critical sections short and the threads mostly on different locks.
//
// Memory is bounded: each stripe holds at most max_tracked_sources / 64
// addresses (BoundedLruMap); idle addresses are forgotten as new ones arrive,
// and when a stripe is full of bans and live addresses a new address is
// admitted untracked (counted in a metric) rather than refused: the global
// connection limit still holds, and a spoofed-address scan cannot push out a
// ban.

#include <array>
#include <memory>
#include <mutex>

#include "dataplane/admission/admission_settings.h"
#include "dataplane/admission/bounded_lru_map.h"
#include "dataplane/admission/connection_admission.h"
#include "dataplane/admission/window_counter.h"
#include "dataplane/ratelimit/token_bucket.h"

namespace botrelay::admission {

class StripedSourceTable final : public ConnectionAdmission {
 public:
  explicit StripedSourceTable(const SourceLimitSettings& settings);

  Decision Admit(const SourceAddress& source, int64_t now_ms) override;
  void Release(const Ticket& ticket) override;
  bool NoteFailure(const SourceAddress& source, int64_t now_ms) override;
  std::vector<Ban> ListBans(int64_t now_ms) override;
  absl::StatusOr<Ban> AddBan(const SourceAddress& source, int64_t duration_ms,
                             const std::string& reason, int64_t now_ms) override;
  absl::StatusOr<Ban> LiftBan(const SourceAddress& source, int64_t now_ms) override;
  size_t tracked_sources() override;

  static constexpr size_t kStripes = 64;

 private:
  struct SourceState {
    ratelimit::TokenBucket bucket;  // new connections; the policy is connect_rate_
    uint32_t open_connections = 0;
    WindowCounter refusals;
    WindowCounter failures;
    // Ban (expires_at_ms > now while active); reason/origin only then.
    int64_t banned_at_ms = 0;
    int64_t ban_expires_at_ms = 0;
    BanOrigin ban_origin = BanOrigin::kAutomatic;
    std::string ban_reason;
    uint64_t refused_while_banned = 0;

    bool Banned(int64_t now_ms) const { return ban_expires_at_ms > now_ms; }
  };
  using Map = BoundedLruMap<SourceAddress, SourceState, SourceAddress::Hash>;
  struct Stripe {
    explicit Stripe(size_t capacity) : map(capacity) {}
    std::mutex mu;
    Map map;
  };

  Stripe& StripeFor(const SourceAddress& source);
  // Finds or creates the entry; nullptr when the stripe is full.
  SourceState* Track(Stripe& stripe, const SourceAddress& source, int64_t now_ms);
  void IssueBan(SourceState& state, BanOrigin origin, std::string reason, int64_t duration_ms,
                int64_t now_ms);
  static Ban Describe(const SourceAddress& address, const SourceState& state);

  const SourceLimitSettings settings_;
  const ratelimit::TokenBucketPolicy connect_rate_;
  std::array<std::unique_ptr<Stripe>, kStripes> stripes_;
};

}  // namespace botrelay::admission
