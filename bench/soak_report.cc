#include "bench/soak_report.h"

#include <algorithm>
#include <cstdio>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "bench/run_report.h"

namespace botrelay::bench {
namespace {

int64_t Get(const SoakTally::Counter& counter) { return SoakTally::Get(counter); }

template <typename T>
std::string OrNull(const std::optional<T>& value) {
  return value ? absl::StrCat(*value) : "null";
}

std::string MapJson(const std::map<std::string, int64_t>& map) {
  std::string out = "{";
  for (const auto& [key, value] : map) {
    if (out.size() > 1) out += ',';
    absl::StrAppend(&out, JsonString(key), ":", value);
  }
  return out + "}";
}

int64_t Sum(const std::array<SoakTally::Counter, kBadInputKinds>& counters) {
  int64_t total = 0;
  for (const auto& c : counters) total += Get(c);
  return total;
}

}  // namespace

bool SoakReport::ok() const {
  return tally->failure_count() == 0 && stats.errors.empty() && Get(tally->echo_answered) > 0 &&
         reconciled && std::all_of(checks.begin(), checks.end(), [](const auto& c) { return c.ok(); });
}

std::string ProgressLine(const SoakTally& t, int connections, const ProgressSample& now,
                         const ProgressSample& previous, std::optional<int64_t> rss_kib) {
  const double span = now.elapsed_s - previous.elapsed_s;
  const auto rate = [span](int64_t a, int64_t b) { return span > 0 ? (a - b) / span : 0.0; };
  std::string bad;
  for (int k = 0; k < kBadInputKinds; ++k) {
    absl::StrAppend(&bad, k ? " " : "", std::string(BadInputName(static_cast<BadInput>(k))), " ",
                    Get(t.bad_verified[k]), "/", Get(t.bad_sent[k]));
  }
  std::string churn;
  for (int k = 0; k < kChurnKinds; ++k) {
    absl::StrAppend(&churn, k ? " " : "", std::string(ChurnName(static_cast<ChurnKind>(k))), " ",
                    Get(t.churn_completed[k]));
  }
  std::string failures;
  for (const auto& [kind, count] : t.failures()) absl::StrAppend(&failures, " ", kind, "=", count);
  return absl::StrFormat(
      "soak %6.0fs  held %d/%d  echo %d sent %.0f/s, %d answered %.0f/s, %d refused  "
      "churn %s  bad(verified/sent) %s  relayd RSS %s  failures %d%s",
      now.elapsed_s, Get(t.held), connections, now.echo_sent, rate(now.echo_sent, previous.echo_sent),
      now.echo_answered, rate(now.echo_answered, previous.echo_answered), Get(t.echo_refused), churn,
      bad, rss_kib ? absl::StrFormat("%.1f MiB", *rss_kib / 1024.0) : std::string("?"),
      t.failure_count(), failures);
}

void PrintSoakText(const SoakReport& r) {
  const SoakTally& t = *r.tally;
  std::printf("== soak against %s (%s): %d connections, %d thread(s), %.0f s (%.0f s elapsed)\n",
              r.server.c_str(), r.target.c_str(), r.connections, r.threads, r.duration_s, r.elapsed_s);
  std::printf("  result         %s\n", r.ok() ? "OK" : "FAILED");
  std::printf("  rates          echo %.1f/s, churn %.2f/s, bad inputs %.2f/s\n", r.echo_rate,
              r.churn_rate, r.bad_rate);
  std::printf(
      "  echo           %lld sent, %lld answered (%lld on a takeover's successor, %lld late), "
      "%lld refused, %lld abandoned by resets, %lld lost; %lld duplicate, %lld misrouted, "
      "%lld unknown; %lld skipped\n",
      (long long)Get(t.echo_sent), (long long)Get(t.echo_answered),
      (long long)Get(t.echo_answered_on_successor), (long long)Get(t.echo_answered_late),
      (long long)Get(t.echo_refused), (long long)Get(t.echo_abandoned), (long long)Get(t.echo_lost),
      (long long)Get(t.echo_duplicate), (long long)Get(t.echo_misrouted),
      (long long)Get(t.echo_unknown), (long long)Get(t.echo_skipped));
  std::printf("  latency        %s\n", LatencyText(r.stats.reply_latency).c_str());
  std::printf("  connections    %lld established, %lld approved + %lld pending handshakes, "
              "%lld pings answered\n",
              (long long)Get(t.connections_established), (long long)Get(t.handshakes_approved),
              (long long)Get(t.handshakes_pending), (long long)r.stats.pings_answered);
  for (int k = 0; k < kChurnKinds; ++k) {
    std::printf("  churn %-8s %lld started, %lld completed\n",
                std::string(ChurnName(static_cast<ChurnKind>(k))).c_str(),
                (long long)Get(t.churn_started[k]), (long long)Get(t.churn_completed[k]));
  }
  std::printf("  churn skipped  %lld\n", (long long)Get(t.churn_skipped));
  for (int k = 0; k < kBadInputKinds; ++k) {
    const auto kind = static_cast<BadInput>(k);
    std::printf("  bad %-15s %lld sent, %lld got %s\n", std::string(BadInputName(kind)).c_str(),
                (long long)Get(t.bad_sent[k]), (long long)Get(t.bad_verified[k]),
                std::string(ExpectedCode(kind)).c_str());
  }
  std::printf("  bad skipped    %lld\n", (long long)Get(t.bad_skipped));
  for (const auto& [code, count] : t.refusals()) {
    std::printf("  refused        %s: %lld\n", code.c_str(), (long long)count);
  }
  if (r.rss_start_kib && r.rss_end_kib) {
    std::printf("  relayd RSS     %lld KiB at start, %lld KiB at end, %lld KiB highest sample\n",
                (long long)*r.rss_start_kib, (long long)*r.rss_end_kib,
                (long long)r.rss_max_kib.value_or(0));
  }
  if (!r.reconciled) std::printf("  relayd counters not compared: %s\n", r.reconcile_note.c_str());
  for (const ReconciliationCheck& c : r.checks) {
    std::printf("  %s %-60s %10.0f  want %.0f..%.0f (%s)\n", c.ok() ? "  " : "!!", c.series.c_str(),
                c.relayd, c.low, c.high, c.soak.c_str());
  }
  for (const auto& [kind, count] : t.failures()) {
    std::printf("  FAILURE        %s: %lld\n", kind.c_str(), (long long)count);
  }
  for (const auto& [kind, count] : r.stats.errors) {
    std::printf("  ERROR          %s: %lld\n", kind.c_str(), (long long)count);
  }
}

std::string SoakJson(const SoakReport& r) {
  const SoakTally& t = *r.tally;
  std::string churn = "{";
  for (int k = 0; k < kChurnKinds; ++k) {
    absl::StrAppend(&churn, k ? "," : "", JsonString(std::string(ChurnName(static_cast<ChurnKind>(k)))),
                    ":{\"started\":", Get(t.churn_started[k]), ",\"completed\":",
                    Get(t.churn_completed[k]), "}");
  }
  absl::StrAppend(&churn, ",\"skipped\":", Get(t.churn_skipped), "}");
  std::string bad = "{";
  for (int k = 0; k < kBadInputKinds; ++k) {
    const auto kind = static_cast<BadInput>(k);
    absl::StrAppend(&bad, k ? "," : "", JsonString(std::string(BadInputName(kind))),
                    ":{\"sent\":", Get(t.bad_sent[k]), ",\"verified\":", Get(t.bad_verified[k]),
                    ",\"code\":", JsonString(std::string(ExpectedCode(kind))), "}");
  }
  absl::StrAppend(&bad, ",\"skipped\":", Get(t.bad_skipped), "}");
  std::string checks = "[";
  for (const ReconciliationCheck& c : r.checks) {
    if (checks.size() > 1) checks += ',';
    absl::StrAppend(&checks, "{\"series\":", JsonString(c.series), ",\"soak\":", JsonString(c.soak),
                    ",\"relayd\":", c.relayd, ",\"low\":", c.low, ",\"high\":", c.high,
                    ",\"ok\":", c.ok() ? "true" : "false", "}");
  }
  checks += "]";
  return absl::StrCat(
      "{\"mode\":\"soak\",\"server\":", JsonString(r.server), ",\"target\":", JsonString(r.target),
      ",\"ok\":", r.ok() ? "true" : "false", ",\"connections\":", r.connections,
      ",\"threads\":", r.threads, ",\"duration_s\":", r.duration_s, ",\"elapsed_s\":", r.elapsed_s,
      ",\"rates\":{\"echo\":", r.echo_rate, ",\"churn\":", r.churn_rate, ",\"bad\":", r.bad_rate, "}",
      ",\"echo\":{\"sent\":", Get(t.echo_sent), ",\"answered\":", Get(t.echo_answered),
      ",\"answered_on_successor\":", Get(t.echo_answered_on_successor),
      ",\"late\":", Get(t.echo_answered_late), ",\"refused\":", Get(t.echo_refused),
      ",\"abandoned\":", Get(t.echo_abandoned), ",\"lost\":", Get(t.echo_lost),
      ",\"duplicate\":", Get(t.echo_duplicate), ",\"misrouted\":", Get(t.echo_misrouted),
      ",\"unknown\":", Get(t.echo_unknown), ",\"skipped\":", Get(t.echo_skipped),
      ",\"refused_input_answered\":", Get(t.refused_input_answered), "}",
      ",\"latency\":", LatencyJson(r.stats.reply_latency),
      ",\"connections_established\":", Get(t.connections_established),
      ",\"handshakes_approved\":", Get(t.handshakes_approved),
      ",\"handshakes_pending\":", Get(t.handshakes_pending),
      ",\"pings_answered\":", r.stats.pings_answered, ",\"churn\":", churn, ",\"bad\":", bad,
      ",\"bad_total\":{\"sent\":", Sum(t.bad_sent), ",\"verified\":", Sum(t.bad_verified), "}",
      ",\"refused\":", MapJson(t.refusals()), ",\"relayd_rss_start_kib\":", OrNull(r.rss_start_kib),
      ",\"relayd_rss_end_kib\":", OrNull(r.rss_end_kib),
      ",\"relayd_rss_max_kib\":", OrNull(r.rss_max_kib),
      ",\"reconciled\":", r.reconciled ? "true" : "false",
      ",\"reconcile_note\":", JsonString(r.reconcile_note), ",\"reconciliation\":", checks,
      ",\"failures\":", MapJson(t.failures()), ",\"errors\":", MapJson(r.stats.errors), "}");
}

}  // namespace botrelay::bench
