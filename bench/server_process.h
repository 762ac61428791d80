#pragma once
// A server that relaybench starts as its own child process for one run: the
// reference server (--compare-reference) or the real relayd binary
// (`soak --relayd PATH`). Each runs in a fresh temporary directory, is
// aimed at through the ready file it writes, and is stopped (SIGTERM, then
// SIGKILL after 10 s) and its directory removed when the handle goes away.

#include <sys/types.h>

#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "bench/server_target.h"

namespace botrelay::bench {

class ServerProcess {
 public:
  ~ServerProcess();
  ServerProcess(const ServerProcess&) = delete;
  ServerProcess& operator=(const ServerProcess&) = delete;

  const ServerTarget& target() const { return target_; }

  // Runs `program args...` in the new directory `dir` (owned from now on),
  // its output appended to `log_path` ("" = discarded), and waits up to
  // 10 s for it to write `dir`/ready.json. Its arguments should name that file.
  static absl::StatusOr<std::unique_ptr<ServerProcess>> Start(const std::string& program,
                                                              const std::vector<std::string>& args,
                                                              std::string dir, std::string label,
                                                              const std::string& log_path);

 private:
  ServerProcess(pid_t pid, std::string dir, ServerTarget target)
      : pid_(pid), dir_(std::move(dir)), target_(std::move(target)) {}
  pid_t pid_;
  std::string dir_;
  ServerTarget target_;
};

// A fresh temporary directory "/tmp/<prefix>-XXXXXX".
absl::StatusOr<std::string> MakeTempDir(const std::string& prefix);

// `relaybench reference-server` (this executable) with `threads` threads,
// pinging every handshaken connection each `ping_interval_s` (0: never).
absl::StatusOr<std::unique_ptr<ServerProcess>> StartReferenceServer(int threads, double ping_interval_s);

struct RelaydLaunch {
  std::string binary;
  std::string secret_key;
  std::string salt;
  int bots = 16;
  int devices_per_bot = 1;           // approved in a fresh store, see approve_db.h
  std::vector<std::string> extra_args;  // relayd flags, after the ones set here
  std::string log_path;              // "" = discarded
};

// relayd on loopback ports chosen by the kernel (bot, admin, metrics), with
// a fresh store that approves the benchmark's devices.
absl::StatusOr<std::unique_ptr<ServerProcess>> StartRelayd(const RelaydLaunch& launch);

}  // namespace botrelay::bench
