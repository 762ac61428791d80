#include "bench/stalled_sockets.h"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <string_view>

#include "bench/clock.h"

namespace botrelay::bench {
namespace {

// What a phone's handshake starts with; never finished (no closing brace,
// no LF), so relayd can only wait for the handshake timeout.
constexpr std::string_view kHandshakeStart =
    R"({"event":"handshake","data":{"clientType":"MessengerBotR","botName":"bench.loris",)"
    R"("version":"3.3.2","deviceID":"loris","deviceIP":"127.0.0.1","deviceInfo":"slowloris",)";
constexpr int64_t kDripIntervalNs = 1'000'000'000;

}  // namespace

StalledSockets::StalledSockets(const Endpoint& target, int count, int source_addresses)
    : target_(target), count_(count), sources_(source_addresses) {}

StalledSockets::~StalledSockets() { Stop(); }

void StalledSockets::Start() {
  sockets_.resize(static_cast<size_t>(count_));
  for (int i = 0; i < count_; ++i) {
    Socket& s = sockets_[static_cast<size_t>(i)];
    s.kind = static_cast<Kind>(i % 3);
    s.fd = StartConnect(sources_.For(i), target_);
    s.connected_ns = MonotonicNs();
    if (s.fd < 0) ++connect_failures_;
  }
  thread_ = std::thread([this] { Run(); });
}

void StalledSockets::ReadFrom(Socket& s, int64_t now_ns) {
  char buffer[4096];
  while (true) {
    const ssize_t n = ::recv(s.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      // Only the error event matters; keep the start of what arrived.
      if (s.received.size() < 512) s.received.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    s.closed_ns = now_ns;
    s.saw_timeout_error = s.received.find(R"("code":"handshake_timeout")") != std::string::npos;
    ::close(s.fd);
    s.fd = -1;
    return;
  }
}

void StalledSockets::Run() {
  int64_t next_drip_ns = MonotonicNs();
  std::vector<pollfd> fds;
  std::vector<Socket*> owners;
  while (!stop_.load()) {
    const int64_t now = MonotonicNs();
    const bool drip = now >= next_drip_ns;
    if (drip) next_drip_ns = now + kDripIntervalNs;
    fds.clear();
    owners.clear();
    for (Socket& s : sockets_) {
      if (s.fd < 0) continue;
      if (drip && s.kind == Kind::kDrip && s.dripped < kHandshakeStart.size() &&
          ::send(s.fd, kHandshakeStart.data() + s.dripped, 1, MSG_DONTWAIT | MSG_NOSIGNAL) == 1) {
        ++s.dripped;
      }
      short events = POLLIN;
      if (s.kind == Kind::kPartial && !s.partial_sent) events |= POLLOUT;
      fds.push_back({s.fd, events, 0});
      owners.push_back(&s);
    }
    if (fds.empty()) {
      if (stop_.load()) return;
      ::usleep(10'000);
      continue;
    }
    if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
    const int64_t seen = MonotonicNs();
    for (size_t i = 0; i < fds.size(); ++i) {
      Socket& s = *owners[i];
      if ((fds[i].revents & POLLOUT) != 0 && !s.partial_sent && ConnectResult(s.fd) == 0) {
        s.partial_sent = true;
        ::send(s.fd, kHandshakeStart.data(), kHandshakeStart.size(), MSG_DONTWAIT | MSG_NOSIGNAL);
      }
      if ((fds[i].revents & (POLLIN | POLLERR | POLLHUP)) != 0) ReadFrom(s, seen);
    }
  }
}

StalledReport StalledSockets::Stop() {
  stop_ = true;
  if (thread_.joinable()) thread_.join();
  StalledReport report;
  report.connect_failures = connect_failures_;
  std::vector<double> close_after;
  for (Socket& s : sockets_) {
    if (s.fd >= 0 || s.closed_ns > 0) ++report.opened;
    if (s.closed_ns > 0) {
      ++report.closed_by_server;
      if (s.saw_timeout_error) ++report.timeout_errors;
      close_after.push_back(static_cast<double>(s.closed_ns - s.connected_ns) / 1e9);
    }
    if (s.fd >= 0) {
      ::close(s.fd);
      s.fd = -1;
    }
  }
  if (!close_after.empty()) {
    std::sort(close_after.begin(), close_after.end());
    report.close_after_min_s = close_after.front();
    report.close_after_p50_s = close_after[close_after.size() / 2];
    report.close_after_max_s = close_after.back();
  }
  return report;
}

}  // namespace botrelay::bench
