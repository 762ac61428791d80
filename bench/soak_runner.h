#pragma once
// Runs a soak (docs/reliability.md): splits the connections over the
// generator threads (one Worker and SoakScenario each, plus spare slots for
// takeovers and probes), prints a progress line every --progress-interval,
// and at the end settles the accounts and reconciles them with relayd's
// /metrics counters.

#include <optional>

#include "absl/status/statusor.h"
#include "bench/bench_options.h"
#include "bench/server_target.h"
#include "bench/soak_report.h"

namespace botrelay::bench {

absl::StatusOr<SoakReport> RunSoak(const BenchOptions& options, const ServerTarget& server);

// `relaybench soak` against `target`, or against a relayd it starts from
// --relayd when there is none; prints the report; returns the exit status
// (0 ok, 1 the soak found a problem, 2 it could not run).
int RunSoakCommand(const BenchOptions& options, std::optional<ServerTarget> target);

}  // namespace botrelay::bench
