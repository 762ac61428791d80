#pragma once
// --compare-reference: the same load against a freshly started reference
// server and against the target, in one invocation, with their ratio.

#include "bench/bench_options.h"
#include "bench/server_target.h"

namespace botrelay::bench {

// Returns the process exit code: 0 only if both runs were clean.
int RunComparison(const BenchOptions& options, const ServerTarget& target);

}  // namespace botrelay::bench
