#include "controlplane/log.h"

#include <unistd.h>

#include <string>

namespace botrelay::controlplane {

void LogLine(std::string_view message) {
  std::string line = "controlplane: ";
  line.append(message);
  line.push_back('\n');
  // stderr is unbuffered; a failed log write has nowhere else to go.
  [[maybe_unused]] ssize_t written = ::write(STDERR_FILENO, line.data(), line.size());
}

}  // namespace botrelay::controlplane
