#include "bench/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <filesystem>
#include <thread>

#include "absl/strings/str_cat.h"
#include "bench/approve_db.h"

extern char** environ;

namespace botrelay::bench {

absl::StatusOr<std::string> MakeTempDir(const std::string& prefix) {
  std::string pattern = "/tmp/" + prefix + "-XXXXXX";
  if (::mkdtemp(pattern.data()) == nullptr) {
    return absl::InternalError(absl::StrCat("mkdtemp: ", strerror(errno)));
  }
  return pattern;
}

absl::StatusOr<std::unique_ptr<ServerProcess>> ServerProcess::Start(
    const std::string& program, const std::vector<std::string>& args, std::string dir,
    std::string label, const std::string& log_path) {
  std::vector<std::string> argv_storage = {program};
  argv_storage.insert(argv_storage.end(), args.begin(), args.end());
  std::vector<char*> argv;
  for (std::string& arg : argv_storage) argv.push_back(arg.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  const std::string output = log_path.empty() ? "/dev/null" : log_path;
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, output.c_str(),
                                   O_WRONLY | O_CREAT | O_APPEND, 0644);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  pid_t pid = 0;
  const int error =
      ::posix_spawn(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  if (error != 0) {
    std::error_code ignored;
    std::filesystem::remove_all(dir, ignored);
    return absl::InternalError(absl::StrCat("cannot start ", program, ": ", strerror(error)));
  }
  absl::StatusOr<ServerTarget> target = ReadReadyFile(dir + "/ready.json", 10);
  // From here the handle owns the process and the directory.
  std::unique_ptr<ServerProcess> process(new ServerProcess(pid, std::move(dir), ServerTarget{}));
  if (!target.ok()) return target.status();
  target->label = std::move(label);
  target->pid = pid;
  process->target_ = *target;
  return process;
}

ServerProcess::~ServerProcess() {
  ::kill(pid_, SIGTERM);
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
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

absl::StatusOr<std::unique_ptr<ServerProcess>> StartReferenceServer(int threads, double ping_interval_s) {
  absl::StatusOr<std::string> dir = MakeTempDir("relaybench-ref");
  if (!dir.ok()) return dir.status();
  const std::string self = std::filesystem::read_symlink("/proc/self/exe").string();
  return ServerProcess::Start(self,
                              {"reference-server", "--listen", "127.0.0.1:0", "--ready-file",
                               *dir + "/ready.json", "--threads", std::to_string(threads),
                               "--ping-interval", absl::StrCat(ping_interval_s)},
                              *dir, "reference", "");
}

absl::StatusOr<std::unique_ptr<ServerProcess>> StartRelayd(const RelaydLaunch& launch) {
  absl::StatusOr<std::string> dir = MakeTempDir("relaybench-relayd");
  if (!dir.ok()) return dir.status();
  const std::string store = *dir + "/store.db";
  if (absl::Status approved = ApproveBenchDevices(store, launch.bots, launch.devices_per_bot);
      !approved.ok()) {
    std::error_code ignored;
    std::filesystem::remove_all(*dir, ignored);
    return approved;
  }
  std::vector<std::string> args = {"--listen=127.0.0.1:0",
                                   "--admin-listen=127.0.0.1:0",
                                   "--metrics-listen=127.0.0.1:0",
                                   "--ready-file=" + *dir + "/ready.json",
                                   "--store-path=" + store,
                                   "--auth-secret-key=" + launch.secret_key,
                                   "--auth-salt=" + launch.salt,
                                   "--log-level=warn"};
  args.insert(args.end(), launch.extra_args.begin(), launch.extra_args.end());
  return ServerProcess::Start(launch.binary, args, *dir, "relayd", launch.log_path);
}

}  // namespace botrelay::bench
