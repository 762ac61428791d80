#pragma once
// Runs one load mode against one server: splits the connections over the
// generator threads (one Worker each), watches the server from the main
// thread (RSS and CPU at the start and end of the measurement; SIGTERM for
// a drain) and merges what the workers saw into a report.

#include "absl/status/statusor.h"
#include "bench/bench_options.h"
#include "bench/run_report.h"
#include "bench/server_target.h"
#include "bench/worker.h"

namespace botrelay::bench {

bool IsLoadMode(const std::string& mode);
absl::StatusOr<RunReport> RunLoad(const BenchOptions& options, const ServerTarget& server);
// The generator settings the options ask for, aimed at `server`.
WorkerSettings WorkerSettingsFor(const BenchOptions& options, const ServerTarget& server);
// Checks the signing secrets and raises the descriptor limit for `sockets`.
absl::Status PrepareGenerator(const BenchOptions& options, uint64_t sockets);

}  // namespace botrelay::bench
