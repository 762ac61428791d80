#pragma once
// Runs tests/dataplane/upstream/upstream_test_backend.py (python3's
// http.server) on a loopback port: a real HTTP backend whose behaviour a
// test switches between answering, failing with 500, hanging, sending
// garbage and closing connections.

#include <sys/types.h>

#include <memory>
#include <string>

#include "absl/status/statusor.h"

namespace botrelay::upstream::testing {

struct BackendStats {
  int requests = 0;     // chat requests received
  int connections = 0;  // TCP connections accepted
};

class TestBackend {
 public:
  // Port 0 picks a free one.
  static absl::StatusOr<std::unique_ptr<TestBackend>> Start(uint16_t port = 0);
  ~TestBackend();  // stops the process
  TestBackend(const TestBackend&) = delete;
  TestBackend& operator=(const TestBackend&) = delete;

  uint16_t port() const { return port_; }
  std::string url() const;  // http://127.0.0.1:<port>/bot
  // "ok", "500", "400", "hang", "garbage" or "close" (see the script).
  absl::Status SetMode(const std::string& mode);
  absl::StatusOr<BackendStats> Stats();
  // Stops the process: the port then refuses connections.
  void Stop();

 private:
  TestBackend() = default;
  pid_t pid_ = -1;
  int stdin_fd_ = -1;
  uint16_t port_ = 0;
};

}  // namespace botrelay::upstream::testing
