#include "tests/integration/relayd_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "absl/strings/str_cat.h"
#include "simdjson.h"

namespace botrelay::integration {
namespace {

using Clock = std::chrono::steady_clock;
using namespace std::chrono_literals;

std::string FlagName(const std::string& flag) { return flag.substr(0, flag.find('=')); }

std::string ReadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream out;
  out << in.rdbuf();
  return out.str();
}

absl::StatusOr<uint16_t> PortOf(std::string_view address) {
  const size_t colon = address.rfind(':');
  if (colon == std::string_view::npos) {
    return absl::InvalidArgumentError(absl::StrCat("no port in '", std::string(address), "'"));
  }
  const int port = std::atoi(std::string(address.substr(colon + 1)).c_str());
  if (port <= 0 || port > 65535) {
    return absl::InvalidArgumentError(absl::StrCat("bad port in '", std::string(address), "'"));
  }
  return static_cast<uint16_t>(port);
}

}  // namespace

absl::StatusOr<std::unique_ptr<RelaydProcess>> RelaydProcess::Start(const std::string& binary,
                                                                    RelaydOptions options) {
  std::unique_ptr<RelaydProcess> p(new RelaydProcess());
  if (options.dir.empty()) {
    const char* tmp = std::getenv("TMPDIR");
    std::string pattern = absl::StrCat(tmp && *tmp ? tmp : "/tmp", "/relayd-test-XXXXXX");
    if (::mkdtemp(pattern.data()) == nullptr) {
      return absl::InternalError(absl::StrCat("mkdtemp: ", std::strerror(errno)));
    }
    p->dir_ = pattern;
    p->owns_dir_ = true;
  } else {
    p->dir_ = options.dir;
  }
  p->store_path_ = options.store_path.empty() ? p->dir_ + "/relayd.sqlite3" : options.store_path;
  const std::string ready_file = p->dir_ + "/ready.json";
  std::filesystem::remove(ready_file);

  // Defaults first; a test's flag of the same name replaces the default.
  std::vector<std::string> flags = {
      "--listen=127.0.0.1:0",
      "--admin-listen=127.0.0.1:0",
      "--metrics-listen=127.0.0.1:0",
      "--ready-file=" + ready_file,
      "--store-path=" + p->store_path(),
      "--auth-secret-key=" + options.secret_key,
      "--auth-salt=" + options.salt,
      "--log-level=debug",
      "--drain-deadline=1",
  };
  for (const std::string& extra : options.flags) {
    bool replaced = false;
    for (std::string& f : flags) {
      if (FlagName(f) == FlagName(extra)) {
        f = extra;
        replaced = true;
      }
    }
    if (!replaced) flags.push_back(extra);
  }
  p->argv_ = options.command_prefix;
  p->argv_.push_back(binary);
  p->argv_.insert(p->argv_.end(), flags.begin(), flags.end());

  // Everything the child needs is prepared before fork: only
  // async-signal-safe calls happen between fork and exec.
  std::vector<char*> argv;
  for (std::string& a : p->argv_) argv.push_back(a.data());
  argv.push_back(nullptr);
  const std::string log = p->log_path();
  const int log_fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (log_fd < 0) return absl::InternalError(absl::StrCat("open ", log, ": ", std::strerror(errno)));
  const int null_fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
  const pid_t parent = ::getpid();

  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(log_fd);
    ::close(null_fd);
    return absl::InternalError(absl::StrCat("fork: ", std::strerror(errno)));
  }
  if (pid == 0) {
    // relayd must not outlive a crashed test binary.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    if (::getppid() != parent) ::_exit(127);
    ::dup2(null_fd, 0);
    ::dup2(log_fd, 1);
    ::dup2(log_fd, 2);
    ::execv(argv[0], argv.data());
    ::_exit(127);
  }
  ::close(log_fd);
  ::close(null_fd);
  p->pid_ = pid;

  absl::Status ready = p->WaitForReadyFile(options.ready_timeout);
  if (!ready.ok()) {
    return absl::Status(ready.code(), absl::StrCat(ready.message(), "\nrelayd stderr:\n", p->LogTail()));
  }
  return p;
}

absl::Status RelaydProcess::WaitForReadyFile(std::chrono::milliseconds timeout) {
  const std::string path = dir_ + "/ready.json";
  const Clock::time_point deadline = Clock::now() + timeout;
  while (!std::filesystem::exists(path)) {
    if (!Running()) {
      return absl::FailedPreconditionError(
          absl::StrCat("relayd exited before it was ready (wait status ", exit_wait_status_, ")"));
    }
    if (Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("no ", path, " after ", timeout.count(), " ms"));
    }
    std::this_thread::sleep_for(10ms);
  }
  // Written atomically by rename: the content is complete once it exists.
  const std::string text = ReadFile(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("ready file is not JSON: ", text));
  }
  std::string_view bot, admin, metrics;
  int64_t pid = 0;
  if (root["bot"].get(bot) != simdjson::SUCCESS || root["admin"].get(admin) != simdjson::SUCCESS ||
      root["metrics"].get(metrics) != simdjson::SUCCESS ||
      root["pid"].get(pid) != simdjson::SUCCESS) {
    return absl::DataLossError(absl::StrCat("ready file lacks bot/admin/metrics/pid: ", text));
  }
  if (pid != pid_) {
    return absl::DataLossError(absl::StrCat("ready file pid ", pid, " is not relayd's ", pid_));
  }
  bot_address_ = std::string(bot);
  admin_address_ = std::string(admin);
  metrics_address_ = std::string(metrics);
  absl::StatusOr<uint16_t> port = PortOf(bot_address_);
  if (!port.ok()) return port.status();
  bot_port_ = *port;
  for (std::string_view other : {admin, metrics}) {
    absl::StatusOr<uint16_t> p = PortOf(other);
    if (!p.ok()) return p.status();
  }
  return absl::OkStatus();
}

bool RelaydProcess::Running() {
  if (pid_ <= 0 || reaped_) return false;
  int status = 0;
  const pid_t r = ::waitpid(pid_, &status, WNOHANG);
  if (r == pid_) {
    reaped_ = true;
    exit_wait_status_ = status;
    return false;
  }
  return true;
}

void RelaydProcess::Signal(int signal) {
  if (Running()) ::kill(pid_, signal);
}

absl::StatusOr<int> RelaydProcess::ExitStatus(int wait_status) {
  if (WIFEXITED(wait_status)) return WEXITSTATUS(wait_status);
  if (WIFSIGNALED(wait_status)) {
    return absl::InternalError(absl::StrCat("relayd died of signal ", WTERMSIG(wait_status), " (",
                                            strsignal(WTERMSIG(wait_status)), ")"));
  }
  return absl::InternalError(absl::StrCat("relayd wait status ", wait_status));
}

absl::StatusOr<int> RelaydProcess::Wait(std::chrono::milliseconds timeout) {
  const Clock::time_point deadline = Clock::now() + timeout;
  while (Running()) {
    if (Clock::now() > deadline) {
      ::kill(pid_, SIGKILL);
      int status = 0;
      ::waitpid(pid_, &status, 0);
      reaped_ = true;
      exit_wait_status_ = status;
      return absl::DeadlineExceededError(
          absl::StrCat("relayd did not exit within ", timeout.count(), " ms; killed"));
    }
    std::this_thread::sleep_for(10ms);
  }
  return ExitStatus(exit_wait_status_);
}

absl::StatusOr<int> RelaydProcess::Stop(std::chrono::milliseconds timeout) {
  Signal(SIGTERM);
  return Wait(timeout);
}

RelaydProcess::~RelaydProcess() {
  if (Running()) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  if (owns_dir_ && std::getenv("BOTRELAY_KEEP_TEST_DIRS") == nullptr) {
    std::error_code ignored;
    std::filesystem::remove_all(dir_, ignored);
  }
}

std::string RelaydProcess::Log() const { return ReadFile(log_path()); }

std::string RelaydProcess::LogTail(size_t max_bytes) const {
  std::string log = Log();
  if (log.size() <= max_bytes) return log;
  return absl::StrCat("[... ", log.size() - max_bytes, " bytes omitted ...]\n",
                      log.substr(log.size() - max_bytes));
}

}  // namespace botrelay::integration
