#include "bench/metrics_scrape.h"

#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>

#include "absl/strings/str_cat.h"

namespace botrelay::bench {
namespace {

// Closes the descriptor on every return path.
class Socket {
 public:
  explicit Socket(int fd) : fd_(fd) {}
  ~Socket() {
    if (fd_ >= 0) ::close(fd_);
  }
  int fd() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

absl::StatusOr<MetricSamples> ScrapeMetrics(const Endpoint& endpoint, double timeout_s) {
  if ((endpoint.ip >> 24) != 127) return absl::InvalidArgumentError("metrics endpoint not on loopback");
  Socket socket(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (socket.fd() < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  timeval timeout{static_cast<time_t>(timeout_s),
                  static_cast<suseconds_t>((timeout_s - static_cast<int64_t>(timeout_s)) * 1e6)};
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_RCVTIMEO, &timeout, sizeof timeout);
  ::setsockopt(socket.fd(), SOL_SOCKET, SO_SNDTIMEO, &timeout, sizeof timeout);
  const sockaddr_in remote = endpoint.ToSockaddr();
  if (::connect(socket.fd(), reinterpret_cast<const sockaddr*>(&remote), sizeof remote) != 0) {
    return absl::UnavailableError(
        absl::StrCat("metrics ", endpoint.ToString(), ": connect: ", strerror(errno)));
  }
  // HTTP/1.0: the server closes after the response, so EOF ends the body.
  const std::string request = "GET /metrics HTTP/1.0\r\nHost: " + endpoint.ToString() + "\r\n\r\n";
  if (::send(socket.fd(), request.data(), request.size(), MSG_NOSIGNAL) !=
      static_cast<ssize_t>(request.size())) {
    return absl::UnavailableError(absl::StrCat("metrics: send: ", strerror(errno)));
  }
  std::string response;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(socket.fd(), buffer, sizeof buffer, 0);
    if (n == 0) break;
    if (n < 0) {
      if (errno == EINTR) continue;
      return absl::UnavailableError(absl::StrCat("metrics: recv: ", strerror(errno)));
    }
    response.append(buffer, static_cast<size_t>(n));
  }
  const size_t header_end = response.find("\r\n\r\n");
  if (!response.starts_with("HTTP/1.") || header_end == std::string::npos ||
      response.find(" 200 ") > response.find("\r\n")) {
    return absl::UnavailableError(
        absl::StrCat("metrics: unexpected response: ", response.substr(0, response.find("\r\n"))));
  }
  return ParsePrometheusText(std::string_view(response).substr(header_end + 4));
}

MetricSamples ParsePrometheusText(std::string_view text) {
  MetricSamples samples;
  while (!text.empty()) {
    const size_t newline = text.find('\n');
    std::string_view line = text.substr(0, newline);
    text.remove_prefix(newline == std::string_view::npos ? text.size() : newline + 1);
    if (line.empty() || line.front() == '#') continue;
    // The value follows the last space (label values in relayd's output hold no spaces).
    const size_t space = line.rfind(' ');
    if (space == std::string_view::npos) continue;
    const std::string_view value_text = line.substr(space + 1);
    double value = 0;
    auto [end, ec] = std::from_chars(value_text.data(), value_text.data() + value_text.size(), value);
    if (ec != std::errc()) continue;
    samples[std::string(line.substr(0, space))] = value;
  }
  return samples;
}

double SampleOf(const MetricSamples& samples, std::string_view series) {
  const auto found = samples.find(series);
  return found == samples.end() ? 0 : found->second;
}

}  // namespace botrelay::bench
