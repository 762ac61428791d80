#pragma once
// Process-wide line logger: one line per event, written with a single
// write(2) so lines from different threads never interleave. Formatting
// happens only when the level is enabled.
//
//   RELAY_LOG(kInfo, "accepted peer=%s conn=%u", peer, id);

#include <atomic>
#include <string_view>

#include "absl/strings/str_format.h"

namespace botrelay::log {

enum class Level : int { kDebug = 0, kInfo = 1, kWarn = 2, kError = 3 };

void SetLevel(Level level);
// "debug", "info", "warn", "error"; false if unknown.
bool ParseLevel(std::string_view name, Level* out);

namespace internal {
extern std::atomic<int> min_level;
void Emit(Level level, const std::string& line);
}  // namespace internal

inline bool Enabled(Level level) {
  return static_cast<int>(level) >= internal::min_level.load(std::memory_order_relaxed);
}

}  // namespace botrelay::log

#define RELAY_LOG(level, ...)                                                           \
  do {                                                                                  \
    if (::botrelay::log::Enabled(::botrelay::log::Level::level)) {                      \
      ::botrelay::log::internal::Emit(::botrelay::log::Level::level,                    \
                                      ::absl::StrFormat(__VA_ARGS__));                  \
    }                                                                                   \
  } while (0)
