#include "controlplane/process_metrics.h"

#include <dirent.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <fstream>
#include <limits>
#include <sstream>
#include <string>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace botrelay::controlplane {
namespace {

constexpr double kUnreadable = std::numeric_limits<double>::quiet_NaN();

// Field numbers of proc(5), counted after the command name, which is field 2.
constexpr int kFirstFieldAfterComm = 3;
constexpr int kUtimeField = 14;
constexpr int kStimeField = 15;
constexpr int kStartTimeField = 22;

std::string ReadFile(const char* path) {
  std::ifstream in(path);
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

bool ParseUnsigned(std::string_view token, uint64_t* value) {
  const auto [end, ec] = std::from_chars(token.data(), token.data() + token.size(), *value);
  return ec == std::errc() && end == token.data() + token.size();
}

double ClockTicksPerSecond() { return static_cast<double>(::sysconf(_SC_CLK_TCK)); }
double PageSizeBytes() { return static_cast<double>(::sysconf(_SC_PAGESIZE)); }

double CpuSeconds() {
  absl::StatusOr<ProcStat> stat = ParseProcStat(ReadFile("/proc/self/stat"));
  if (!stat.ok()) return kUnreadable;
  return static_cast<double>(stat->utime_ticks + stat->stime_ticks) / ClockTicksPerSecond();
}

// /proc/self/statm: size resident shared text lib data dt, in pages.
double StatmPages(int field) {
  std::istringstream in(ReadFile("/proc/self/statm"));
  uint64_t value = 0;
  for (int i = 0; i <= field; ++i) {
    if (!(in >> value)) return kUnreadable;
  }
  return static_cast<double>(value) * PageSizeBytes();
}

double OpenFds() {
  DIR* dir = ::opendir("/proc/self/fd");
  if (dir == nullptr) return kUnreadable;
  int count = 0;
  while (const dirent* entry = ::readdir(dir)) {
    if (entry->d_name[0] != '.') ++count;
  }
  ::closedir(dir);
  return count - 1;  // the descriptor opendir itself holds
}

double MaxFds() {
  rlimit limit{};
  if (::getrlimit(RLIMIT_NOFILE, &limit) != 0) return kUnreadable;
  return static_cast<double>(limit.rlim_cur);
}

// Boot time (the "btime" line of /proc/stat) plus the process's start tick.
double StartTimeSeconds() {
  absl::StatusOr<ProcStat> stat = ParseProcStat(ReadFile("/proc/self/stat"));
  if (!stat.ok()) return kUnreadable;
  std::istringstream in(ReadFile("/proc/stat"));
  std::string key;
  uint64_t boot_time = 0;
  while (in >> key) {
    if (key == "btime" && in >> boot_time) {
      return static_cast<double>(boot_time) +
             static_cast<double>(stat->start_time_ticks) / ClockTicksPerSecond();
    }
    in.ignore(std::numeric_limits<std::streamsize>::max(), '\n');
  }
  return kUnreadable;
}

}  // namespace

absl::StatusOr<ProcStat> ParseProcStat(std::string_view text) {
  const size_t comm_end = text.rfind(')');
  if (comm_end == std::string_view::npos) {
    return absl::InvalidArgumentError("stat text has no command name");
  }
  ProcStat stat;
  int field = kFirstFieldAfterComm;
  size_t pos = comm_end + 1;
  while (field <= kStartTimeField) {
    pos = text.find_first_not_of(' ', pos);
    if (pos == std::string_view::npos) break;
    const size_t end = std::min(text.find_first_of(" \n", pos), text.size());
    const std::string_view token = text.substr(pos, end - pos);
    uint64_t* target = field == kUtimeField       ? &stat.utime_ticks
                       : field == kStimeField     ? &stat.stime_ticks
                       : field == kStartTimeField ? &stat.start_time_ticks
                                                  : nullptr;
    if (target != nullptr && !ParseUnsigned(token, target)) {
      return absl::InvalidArgumentError(absl::StrCat("stat field ", field, " is not a number"));
    }
    ++field;
    pos = end;
  }
  if (field <= kStartTimeField) {
    return absl::InvalidArgumentError(absl::StrCat("stat text ends before field ", field));
  }
  return stat;
}

void RegisterProcessMetrics(metrics::Registry& registry) {
  registry.AddCallbackGauge("process_cpu_seconds_total",
                            "Total user and system CPU time spent in seconds.", {}, CpuSeconds);
  registry.AddCallbackGauge("process_resident_memory_bytes", "Resident memory size in bytes.", {},
                            [] { return StatmPages(1); });
  registry.AddCallbackGauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", {},
                            [] { return StatmPages(0); });
  registry.AddCallbackGauge("process_open_fds", "Number of open file descriptors.", {}, OpenFds);
  registry.AddCallbackGauge("process_max_fds", "Maximum number of open file descriptors.", {},
                            MaxFds);
  // The start time never changes: read once, not on every scrape.
  const double start_time = StartTimeSeconds();
  registry.AddCallbackGauge("process_start_time_seconds",
                            "Start time of the process since unix epoch in seconds.", {},
                            [start_time] { return start_time; });
}

}  // namespace botrelay::controlplane
