#pragma once
// What the benchmark reads about processes: a server's resident set and CPU
// time from /proc/<pid>, its own CPU time from getrusage.

#include <sys/types.h>

#include <cstdint>
#include <optional>

namespace botrelay::bench {

// VmRSS of /proc/<pid>/status, in KiB.
std::optional<int64_t> ReadRssKib(pid_t pid);
// utime + stime of /proc/<pid>/stat (all threads), in seconds.
std::optional<double> ReadCpuSeconds(pid_t pid);
// User + system CPU of this process (all threads), in seconds.
double SelfCpuSeconds();

}  // namespace botrelay::bench
