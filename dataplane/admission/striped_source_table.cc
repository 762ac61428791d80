#include "dataplane/admission/striped_source_table.h"

#include <algorithm>
#include <chrono>

#include "absl/strings/str_format.h"

namespace botrelay::admission {
namespace {

// The buckets run on the milliseconds of the monotonic clock the callers pass in.
ratelimit::Clock::time_point BucketTime(int64_t now_ms) {
  return ratelimit::Clock::time_point(std::chrono::milliseconds(now_ms));
}

// connect-rate-burst 0 turns the per-address rate limit off.
ratelimit::TokenBucketPolicy ConnectRatePolicy(const ratelimit::RateLimit& rate) {
  return rate.burst > 0 ? ratelimit::TokenBucketPolicy(rate) : ratelimit::TokenBucketPolicy();
}

}  // namespace

StripedSourceTable::StripedSourceTable(const SourceLimitSettings& settings)
    : settings_(settings), connect_rate_(ConnectRatePolicy(settings.connect_rate)) {
  const size_t per_stripe = std::max<size_t>(1, settings_.max_tracked_sources / kStripes);
  for (auto& stripe : stripes_) stripe = std::make_unique<Stripe>(per_stripe);
}

StripedSourceTable::Stripe& StripedSourceTable::StripeFor(const SourceAddress& source) {
  // The top bits pick the stripe; the map inside uses the whole hash.
  return *stripes_[(SourceAddress::Hash()(source) >> 58) % kStripes];
}

StripedSourceTable::SourceState* StripedSourceTable::Track(Stripe& stripe,
                                                           const SourceAddress& source,
                                                           int64_t now_ms) {
  if (SourceState* state = stripe.map.Find(source)) return state;
  const int64_t window_ms = settings_.ban_window_ms;
  auto forgettable = [window_ms, now_ms](const SourceState& e) {
    return e.open_connections == 0 && !e.Banned(now_ms) && e.bucket.IsFull(BucketTime(now_ms)) &&
           e.refusals.Expired(now_ms, window_ms) && e.failures.Expired(now_ms, window_ms);
  };
  auto evictable = [now_ms](const SourceState& e) {
    return e.open_connections == 0 && !e.Banned(now_ms);
  };
  return stripe.map.Insert(source, SourceState(), forgettable, evictable);
}

Decision StripedSourceTable::Admit(const SourceAddress& source, int64_t now_ms) {
  Decision decision;
  decision.ticket.source = source;
  if (settings_.allowlist.Contains(source)) return decision;
  Stripe& stripe = StripeFor(source);
  std::lock_guard lock(stripe.mu);
  SourceState* state = Track(stripe, source, now_ms);
  if (state == nullptr) {
    decision.untracked = true;
    return decision;
  }
  if (state->Banned(now_ms)) {
    ++state->refused_while_banned;
    decision.verdict = Verdict::kBanned;
    return decision;
  }
  if (settings_.max_connections_per_source > 0 &&
      state->open_connections >= settings_.max_connections_per_source) {
    decision.verdict = Verdict::kTooManyConnections;
  } else if (!state->bucket.TryTake(connect_rate_, BucketTime(now_ms))) {
    decision.verdict = Verdict::kRateLimited;
  }
  if (decision.verdict != Verdict::kAdmitted) {
    if (settings_.ban_refusal_limit > 0 &&
        state->refusals.Add(now_ms, settings_.ban_window_ms) >= settings_.ban_refusal_limit) {
      IssueBan(*state, BanOrigin::kAutomatic,
               absl::StrFormat("%d connections refused within %d s", settings_.ban_refusal_limit,
                               settings_.ban_window_ms / 1000),
               settings_.ban_duration_ms, now_ms);
      decision.ban_issued = true;
    }
    return decision;
  }
  ++state->open_connections;
  decision.ticket.counted = true;
  return decision;
}

void StripedSourceTable::Release(const Ticket& ticket) {
  if (!ticket.counted) return;
  Stripe& stripe = StripeFor(ticket.source);
  std::lock_guard lock(stripe.mu);
  // A counted entry is never evicted while it has open connections.
  if (SourceState* state = stripe.map.Find(ticket.source)) {
    if (state->open_connections > 0) --state->open_connections;
  }
}

bool StripedSourceTable::NoteFailure(const SourceAddress& source, int64_t now_ms) {
  if (settings_.ban_failure_limit == 0 || settings_.allowlist.Contains(source)) return false;
  Stripe& stripe = StripeFor(source);
  std::lock_guard lock(stripe.mu);
  SourceState* state = Track(stripe, source, now_ms);
  if (state == nullptr || state->Banned(now_ms)) return false;
  if (state->failures.Add(now_ms, settings_.ban_window_ms) < settings_.ban_failure_limit) {
    return false;
  }
  IssueBan(*state, BanOrigin::kAutomatic,
           absl::StrFormat("%d handshake or auth failures within %d s",
                           settings_.ban_failure_limit, settings_.ban_window_ms / 1000),
           settings_.ban_duration_ms, now_ms);
  return true;
}

void StripedSourceTable::IssueBan(SourceState& state, BanOrigin origin, std::string reason,
                                  int64_t duration_ms, int64_t now_ms) {
  state.banned_at_ms = now_ms;
  state.ban_expires_at_ms = now_ms + std::max<int64_t>(1, duration_ms);
  state.ban_origin = origin;
  state.ban_reason = std::move(reason);
  state.refused_while_banned = 0;
  // The offences are paid for; after the ban the address starts clean.
  state.refusals.Reset();
  state.failures.Reset();
}

Ban StripedSourceTable::Describe(const SourceAddress& address, const SourceState& state) {
  return Ban{address,           state.ban_reason,        state.ban_origin,
             state.banned_at_ms, state.ban_expires_at_ms, state.refused_while_banned};
}

std::vector<Ban> StripedSourceTable::ListBans(int64_t now_ms) {
  std::vector<Ban> bans;
  for (auto& stripe : stripes_) {
    std::lock_guard lock(stripe->mu);
    stripe->map.ForEach([&](const SourceAddress& address, const SourceState& state) {
      if (state.Banned(now_ms)) bans.push_back(Describe(address, state));
    });
  }
  std::sort(bans.begin(), bans.end(), [](const Ban& a, const Ban& b) {
    return a.expires_at_ms != b.expires_at_ms ? a.expires_at_ms < b.expires_at_ms
                                              : a.address.bytes() < b.address.bytes();
  });
  return bans;
}

absl::StatusOr<Ban> StripedSourceTable::AddBan(const SourceAddress& source, int64_t duration_ms,
                                               const std::string& reason, int64_t now_ms) {
  if (settings_.allowlist.Contains(source)) {
    return absl::FailedPreconditionError(
        absl::StrFormat("%s is in the admission allowlist and cannot be banned", source.ToString()));
  }
  Stripe& stripe = StripeFor(source);
  std::lock_guard lock(stripe.mu);
  SourceState* state = Track(stripe, source, now_ms);
  if (state == nullptr) {
    return absl::ResourceExhaustedError(
        "the source table is full of bans and live addresses; try again later");
  }
  // An existing longer ban stays in force; the new reason is recorded.
  const int64_t expires = std::max(state->Banned(now_ms) ? state->ban_expires_at_ms : 0,
                                   now_ms + std::max<int64_t>(1, duration_ms));
  IssueBan(*state, BanOrigin::kManual, reason, expires - now_ms, now_ms);
  return Describe(source, *state);
}

absl::StatusOr<Ban> StripedSourceTable::LiftBan(const SourceAddress& source, int64_t now_ms) {
  Stripe& stripe = StripeFor(source);
  std::lock_guard lock(stripe.mu);
  SourceState* state = stripe.map.Find(source);
  if (state == nullptr || !state->Banned(now_ms)) {
    return absl::NotFoundError(absl::StrFormat("%s is not banned", source.ToString()));
  }
  Ban lifted = Describe(source, *state);
  state->ban_expires_at_ms = 0;
  state->ban_reason.clear();
  return lifted;
}

size_t StripedSourceTable::tracked_sources() {
  size_t total = 0;
  for (auto& stripe : stripes_) {
    std::lock_guard lock(stripe->mu);
    total += stripe->map.size();
  }
  return total;
}

}  // namespace botrelay::admission
