#pragma once
// Runs the real relayd binary for a test: a fresh temporary directory with
// its own SQLite store, ephemeral loopback ports learnt from --ready-file,
// stderr captured to a file, and a checked shutdown (SIGTERM, wait, SIGKILL
// only as a last resort).

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace botrelay::integration {

struct RelaydOptions {
  // Extra flags, "--name=value". A flag given here replaces the fixture's
  // default for the same name (relayd rejects repeated flags).
  std::vector<std::string> flags;
  std::string secret_key = "integration-test-secret-key";
  std::string salt = "integration-salt";
  // Directory for the store, ready file and log; empty = a fresh temporary
  // directory removed on destruction. Reusing one restarts on the same store.
  std::string dir;
  std::chrono::milliseconds ready_timeout{10000};
  // A command that execs the rest of its arguments in the same process
  // (unshare, setpriv), run in front of relayd: fault tests use it to give
  // relayd a mount namespace with a small tmpfs, or another user.
  std::vector<std::string> command_prefix;
  // Store file; empty = store_path()'s default in `dir`.
  std::string store_path;
};

class RelaydProcess {
 public:
  static absl::StatusOr<std::unique_ptr<RelaydProcess>> Start(const std::string& binary,
                                                              RelaydOptions options);
  // Kills a still-running relayd (SIGKILL) and removes an owned temporary
  // directory (kept if BOTRELAY_KEEP_TEST_DIRS is set).
  ~RelaydProcess();
  RelaydProcess(const RelaydProcess&) = delete;
  RelaydProcess& operator=(const RelaydProcess&) = delete;

  // SIGTERM, then waits up to `timeout` for the exit; SIGKILL after that.
  // Returns the exit code; INTERNAL if relayd died of a signal,
  // DEADLINE_EXCEEDED if it had to be killed. Idempotent.
  absl::StatusOr<int> Stop(std::chrono::milliseconds timeout = std::chrono::milliseconds(10000));
  // Sends a signal without waiting (e.g. SIGTERM to watch a drain).
  void Signal(int signal);
  // Waits for an exit that is already under way; same results as Stop.
  absl::StatusOr<int> Wait(std::chrono::milliseconds timeout);
  bool Running();

  pid_t pid() const { return pid_; }
  uint16_t bot_port() const { return bot_port_; }
  const std::string& bot_address() const { return bot_address_; }          // "127.0.0.1:P"
  const std::string& admin_address() const { return admin_address_; }
  const std::string& metrics_address() const { return metrics_address_; }
  const std::string& dir() const { return dir_; }
  const std::string& store_path() const { return store_path_; }
  std::string log_path() const { return dir_ + "/relayd.stderr.log"; }
  const std::vector<std::string>& argv() const { return argv_; }

  // relayd's stderr so far; LogTail keeps the last `max_bytes`.
  std::string Log() const;
  std::string LogTail(size_t max_bytes = 20000) const;

 private:
  RelaydProcess() = default;
  absl::Status WaitForReadyFile(std::chrono::milliseconds timeout);
  absl::StatusOr<int> ExitStatus(int wait_status);

  pid_t pid_ = -1;
  bool reaped_ = false;
  int exit_wait_status_ = 0;
  bool owns_dir_ = false;
  std::string dir_;
  std::string store_path_;
  std::vector<std::string> argv_;
  uint16_t bot_port_ = 0;
  std::string bot_address_, admin_address_, metrics_address_;
};

}  // namespace botrelay::integration
