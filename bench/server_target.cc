#include "bench/server_target.h"

#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/wire.h"

namespace botrelay::bench {

absl::StatusOr<ServerTarget> ReadReadyFile(const std::string& path, double timeout_s) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(static_cast<int64_t>(timeout_s * 1000));
  std::string content;
  while (true) {
    std::ifstream in(path);
    if (in) {
      std::stringstream buffer;
      buffer << in.rdbuf();
      content = buffer.str();
      if (!content.empty()) break;
    }
    if (std::chrono::steady_clock::now() >= deadline) {
      return absl::DeadlineExceededError(absl::StrCat("ready file ", path, " did not appear"));
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  std::optional<std::string_view> bot = FindString(content, "bot");
  if (!bot) return absl::InvalidArgumentError(absl::StrCat(path, ": no \"bot\" address"));
  absl::StatusOr<Endpoint> endpoint = ParseLoopbackEndpoint(std::string(*bot));
  if (!endpoint.ok()) return endpoint.status();
  ServerTarget target{std::string(*bot), *endpoint, 0, std::nullopt};
  if (std::optional<std::string_view> metrics = FindString(content, "metrics")) {
    absl::StatusOr<Endpoint> metrics_endpoint = ParseLoopbackEndpoint(std::string(*metrics));
    if (!metrics_endpoint.ok()) return metrics_endpoint.status();
    target.metrics = *metrics_endpoint;
  }
  if (const size_t at = content.find("\"pid\":"); at != std::string::npos) {
    const char* begin = content.data() + at + 6;
    std::from_chars(begin, content.data() + content.size(), target.pid);
  }
  return target;
}

bool WriteReadyFile(const std::string& path, const Endpoint& bot) {
  const std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << "{\"bot\":\"" << bot.ToString() << "\",\"pid\":" << ::getpid() << "}\n";
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace botrelay::bench
