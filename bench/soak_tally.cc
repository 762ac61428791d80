#include "bench/soak_tally.h"

namespace botrelay::bench {

std::string_view BadInputName(BadInput kind) {
  switch (kind) {
    case BadInput::kMalformedJson: return "malformed_json";
    case BadInput::kOversizeLine: return "oversize_line";
    case BadInput::kBadSignature: return "bad_signature";
    case BadInput::kReplay: return "replay";
    case BadInput::kUnknownDevice: return "unknown_device";
    case BadInput::kGarbage: return "garbage";
    case BadInput::kHalfOpen: return "half_open";
  }
  return "?";
}

std::string_view ExpectedCode(BadInput kind) {
  switch (kind) {
    case BadInput::kMalformedJson: return "invalid_json";
    case BadInput::kOversizeLine: return "line_too_long";
    case BadInput::kBadSignature: return "auth_failed";
    case BadInput::kReplay: return "replay";
    case BadInput::kUnknownDevice: return "device_not_approved";
    case BadInput::kGarbage: return "handshake_invalid";
    case BadInput::kHalfOpen: return "handshake_timeout";
  }
  return "?";
}

std::string_view ChurnName(ChurnKind kind) {
  switch (kind) {
    case ChurnKind::kReset: return "reset";
    case ChurnKind::kClean: return "clean";
    case ChurnKind::kTakeover: return "takeover";
  }
  return "?";
}

void SoakTally::AddFailure(std::string_view kind, int64_t n) {
  if (n <= 0) return;
  Add(failure_total_, n);
  std::lock_guard lock(mutex_);
  failures_[std::string(kind)] += n;
}

void SoakTally::AddRefusal(std::string_view code) {
  Add(echo_refused);
  std::lock_guard lock(mutex_);
  ++refusals_[std::string(code)];
}

int64_t SoakTally::failure_count() const { return Get(failure_total_); }

std::map<std::string, int64_t> SoakTally::failures() const {
  std::lock_guard lock(mutex_);
  return failures_;
}

std::map<std::string, int64_t> SoakTally::refusals() const {
  std::lock_guard lock(mutex_);
  return refusals_;
}

}  // namespace botrelay::bench
