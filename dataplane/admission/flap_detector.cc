#include "dataplane/admission/flap_detector.h"

#include <algorithm>

namespace botrelay::admission {

FlapDetector::FlapDetector(const FlapSettings& settings) : settings_(settings) {
  const size_t per_stripe = std::max<size_t>(1, settings_.max_tracked_devices / kStripes);
  for (auto& stripe : stripes_) stripe = std::make_unique<Stripe>(per_stripe);
}

FlapVerdict FlapDetector::OnHandshake(std::string_view bot_name, std::string_view device_id,
                                      int64_t now_ms) {
  FlapVerdict verdict;
  const uint32_t limit = settings_.handshake_limit;
  if (limit == 0) return verdict;
  std::string key;
  key.reserve(bot_name.size() + 1 + device_id.size());
  key.append(bot_name).push_back('\x1f');
  key.append(device_id);
  const size_t hash = std::hash<std::string>()(key);
  Stripe& stripe = *stripes_[(hash >> 7) % kStripes];

  std::lock_guard lock(stripe.mu);
  DeviceState* state = stripe.map.Find(key);
  if (state == nullptr) {
    const int64_t window = settings_.window_ms;
    auto quiet = [now_ms, window](const DeviceState& s) {
      // Forgettable: no cool-down and every remembered handshake out of the window.
      if (s.cooldown_until_ms > now_ms) return false;
      return std::all_of(s.recent.begin(), s.recent.end(),
                         [&](int64_t t) { return now_ms - t >= window; });
    };
    auto not_cooling = [now_ms](const DeviceState& s) { return s.cooldown_until_ms <= now_ms; };
    DeviceState fresh;
    fresh.recent.assign(limit, INT64_MIN / 2);
    state = stripe.map.Insert(key, std::move(fresh), quiet, not_cooling);
    // A full table of cooling-down devices: let this one through rather
    // than refuse a device that did nothing wrong.
    if (state == nullptr) return verdict;
  }
  if (state->cooldown_until_ms > now_ms) {
    verdict.allowed = false;
    verdict.retry_after_ms = state->cooldown_until_ms - now_ms;
    return verdict;
  }
  // The slot about to be overwritten holds the oldest of the last `limit`
  // handshakes: if it is still inside the window, this one is number limit+1.
  const int64_t oldest = state->recent[state->next];
  if (now_ms - oldest < settings_.window_ms) {
    state->cooldown_until_ms = now_ms + settings_.cooldown_ms;
    std::fill(state->recent.begin(), state->recent.end(), INT64_MIN / 2);
    state->next = 0;
    verdict.allowed = false;
    verdict.cooldown_started = true;
    verdict.retry_after_ms = settings_.cooldown_ms;
    return verdict;
  }
  state->recent[state->next] = now_ms;
  state->next = (state->next + 1) % state->recent.size();
  return verdict;
}

size_t FlapDetector::tracked_devices() {
  size_t total = 0;
  for (auto& stripe : stripes_) {
    std::lock_guard lock(stripe->mu);
    total += stripe->map.size();
  }
  return total;
}

}  // namespace botrelay::admission
