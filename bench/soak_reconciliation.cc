#include "bench/soak_reconciliation.h"

#include <algorithm>
#include <set>

#include "absl/strings/str_cat.h"

namespace botrelay::bench {
namespace {

constexpr std::string_view kErrorsSent = "botrelay_errors_sent_total{code=\"";

std::string ErrorsSent(std::string_view code) { return std::string(kErrorsSent).append(code).append("\"}"); }

double Delta(const MetricSamples& before, const MetricSamples& after, std::string_view series) {
  return SampleOf(after, series) - SampleOf(before, series);
}

}  // namespace

std::vector<ReconciliationCheck> Reconcile(const SoakCounts& counts, const MetricSamples& before,
                                           const MetricSamples& after) {
  const SoakTally& t = counts.tally;
  auto get = [](const SoakTally::Counter& c) { return static_cast<double>(SoakTally::Get(c)); };
  auto sent = [&](BadInput kind) { return get(t.bad_sent[static_cast<int>(kind)]); };
  auto churned = [&](ChurnKind kind) { return get(t.churn_started[static_cast<int>(kind)]); };

  std::vector<ReconciliationCheck> checks;
  auto check = [&](std::string series, std::string soak, double low, double high) {
    const double relayd = Delta(before, after, series);
    checks.push_back({std::move(series), std::move(soak), relayd, low, high});
  };
  auto exactly = [&](std::string series, std::string soak, double value) {
    check(std::move(series), std::move(soak), value, value);
  };

  const double answered = get(t.echo_answered);
  const double abandoned = get(t.echo_abandoned);
  const double accepted = Delta(before, after, "botrelay_messages_accepted_total");
  // Every accepted echo was answered to the soak, except those whose
  // connection the soak itself reset before the answer came.
  check("botrelay_messages_accepted_total", "echo answered .. + abandoned", answered,
        answered + abandoned);
  // relayd's own books: everything it accepted, it finished.
  exactly("botrelay_messages_answered_total", "relayd's messages_accepted_total", accepted);
  check("botrelay_replies_undeliverable_total", "0 .. echo abandoned + lost", 0,
        abandoned + get(t.echo_lost));

  exactly(ErrorsSent("invalid_json"), "malformed_json sent", sent(BadInput::kMalformedJson));
  // Undecodable lines: on an established connection and before a handshake alike.
  exactly("botrelay_messages_in_total{event=\"invalid\"}", "malformed_json + garbage sent",
          sent(BadInput::kMalformedJson) + sent(BadInput::kGarbage));
  exactly(ErrorsSent("line_too_long"), "oversize_line sent", sent(BadInput::kOversizeLine));
  exactly(ErrorsSent("auth_failed"), "bad_signature sent", sent(BadInput::kBadSignature));
  exactly("botrelay_auth_failures_total{reason=\"bad_signature\"}", "bad_signature sent",
          sent(BadInput::kBadSignature));
  exactly(ErrorsSent("replay"), "replay sent", sent(BadInput::kReplay));
  exactly("botrelay_replays_total", "replay sent", sent(BadInput::kReplay));
  exactly(ErrorsSent("device_not_approved"), "unknown_device sent", sent(BadInput::kUnknownDevice));
  exactly(ErrorsSent("handshake_invalid"), "garbage sent", sent(BadInput::kGarbage));
  exactly("botrelay_handshakes_total{result=\"invalid\"}", "garbage sent", sent(BadInput::kGarbage));
  exactly(ErrorsSent("handshake_timeout"), "half_open sent", sent(BadInput::kHalfOpen));
  exactly("botrelay_handshakes_total{result=\"timeout\"}", "half_open sent", sent(BadInput::kHalfOpen));
  // A reset socket's key may still be registered when its reconnect
  // arrives: relayd then also replaces the dead session.
  const double takeovers = get(t.churn_completed[static_cast<int>(ChurnKind::kTakeover)]);
  check(ErrorsSent("session_replaced"), "takeovers .. + resets", takeovers,
        takeovers + churned(ChurnKind::kReset));
  exactly("botrelay_handshakes_total{result=\"approved\"}", "approved handshakes",
          get(t.handshakes_approved));
  exactly("botrelay_handshakes_total{result=\"pending\"}", "pending handshakes (probes)",
          get(t.handshakes_pending));

  // Error events of codes the soak did not provoke: each one it saw refused an echo.
  static const std::set<std::string, std::less<>> kProvoked = {
      "invalid_json", "line_too_long", "auth_failed", "replay", "device_not_approved",
      "handshake_invalid", "handshake_timeout", "session_replaced"};
  double other_errors = 0;
  for (const auto& [series, value] : after) {
    if (!series.starts_with(kErrorsSent)) continue;
    const std::string_view code =
        std::string_view(series).substr(kErrorsSent.size(), series.size() - kErrorsSent.size() - 2);
    if (kProvoked.count(code) == 0) other_errors += value - SampleOf(before, series);
  }
  checks.push_back({"botrelay_errors_sent_total{code=<any other>}", "echo refusals seen",
                    other_errors, get(t.echo_refused), get(t.echo_refused)});

  exactly("botrelay_ping_timeouts_total", "0", 0);
  exactly("botrelay_slow_consumer_closes_total", "0", 0);
  exactly("botrelay_connections_rejected_total{reason=\"server_busy\"}", "0", 0);
  // A pong can die with its socket (reset, takeover, probe close); none is invented.
  const double pongs = static_cast<double>(counts.pings_answered);
  double closes = churned(ChurnKind::kReset) + churned(ChurnKind::kClean) +
                  churned(ChurnKind::kTakeover);
  for (int k = 0; k < kBadInputKinds; ++k) closes += get(t.bad_sent[k]);
  check("botrelay_ping_replies_total", "pongs sent - closes .. pongs sent", std::max(0.0, pongs - closes),
        pongs);
  exactly("botrelay_connections_accepted_total", "connections established",
          get(t.connections_established));
  return checks;
}

}  // namespace botrelay::bench
