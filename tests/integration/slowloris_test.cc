// Handshake floods and slowloris: thousands of connections that say nothing,
// drip one byte a second, or stall inside a partial handshake line cost a
// bounded amount of memory each, do not slow a real bot down, and are all
// closed with error{handshake_timeout} at the handshake timeout (counted in
// botrelay_handshakes_total{result="timeout"}), however they trickle.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <optional>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/metrics_scrape.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kStalled = 2000;          // a third of each kind
constexpr auto kHandshakeTimeout = 2s;  // relayd's --handshake-timeout below
// The timer wheel ticks every 100 ms; the rest is this busy machine.
constexpr auto kCloseSlack = 1500ms;
// Spread over many 127.x source addresses, as phones behind different
// addresses would be (per-address limits must not be what closes them).
constexpr int kSourceAddresses = 250;

enum class Stall { kSilent, kDrip, kPartialLine };

struct StalledSocket {
  int fd = -1;
  Stall kind = Stall::kSilent;
  Clock::time_point connected_at;
  std::optional<Clock::time_point> closed_at;
  std::string received;
  size_t dripped = 0;
};

// Raises the soft descriptor limit to the hard one, as relayd does (relayd,
// our child, inherits it).
void RaiseFileLimit() {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  limit.rlim_cur = limit.rlim_max;
  setrlimit(RLIMIT_NOFILE, &limit);
}

absl::StatusOr<int> ConnectFrom(int index, uint16_t port) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (fd < 0) return absl::InternalError(absl::StrCat("socket: ", strerror(errno)));
  sockaddr_in source{};
  source.sin_family = AF_INET;
  source.sin_addr.s_addr = htonl((127u << 24) | (2u + static_cast<uint32_t>(index % kSourceAddresses)));
  sockaddr_in target{};
  target.sin_family = AF_INET;
  target.sin_port = htons(port);
  target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (::bind(fd, reinterpret_cast<sockaddr*>(&source), sizeof source) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0) {
    absl::Status error = absl::InternalError(absl::StrCat("connect: ", strerror(errno)));
    ::close(fd);
    return error;
  }
  return fd;
}

// Reads whatever arrived; records the server's close (EOF or reset).
void Drain(StalledSocket& s, Clock::time_point now) {
  char buffer[4096];
  while (true) {
    ssize_t n = ::recv(s.fd, buffer, sizeof buffer, MSG_DONTWAIT);
    if (n > 0) {
      s.received.append(buffer, static_cast<size_t>(n));
      continue;
    }
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
    s.closed_at = now;
    ::close(s.fd);
    s.fd = -1;
    return;
  }
}

class SlowlorisTest : public RelaydTest {};

TEST_F(SlowlorisTest, StalledHandshakesAreClosedOnTimeWhileARealBotIsServed) {
  RaiseFileLimit();
  rlimit limit{};
  ASSERT_EQ(getrlimit(RLIMIT_NOFILE, &limit), 0);
  // Our sockets, relayd's (a child with the same limit) and some spare.
  ASSERT_GE(limit.rlim_cur, static_cast<rlim_t>(kStalled + 200))
      << "the descriptor limit is too low for this test";
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--handshake-timeout=2", "--max-connections=5000",
                                       "--threads=2", "--ping-interval=3600",
                                       "--log-level=warn"}));
  auto bot = ConnectApproved(Generation::kV33, "calm.bot", "dev-1");
  ASSERT_OK(bot);
  ASSERT_TRUE(EchoRoundTrip(**bot, "warmup"));
  absl::StatusOr<int64_t> rss_before = ProcStatusKb(relayd().pid(), "VmRSS");
  ASSERT_OK(rss_before);

  testbot::PhoneIdentity phone = (*bot)->identity();
  phone.device_id = "loris";
  std::string handshake = testbot::BuildHandshakeLine(phone, 0);
  handshake.pop_back();  // never the LF
  const std::string partial = handshake.substr(0, handshake.size() - 8);

  std::vector<StalledSocket> stalled(kStalled);
  for (int i = 0; i < kStalled; ++i) {
    absl::StatusOr<int> fd = ConnectFrom(i, relayd().bot_port());
    ASSERT_OK(fd);
    StalledSocket& s = stalled[i];
    s.fd = *fd;
    s.connected_at = Clock::now();
    s.kind = static_cast<Stall>(i % 3);
    if (s.kind == Stall::kPartialLine) {
      ASSERT_EQ(::send(s.fd, partial.data(), partial.size(), MSG_NOSIGNAL),
                static_cast<ssize_t>(partial.size()));
    }
  }
  const Clock::time_point all_connected = Clock::now();

  // The loris thread: one byte a second on the drip sockets, and watch for
  // the server's closes.
  std::atomic<bool> stop{false};
  std::thread loris([&] {
    Clock::time_point next_drip = Clock::now();
    std::vector<pollfd> fds;
    std::vector<size_t> index;
    while (!stop.load()) {
      const Clock::time_point now = Clock::now();
      if (now >= next_drip) {
        for (StalledSocket& s : stalled) {
          if (s.kind != Stall::kDrip || s.fd < 0 || s.dripped >= handshake.size()) continue;
          if (::send(s.fd, handshake.data() + s.dripped, 1, MSG_NOSIGNAL | MSG_DONTWAIT) == 1) {
            ++s.dripped;
          }
        }
        next_drip = now + 1s;
      }
      fds.clear();
      index.clear();
      for (size_t i = 0; i < stalled.size(); ++i) {
        if (stalled[i].fd < 0) continue;
        fds.push_back({stalled[i].fd, POLLIN, 0});
        index.push_back(i);
      }
      if (fds.empty()) return;
      if (::poll(fds.data(), fds.size(), 20) <= 0) continue;
      const Clock::time_point seen = Clock::now();
      for (size_t i = 0; i < fds.size(); ++i) {
        if (fds[i].revents != 0) Drain(stalled[index[i]], seen);
      }
    }
  });

  // Meanwhile the real bot keeps echoing; sample relayd's memory.
  std::vector<double> latencies_ms;
  int64_t rss_peak_kb = *rss_before;
  const Clock::time_point until = all_connected + kHandshakeTimeout + kCloseSlack;
  int echo = 0;
  while (Clock::now() < until) {
    const Clock::time_point sent = Clock::now();
    ASSERT_TRUE(EchoRoundTrip(**bot, absl::StrCat("calm", echo++), 2000ms));
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    if (absl::StatusOr<int64_t> rss = ProcStatusKb(relayd().pid(), "VmRSS"); rss.ok()) {
      rss_peak_kb = std::max(rss_peak_kb, *rss);
    }
    std::this_thread::sleep_for(20ms);
  }
  stop = true;
  loris.join();

  // Every stalled socket was closed by relayd, with handshake_timeout, no
  // earlier than the timeout and no later than the timeout plus slack.
  int closed = 0;
  std::array<int, 3> closed_by_kind{};
  for (StalledSocket& s : stalled) {
    if (!s.closed_at) {
      ADD_FAILURE() << "a stalled socket (kind " << static_cast<int>(s.kind)
                    << ") is still open after " << (kHandshakeTimeout + kCloseSlack).count()
                    << " ms";
      ::close(s.fd);
      continue;
    }
    ++closed;
    ++closed_by_kind[static_cast<int>(s.kind)];
    const auto open_for = *s.closed_at - s.connected_at;
    EXPECT_GE(open_for, kHandshakeTimeout - 150ms);
    EXPECT_LE(open_for, kHandshakeTimeout + kCloseSlack);
    EXPECT_TRUE(absl::StrContains(s.received, R"("code":"handshake_timeout")")) << s.received;
  }
  EXPECT_EQ(closed, kStalled);
  EXPECT_EQ(closed_by_kind[static_cast<int>(Stall::kDrip)], (kStalled + 1) / 3);

  absl::StatusOr<double> timeouts =
      ScrapeMetric(relayd(), "botrelay_handshakes_total", {{"result", "timeout"}});
  ASSERT_OK(timeouts);
  EXPECT_EQ(*timeouts, kStalled);

  // The real bot was answered throughout, at its usual pace.
  std::sort(latencies_ms.begin(), latencies_ms.end());
  ASSERT_FALSE(latencies_ms.empty());
  const double p50 = latencies_ms[latencies_ms.size() / 2];
  const double max = latencies_ms.back();
  RecordProperty("echoes", static_cast<int>(latencies_ms.size()));
  RecordProperty("echo_p50_us", static_cast<int>(p50 * 1000));
  RecordProperty("echo_max_us", static_cast<int>(max * 1000));
  EXPECT_LT(p50, 50.0);
  EXPECT_LT(max, 1000.0);

  // Memory: a session object, its socket's reactor state and at most one
  // partial line (here < 1 KiB, kept with 2x growth room) per stalled socket;
  // 8 KiB each is a generous bound that a per-socket read buffer (64 KiB)
  // would break.
  const int64_t grown_kb = rss_peak_kb - *rss_before;
  RecordProperty("rss_growth_kb", static_cast<int>(grown_kb));
  std::printf("slowloris: %d stalled sockets closed; echo p50 %.2f ms max %.2f ms over %zu; "
              "relayd RSS %lld kB -> peak %lld kB (%.1f kB per stalled socket)\n",
              closed, p50, max, latencies_ms.size(), static_cast<long long>(*rss_before),
              static_cast<long long>(rss_peak_kb), static_cast<double>(grown_kb) / kStalled);
  EXPECT_LE(grown_kb, kStalled * 8);
}

}  // namespace
}  // namespace botrelay::integration
