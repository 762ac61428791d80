#include "dataplane/log/logger.h"

#include <unistd.h>

#include <chrono>
#include <ctime>

namespace botrelay::log {

namespace internal {
std::atomic<int> min_level{static_cast<int>(Level::kInfo)};

void Emit(Level level, const std::string& message) {
  static constexpr const char* kNames[] = {"DEBUG", "INFO", "WARN", "ERROR"};
  auto now = std::chrono::system_clock::now();
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
  std::time_t secs = static_cast<std::time_t>(ms / 1000);
  std::tm tm{};
  gmtime_r(&secs, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof(stamp), "%Y-%m-%dT%H:%M:%S", &tm);
  std::string line = absl::StrFormat("%s.%03dZ %-5s %s\n", stamp, static_cast<int>(ms % 1000),
                                     kNames[static_cast<int>(level)], message);
  // One write per line: atomic for lines under PIPE_BUF on pipes, and never
  // interleaved mid-line on files opened with O_APPEND.
  ssize_t ignored = ::write(STDERR_FILENO, line.data(), line.size());
  (void)ignored;
}
}  // namespace internal

void SetLevel(Level level) { internal::min_level.store(static_cast<int>(level)); }

bool ParseLevel(std::string_view name, Level* out) {
  if (name == "debug") *out = Level::kDebug;
  else if (name == "info") *out = Level::kInfo;
  else if (name == "warn" || name == "warning") *out = Level::kWarn;
  else if (name == "error") *out = Level::kError;
  else return false;
  return true;
}

}  // namespace botrelay::log
