// Many phones at once: every reply arrives exactly once, in order per room.
#include <atomic>
#include <thread>

#include "absl/strings/str_cat.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

constexpr int kBots = 200;
constexpr int kMessagesPerBot = 20;
constexpr int kRooms = 2;

class LoadTest : public RelaydTest {};

// Reads "<prefix><digits>" out of `text`; -1 if absent.
int NumberAfter(const std::string& text, const std::string& prefix) {
  const size_t at = text.find(prefix);
  if (at == std::string::npos) return -1;
  size_t end = at + prefix.size();
  int value = 0;
  bool any = false;
  while (end < text.size() && text[end] >= '0' && text[end] <= '9') {
    value = value * 10 + (text[end++] - '0');
    any = true;
  }
  return any ? value : -1;
}

// One phone's session: a burst of echoes over two rooms, then every reply.
std::string RunBot(TestBot& bot, int index) {
  const std::string rooms[kRooms] = {"room-A", "room-B"};
  for (int m = 0; m < kMessagesPerBot; ++m) {
    ChatMessage message;
    message.room = rooms[m % kRooms];
    message.channel_id = std::to_string(1000 + m % kRooms);
    message.text = absl::StrCat("# echo bot", index, "-msg", m, "-end");
    absl::Status sent = bot.SendChat(message);
    if (!sent.ok()) return absl::StrCat("bot ", index, " send ", m, ": ", sent.ToString());
  }
  int next_in_room[kRooms] = {0, 1};  // message numbers go 0,2,4.. in A and 1,3,5.. in B
  for (int received = 0; received < kMessagesPerBot; ++received) {
    absl::StatusOr<ServerFrame> reply = bot.WaitFor("messageResponse", 30000ms);
    if (!reply.ok()) {
      return absl::StrCat("bot ", index, " after ", received, " replies: ", reply.status().ToString());
    }
    const std::string room = reply->String("room").value_or("?");
    const int r = room == rooms[0] ? 0 : room == rooms[1] ? 1 : -1;
    const std::string text = reply->text().value_or("");
    if (r < 0) return absl::StrCat("bot ", index, " reply for unknown room: ", reply->line());
    if (NumberAfter(text, "bot") != index) {
      return absl::StrCat("bot ", index, " got another bot's reply: ", text);
    }
    const int m = NumberAfter(text, "-msg");
    if (m != next_in_room[r]) {
      return absl::StrCat("bot ", index, " room ", room, ": expected msg", next_in_room[r],
                          ", got: ", text);
    }
    if (reply->String("channel_id") != std::to_string(1000 + r)) {
      return absl::StrCat("bot ", index, " wrong channel_id: ", reply->line());
    }
    next_in_room[r] += kRooms;
  }
  absl::Status extra = bot.ExpectSilence(200ms);
  if (!extra.ok()) return absl::StrCat("bot ", index, " extra frame: ", extra.ToString());
  return "";
}

TEST_F(LoadTest, ManyBotsEchoConcurrentlyExactlyOnceAndInOrderPerRoom) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--max-connections=1000"}));
  std::vector<std::shared_ptr<TestBot>> bots;
  for (int i = 0; i < kBots; ++i) {
    // Half the phones run the v3.2 script; bots share names across devices.
    const Generation generation = i % 2 ? Generation::kV32 : Generation::kV33;
    auto bot = NewBot(generation, absl::StrCat("load.bot", i % 10), absl::StrCat("dev-", i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    bots.push_back(bot);
  }
  for (const auto& bot : bots) ASSERT_OK(ApproveDevice(bot->config().bot_name, bot->config().device_id));

  const auto started = testbot::Clock::now();
  std::vector<std::string> failures(kBots);
  std::vector<std::thread> threads;
  for (int i = 0; i < kBots; ++i) {
    threads.emplace_back([&, i] { failures[i] = RunBot(*bots[i], i); });
  }
  for (std::thread& t : threads) t.join();
  const auto elapsed = std::chrono::duration_cast<testbot::Millis>(testbot::Clock::now() - started);
  RecordProperty("echo_phase_ms", static_cast<int>(elapsed.count()));

  int failed = 0;
  for (const std::string& failure : failures) {
    if (failure.empty()) continue;
    if (++failed <= 10) ADD_FAILURE() << failure;
  }
  EXPECT_EQ(failed, 0) << failed << " of " << kBots << " bots failed";
}

}  // namespace
}  // namespace botrelay::integration
