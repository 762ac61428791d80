#include "tests/testbot/line_socket.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace botrelay::testbot {
namespace {

absl::Status Errno(std::string_view what) {
  return absl::UnavailableError(
      absl::StrCat(absl::string_view(what.data(), what.size()), ": ", std::strerror(errno)));
}

int MillisUntil(LineSocket::Clock::time_point deadline) {
  const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
      deadline - LineSocket::Clock::now());
  if (left.count() <= 0) return 0;
  return static_cast<int>(std::min<int64_t>(left.count() + 1, 1 << 30));
}

}  // namespace

LineSocket::~LineSocket() { Close(); }

void LineSocket::Close() {
  if (fd_ >= 0) ::close(fd_);
  fd_ = -1;
  buffer_.clear();
  eof_ = false;
}

absl::Status LineSocket::Connect(const std::string& host, uint16_t port,
                                 std::chrono::milliseconds timeout, const std::string& local_ip) {
  Close();
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  const std::string ip = host == "localhost" ? "127.0.0.1" : host;
  if (::inet_pton(AF_INET, ip.c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("not an IPv4 address: ", ip));
  }
  fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd_ < 0) return Errno("socket");
  const int one = 1;
  ::setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  if (!local_ip.empty()) {
    sockaddr_in local{};
    local.sin_family = AF_INET;
    if (::inet_pton(AF_INET, local_ip.c_str(), &local.sin_addr) != 1) {
      Close();
      return absl::InvalidArgumentError(absl::StrCat("not an IPv4 address: ", local_ip));
    }
    if (::bind(fd_, reinterpret_cast<const sockaddr*>(&local), sizeof local) != 0) {
      absl::Status s = Errno(absl::StrCat("bind ", local_ip));
      Close();
      return s;
    }
  }

  // Non-blocking connect so the 5 s phone-style connect timeout holds.
  if (::connect(fd_, reinterpret_cast<const sockaddr*>(&addr), sizeof addr) != 0) {
    if (errno != EINPROGRESS) {
      absl::Status s = Errno(absl::StrCat("connect ", ip, ":", port));
      Close();
      return s;
    }
    pollfd p{fd_, POLLOUT, 0};
    const int ready = ::poll(&p, 1, static_cast<int>(timeout.count()));
    if (ready <= 0) {
      Close();
      return absl::DeadlineExceededError(absl::StrCat("connect ", ip, ":", port, " timed out"));
    }
    int error = 0;
    socklen_t len = sizeof error;
    ::getsockopt(fd_, SOL_SOCKET, SO_ERROR, &error, &len);
    if (error != 0) {
      errno = error;
      absl::Status s = Errno(absl::StrCat("connect ", ip, ":", port));
      Close();
      return s;
    }
  }
  // Back to blocking: writes block like the phone's OutputStream (bounded, so
  // a server that stops reading fails the test instead of hanging it);
  // reads use poll.
  ::fcntl(fd_, F_SETFL, ::fcntl(fd_, F_GETFL) & ~O_NONBLOCK);
  const timeval send_timeout{10, 0};
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &send_timeout, sizeof send_timeout);
  return absl::OkStatus();
}

std::string LineSocket::LocalIp() const {
  sockaddr_in addr{};
  socklen_t len = sizeof addr;
  if (fd_ < 0 || ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) return "unknown";
  char buf[INET_ADDRSTRLEN];
  return ::inet_ntop(AF_INET, &addr.sin_addr, buf, sizeof buf) ? buf : "unknown";
}

absl::Status LineSocket::WriteAll(std::string_view bytes) {
  if (fd_ < 0) return absl::FailedPreconditionError("not connected");
  while (!bytes.empty()) {
    const ssize_t n = ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN || errno == EWOULDBLOCK) {
        return absl::DeadlineExceededError("send blocked for 10 s: the server is not reading");
      }
      return Errno("send");
    }
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return absl::OkStatus();
}

bool LineSocket::HasBufferedLine() const { return buffer_.find('\n') != std::string::npos; }

absl::StatusOr<std::string> LineSocket::ReadLine(Clock::time_point deadline) {
  if (fd_ < 0) return absl::FailedPreconditionError("not connected");
  while (true) {
    const size_t lf = buffer_.find('\n');
    if (lf != std::string::npos) {
      std::string line = buffer_.substr(0, lf);
      buffer_.erase(0, lf + 1);
      return line;
    }
    if (eof_) {
      if (!buffer_.empty()) return std::exchange(buffer_, {});
      return absl::UnavailableError("connection closed by the server");
    }
    pollfd p{fd_, POLLIN, 0};
    const int ready = ::poll(&p, 1, MillisUntil(deadline));
    if (ready < 0) {
      if (errno == EINTR) continue;
      return Errno("poll");
    }
    if (ready == 0) return absl::DeadlineExceededError("no line before the deadline");
    char chunk[65536];
    const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == ECONNRESET || errno == EPIPE) {
        eof_ = true;
        continue;
      }
      return Errno("recv");
    }
    if (n == 0) {
      eof_ = true;
      continue;
    }
    buffer_.append(chunk, static_cast<size_t>(n));
  }
}

}  // namespace botrelay::testbot
