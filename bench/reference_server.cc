#include "bench/reference_server.h"

#include <netinet/in.h>
#include <netinet/tcp.h>
#include <signal.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <deque>
#include <string_view>
#include <thread>
#include <vector>

#include "bench/clock.h"
#include "bench/event_loop.h"
#include "bench/loopback.h"
#include "bench/server_target.h"
#include "bench/wire.h"
#include "dataplane/protocol/base64.h"
#include "dataplane/protocol/frame_encoder.h"

namespace botrelay::bench {
namespace {

constexpr uint64_t kListenerCookie = ~uint64_t{0};
constexpr uint64_t kStopCookie = ~uint64_t{0} - 1;

struct Peer {
  bool open = false;
  uint64_t generation = 0;  // tells a ping due for an earlier peer on this descriptor
  bool flush_queued = false;
  bool watching_writable = false;
  std::string bot_name;
  std::string partial;
  std::string out;
  size_t out_offset = 0;
};

int OpenListener(const Endpoint& at) {
  const int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd < 0) return -1;
  const int one = 1;
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  ::setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, sizeof one);
  sockaddr_in addr = at.ToSockaddr();
  if (::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(fd, 4096) != 0) {
    ::close(fd);
    return -1;
  }
  return fd;
}

uint16_t BoundPort(int fd) {
  sockaddr_in addr{};
  socklen_t size = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &size);
  return ntohs(addr.sin_port);
}

// A ping owed to one peer. Every ping is scheduled one interval after the
// moment it is queued, so the queue stays in due order.
struct PingDue {
  int64_t at_ns;
  int fd;
  uint64_t generation;
};

class ReferenceLoop {
 public:
  ReferenceLoop(int listener, int stop_fd, int64_t ping_interval_ns)
      : listener_(listener), stop_fd_(stop_fd), ping_interval_ns_(ping_interval_ns) {
    loop_.Add(listener_, EPOLLIN, kListenerCookie);
    loop_.Add(stop_fd_, EPOLLIN, kStopCookie);
  }
  ~ReferenceLoop() {
    for (size_t fd = 0; fd < peers_.size(); ++fd) {
      if (peers_[fd].open) ::close(static_cast<int>(fd));
    }
    ::close(listener_);
  }

  void Run() {
    while (true) {
      for (const epoll_event& event : loop_.Wait(SendDuePings())) {
        if (event.data.u64 == kStopCookie) return;
        if (event.data.u64 == kListenerCookie) {
          Accept();
        } else {
          OnEvent(static_cast<int>(event.data.u64), event.events);
        }
      }
      FlushQueued();
    }
  }

 private:
  void Accept() {
    while (true) {
      const int fd = ::accept4(listener_, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
      if (fd < 0) return;  // EAGAIN, or out of descriptors: try again on the next event
      const int one = 1;
      ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
      if (static_cast<size_t>(fd) >= peers_.size()) peers_.resize(static_cast<size_t>(fd) + 1024);
      peers_[fd] = Peer{};
      peers_[fd].open = true;
      peers_[fd].generation = ++generations_;
      loop_.Add(fd, EPOLLIN, static_cast<uint64_t>(fd));
    }
  }

  void OnEvent(int fd, uint32_t events) {
    Peer& peer = peers_[fd];
    if (!peer.open) return;
    if (events & (EPOLLIN | EPOLLHUP | EPOLLERR)) {
      const ssize_t n = ::read(fd, buffer_, sizeof buffer_);
      if (n == 0 || (n < 0 && errno != EAGAIN && errno != EINTR)) {
        CloseFd(fd);
        return;
      }
      if (n > 0) Consume(fd, peer, std::string_view(buffer_, static_cast<size_t>(n)));
    }
    if (peer.open && (events & EPOLLOUT)) Flush(fd, peer);
  }

  // Sends the pings that are due; returns how long the loop may wait for the
  // next one (negative: forever).
  int64_t SendDuePings() {
    if (pings_.empty()) return -1;
    const int64_t now = MonotonicNs();
    while (!pings_.empty() && pings_.front().at_ns <= now) {
      PingDue due = pings_.front();
      pings_.pop_front();
      Peer& peer = peers_[due.fd];
      if (!peer.open || peer.generation != due.generation) continue;
      protocol::AppendPing(peer.out, peer.bot_name, iso_clock_.Format(WallMs()));
      QueueFlush(due.fd, peer);
      due.at_ns = now + ping_interval_ns_;
      pings_.push_back(due);
    }
    FlushQueued();
    return pings_.empty() ? -1 : std::max<int64_t>(0, pings_.front().at_ns - now);
  }

  void QueueFlush(int fd, Peer& peer) {
    if (peer.out.empty() || peer.flush_queued) return;
    peer.flush_queued = true;
    flush_queue_.push_back(fd);
  }

  void Consume(int fd, Peer& peer, std::string_view data) {
    if (!peer.partial.empty()) {
      const size_t newline = data.find('\n');
      if (newline == std::string_view::npos) {
        peer.partial.append(data);
        return;
      }
      peer.partial.append(data.substr(0, newline));
      Answer(fd, peer, peer.partial);
      peer.partial.clear();
      data.remove_prefix(newline + 1);
    }
    for (size_t newline; (newline = data.find('\n')) != std::string_view::npos;) {
      Answer(fd, peer, data.substr(0, newline));
      data.remove_prefix(newline + 1);
    }
    peer.partial.assign(data);
    QueueFlush(fd, peer);
  }

  void Answer(int fd, Peer& peer, std::string_view line) {
    const InboundFrame frame = SplitFrame(line);
    if (frame.event == "handshake") {
      if (ping_interval_ns_ > 0) {
        pings_.push_back({MonotonicNs() + ping_interval_ns_, fd, peer.generation});
      }
      peer.bot_name = std::string(FindString(frame.json, "botName").value_or(""));
      peer.out += R"({"event":"handshakeComplete","data":{"success":true,"approved":true,)"
                  R"("message":"승인된 디바이스입니다","server_version":"relaybench-reference","timestamp":")";
      peer.out += iso_clock_.Format(WallMs());
      peer.out += R"(","timezone":"Asia/Seoul","message_positions":[0,0]}})";
      peer.out += '\n';
      return;
    }
    if (frame.event != "message") return;
    text_.clear();
    if (!protocol::Base64Decode(frame.tail, text_)) return;
    if (std::string_view(text_).substr(0, 6) != "# echo") return;
    std::string_view prompt = std::string_view(text_).substr(6);
    while (!prompt.empty() && prompt.front() == ' ') prompt.remove_prefix(1);
    reply_.assign(kEchoReplyPrefix);
    reply_ += prompt;
    peer.out += R"({"event":"messageResponse","data":{"room":")";
    peer.out += FindString(frame.json, "room").value_or("");
    peer.out += R"(","channel_id":")";
    peer.out += FindString(frame.json, "channel_id").value_or("");
    peer.out += R"(","bot_name":")";
    peer.out += peer.bot_name;
    peer.out += R"(","message_type":"text","timestamp":")";
    peer.out += iso_clock_.Format(WallMs());
    peer.out += R"(","timezone":"Asia/Seoul","content_encoding":"base64","message_positions":[0,)";
    peer.out += std::to_string(protocol::Base64EncodedSize(reply_.size()));
    peer.out += "]}}";
    protocol::Base64Encode(reply_, peer.out);
    peer.out += '\n';
  }

  void FlushQueued() {
    for (int fd : flush_queue_) {
      Peer& peer = peers_[fd];
      peer.flush_queued = false;
      if (peer.open && !peer.watching_writable) Flush(fd, peer);
    }
    flush_queue_.clear();
  }

  void Flush(int fd, Peer& peer) {
    if (peer.out_offset < peer.out.size()) {
      const ssize_t n = ::send(fd, peer.out.data() + peer.out_offset, peer.out.size() - peer.out_offset,
                               MSG_NOSIGNAL);
      if (n < 0 && errno != EAGAIN && errno != EINTR) {
        CloseFd(fd);
        return;
      }
      if (n > 0) peer.out_offset += static_cast<size_t>(n);
    }
    const bool done = peer.out_offset == peer.out.size();
    if (done) {
      peer.out.clear();
      peer.out_offset = 0;
    }
    if (done == peer.watching_writable) {
      peer.watching_writable = !done;
      loop_.Modify(fd, done ? EPOLLIN : (EPOLLIN | EPOLLOUT), static_cast<uint64_t>(fd));
    }
  }

  void CloseFd(int fd) {
    ::close(fd);
    peers_[fd] = Peer{};
  }

  int listener_;
  int stop_fd_;
  int64_t ping_interval_ns_;  // 0: no pings
  uint64_t generations_ = 0;
  std::deque<PingDue> pings_;
  EventLoop loop_;
  IsoClock iso_clock_;
  std::vector<Peer> peers_;  // indexed by descriptor
  std::vector<int> flush_queue_;
  std::string text_;
  std::string reply_;
  char buffer_[64 * 1024];
};

}  // namespace

int RunReferenceServer(const ReferenceServerOptions& options) {
  absl::StatusOr<Endpoint> at = ParseLoopbackEndpoint(options.listen);
  if (!at.ok()) {
    std::fprintf(stderr, "reference-server: %s\n", std::string(at.status().message()).c_str());
    return 2;
  }
  RaiseFileLimit(1'100'000);
  const int threads = options.threads > 0 ? options.threads
                                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  // The first listener picks the port (when 0); the others share it.
  std::vector<int> listeners;
  for (int i = 0; i < threads; ++i) {
    const int fd = OpenListener(*at);
    if (fd < 0) {
      std::perror("reference-server: listen");
      return 1;
    }
    if (i == 0) at->port = BoundPort(fd);
    listeners.push_back(fd);
  }

  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);

  const int stop_fd = ::eventfd(0, EFD_CLOEXEC | EFD_NONBLOCK);
  std::vector<std::thread> pool;
  const auto ping_interval_ns = static_cast<int64_t>(options.ping_interval_s * 1e9);
  for (int fd : listeners) {
    pool.emplace_back([fd, stop_fd, ping_interval_ns] {
      ReferenceLoop(fd, stop_fd, ping_interval_ns).Run();
    });
  }
  if (!options.ready_file.empty() && !WriteReadyFile(options.ready_file, *at)) {
    std::fprintf(stderr, "reference-server: cannot write %s\n", options.ready_file.c_str());
  }
  std::fprintf(stderr, "reference-server listening on %s with %d thread(s)\n", at->ToString().c_str(),
               threads);

  timespec lifetime{static_cast<time_t>(options.max_lifetime_s), 0};
  ::sigtimedwait(&signals, nullptr, &lifetime);
  const uint64_t one = 1;
  if (::write(stop_fd, &one, sizeof one) != sizeof one) std::perror("reference-server: eventfd");
  for (std::thread& thread : pool) thread.join();
  ::close(stop_fd);
  return 0;
}

}  // namespace botrelay::bench
