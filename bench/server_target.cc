#include "bench/server_target.h"

#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <charconv>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/wire.h"

extern char** environ;

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
  ServerTarget target{std::string(*bot), *endpoint, 0};
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

absl::StatusOr<std::unique_ptr<ReferenceServerProcess>> ReferenceServerProcess::Start(int threads) {
  char dir_template[] = "/tmp/relaybench-ref-XXXXXX";
  if (::mkdtemp(dir_template) == nullptr) return absl::InternalError("mkdtemp failed");
  const std::string dir = dir_template;
  const std::string ready = dir + "/ready.json";
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::vector<std::string> args = {self, "reference-server", "--listen", "127.0.0.1:0",
                                   "--ready-file", ready, "--threads", std::to_string(threads)};
  std::vector<char*> argv;
  for (std::string& arg : args) argv.push_back(arg.data());
  argv.push_back(nullptr);
  pid_t pid = 0;
  if (const int error = ::posix_spawn(&pid, self.c_str(), nullptr, nullptr, argv.data(), environ);
      error != 0) {
    return absl::InternalError(absl::StrCat("cannot start the reference server: ", strerror(error)));
  }
  absl::StatusOr<ServerTarget> target = ReadReadyFile(ready, 10);
  if (!target.ok()) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return target.status();
  }
  target->label = "reference";
  target->pid = pid;
  return std::unique_ptr<ReferenceServerProcess>(new ReferenceServerProcess(pid, dir, *target));
}

ReferenceServerProcess::~ReferenceServerProcess() {
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  while (::waitpid(pid_, nullptr, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() >= deadline) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  std::error_code ignored;
  std::filesystem::remove_all(dir_, ignored);
}

}  // namespace botrelay::bench
