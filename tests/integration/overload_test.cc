// Memory stays bounded under overload: many clients send echo requests as
// fast as they can and never read. relayd stops reading from each of them
// once its unsent replies reach half of outbound-limit-bytes (TCP
// backpressure holds the rest in the clients), cuts them as slow consumers
// when more output (an admin push) takes them over the limit, keeps serving
// a well-behaved bot, and its resident memory stays under a bound derived
// from the knobs, far below what the offered load would need if relayd
// buffered it.
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/metrics_scrape.h"
#include "tests/integration/relayd_test.h"
#include "tests/testbot/phone_clock.h"

namespace botrelay::integration {
namespace {

using Clock = std::chrono::steady_clock;

constexpr int kFlooders = 48;
constexpr int64_t kOutboundLimit = 128 * 1024;  // --outbound-limit-bytes
constexpr int64_t kMaxLine = 16 * 1024;         // --max-line-bytes
constexpr size_t kEchoTextBytes = 6000;         // each request: 5 replies of this
constexpr size_t kPushTextBytes = 40000;        // each admin push to the flooders
constexpr int kPushes = 4;
constexpr auto kFloodFor = 3s;

// A client that writes signed echo requests without ever reading.
struct Flooder {
  testbot::PhoneIdentity phone;
  int fd = -1;
  std::string pending;  // the line being written
  size_t written = 0;
  int lines = 0;
  uint64_t bytes = 0;
  bool blocked = false;

  absl::Status Connect(uint16_t port) {
    fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
    if (fd < 0) return absl::InternalError("socket");
    // Small kernel buffers, so the kernel absorbs little of relayd's output
    // or of our requests: relayd's own buffers are what this test is about.
    int small = 4096;
    ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &small, sizeof small);
    ::setsockopt(fd, SOL_SOCKET, SO_SNDBUF, &small, sizeof small);
    sockaddr_in target{};
    target.sin_family = AF_INET;
    target.sin_port = htons(port);
    target.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    if (::connect(fd, reinterpret_cast<sockaddr*>(&target), sizeof target) != 0 &&
        errno != EINPROGRESS) {
      return absl::InternalError(absl::StrCat("connect: ", strerror(errno)));
    }
    pending = testbot::BuildHandshakeLine(phone, testbot::NowUnixMillis());
    return absl::OkStatus();
  }

  // Writes until the socket is full; false once relayd closed it.
  bool Pump() {
    blocked = false;
    while (true) {
      if (written == pending.size()) {
        testbot::ChatMessage message;
        message.text = absl::StrCat("# echo ", std::string(kEchoTextBytes, 'x'), " --repeat=5");
        message.log_id = absl::StrCat(phone.device_id, "-", lines);
        pending = testbot::BuildChatLine(phone, message, testbot::NowUnixMillis());
        written = 0;
        ++lines;
      }
      ssize_t n = ::send(fd, pending.data() + written, pending.size() - written, MSG_NOSIGNAL);
      if (n > 0) {
        written += static_cast<size_t>(n);
        bytes += static_cast<uint64_t>(n);
        continue;
      }
      if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK || errno == ENOTCONN)) {
        blocked = true;
        return true;
      }
      return false;
    }
  }
};

class OverloadTest : public RelaydTest {};

TEST_F(OverloadTest, NonReadingFloodersAreHeldBackAndCutWhileMemoryStaysBounded) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({
      "--threads=2", "--queue-capacity=8",
      absl::StrCat("--outbound-limit-bytes=", kOutboundLimit),
      absl::StrCat("--max-line-bytes=", kMaxLine), "--socket-sndbuf=16384",
      "--ping-interval=3600", "--log-level=warn",
      // The worst case: nothing refuses the flood early.
      "--connection-rate-limit=0", "--bot-rate-limit=0"}));
  auto calm = ConnectApproved(Generation::kV33, "calm.bot", "dev-1");
  ASSERT_OK(calm);

  std::vector<Flooder> flooders(kFlooders);
  for (int i = 0; i < kFlooders; ++i) {
    // Register and approve each device once, then flood from a raw socket.
    auto approved = ConnectApproved(Generation::kV33, "flood.bot", absl::StrCat("f", i));
    ASSERT_OK(approved);
    flooders[i].phone = (*approved)->identity();
    (*approved)->Close();
  }
  ASSERT_TRUE(EchoRoundTrip(**calm, "before"));
  absl::StatusOr<int64_t> rss_before = ProcStatusKb(relayd().pid(), "VmRSS");
  ASSERT_OK(rss_before);
  for (Flooder& f : flooders) ASSERT_OK(f.Connect(relayd().bot_port()));

  // Flood; the calm bot echoes in between.
  std::vector<double> latencies_ms;
  uint64_t offered = 0;
  const Clock::time_point flood_until = Clock::now() + kFloodFor;
  int round = 0;
  while (Clock::now() < flood_until) {
    for (Flooder& f : flooders) ASSERT_TRUE(f.Pump()) << "relayd closed a flooder early";
    const Clock::time_point sent = Clock::now();
    ASSERT_TRUE(EchoRoundTrip(**calm, absl::StrCat("calm", round++), 2000ms));
    latencies_ms.push_back(std::chrono::duration<double, std::milli>(Clock::now() - sent).count());
    std::this_thread::sleep_for(10ms);
  }
  int blocked = 0;
  for (Flooder& f : flooders) {
    ASSERT_TRUE(f.Pump());
    offered += f.bytes;
    blocked += f.blocked ? 1 : 0;
  }
  // Every flooder is held back by TCP: relayd stopped reading from it.
  EXPECT_EQ(blocked, kFlooders);
  absl::StatusOr<double> accepted = ScrapeMetric(relayd(), "botrelay_messages_accepted_total");
  ASSERT_OK(accepted);
  absl::StatusOr<double> cut_before =
      ScrapeMetric(relayd(), "botrelay_slow_consumer_closes_total");
  ASSERT_OK(cut_before);
  EXPECT_EQ(*cut_before, 0) << "reading pauses at half the limit, before any cut";

  // More output than the limit allows: admin pushes to the flooders' bot.
  adminpb::SendMessageRequest push;
  push.set_bot_name("flood.bot");
  push.set_room("room");
  push.set_text(std::string(kPushTextBytes, 'p'));
  auto first = admin().SendMessage(push);
  ASSERT_OK(first);
  EXPECT_EQ(first->connections_delivered(), kFlooders);
  for (int i = 1; i < kPushes; ++i) {
    // Once every flooder is cut, the bot has no connection left to push to.
    auto more = admin().SendMessage(push);
    if (!more.ok()) {
      ASSERT_EQ(more.status().code(), absl::StatusCode::kFailedPrecondition) << more.status();
      break;
    }
  }

  absl::StatusOr<double> cut = 0.0;
  for (int i = 0; i < 100; ++i) {
    cut = ScrapeMetric(relayd(), "botrelay_slow_consumer_closes_total");
    ASSERT_OK(cut);
    if (*cut >= kFlooders) break;
    std::this_thread::sleep_for(50ms);
  }
  EXPECT_EQ(*cut, kFlooders);
  auto left = admin().ListConnections("flood.bot", "");
  ASSERT_OK(left);
  EXPECT_EQ(left->connections_size(), 0);
  EXPECT_TRUE(absl::StrContains(relayd().Log(), "slow consumer")) << relayd().LogTail();
  ASSERT_TRUE(EchoRoundTrip(**calm, "after"));
  for (Flooder& f : flooders) ::close(f.fd);

  // Memory. Per flooder connection relayd holds at most: unsent output up
  // to the limit plus one append (5 x 8 KiB replies or one 53 KiB push),
  // kept in a string that may have twice that capacity; held input of at
  // most 4 reads of 64 KiB (then reading stops), again with 2x capacity;
  // and the session itself. 48 such connections, plus 16 MiB for the
  // allocator's arenas and the shards' other state.
  const int64_t per_connection =
      2 * (kOutboundLimit + 54 * 1024) + 2 * (4 * 64 * 1024 + kMaxLine) + 16 * 1024;
  const int64_t bound_kb = (kFlooders * per_connection) / 1024 + 16 * 1024;
  absl::StatusOr<int64_t> peak = ProcStatusKb(relayd().pid(), "VmHWM");
  ASSERT_OK(peak);
  const int64_t grown_kb = *peak - *rss_before;
  std::sort(latencies_ms.begin(), latencies_ms.end());
  std::printf("overload: %d flooders wrote %.1f MiB of requests in %lld s before TCP blocked them; "
              "relayd took %.0f of them; relayd RSS %lld kB, peak %lld kB (+%lld kB, bound +%lld "
              "kB); calm echo p50 %.2f ms max %.2f ms over %zu\n",
              kFlooders, offered / 1048576.0,
              static_cast<long long>(std::chrono::duration_cast<std::chrono::seconds>(kFloodFor).count()),
              *accepted, static_cast<long long>(*rss_before), static_cast<long long>(*peak),
              static_cast<long long>(grown_kb), static_cast<long long>(bound_kb),
              latencies_ms[latencies_ms.size() / 2], latencies_ms.back(), latencies_ms.size());
  RecordProperty("rss_growth_kb", static_cast<int>(grown_kb));
  RecordProperty("rss_bound_kb", static_cast<int>(bound_kb));
  EXPECT_LE(grown_kb, bound_kb);
  EXPECT_LT(latencies_ms[latencies_ms.size() / 2], 50.0);
  EXPECT_LT(latencies_ms.back(), 1000.0);
}

}  // namespace
}  // namespace botrelay::integration
