#pragma once
// A blocking TCP client socket for LF-framed lines, with deadlines via
// poll(2). TCP_NODELAY is on so that split writes reach the server as
// separate segments. Not thread-safe; one owner thread.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace botrelay::testbot {

class LineSocket {
 public:
  using Clock = std::chrono::steady_clock;

  LineSocket() = default;
  ~LineSocket();
  LineSocket(const LineSocket&) = delete;
  LineSocket& operator=(const LineSocket&) = delete;

  // IPv4 dotted host or "localhost". A non-empty `local_ip` binds the
  // socket's source address first (e.g. 127.0.0.7 to look like another
  // phone to the server).
  absl::Status Connect(const std::string& host, uint16_t port, std::chrono::milliseconds timeout,
                       const std::string& local_ip = "");
  bool is_open() const { return fd_ >= 0; }
  // The local IP address, as Java's getLocalAddress().getHostAddress().
  std::string LocalIp() const;

  absl::Status WriteAll(std::string_view bytes);

  // The next line without its LF. DEADLINE_EXCEEDED at the deadline;
  // UNAVAILABLE when the peer closed (EOF or reset) and no complete line is
  // buffered. A final unterminated line before EOF is returned as a line,
  // as Java's readLine does.
  absl::StatusOr<std::string> ReadLine(Clock::time_point deadline);

  // True if a complete line is already buffered.
  bool HasBufferedLine() const;

  void Close();

 private:
  int fd_ = -1;
  std::string buffer_;
  bool eof_ = false;
};

}  // namespace botrelay::testbot
