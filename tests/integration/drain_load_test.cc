// A drain under load: 50 phones each have a burst of echo requests accepted
// whose replies are still queued in relayd when SIGTERM arrives, and each
// sends more messages right after the signal. Every accepted message is
// answered, every later one gets a reply or error{shutting_down} (never
// silence), every phone gets serverShutdown with reconnect_after inside the
// configured spread, and relayd exits 0 within the drain deadline.

#include <signal.h>

#include <set>
#include <thread>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

constexpr int kBots = 50;
constexpr int kMessagesPerBot = 16;  // accepted before the drain
constexpr int kLateMessages = 2;     // sent right after SIGTERM
constexpr int kRooms = 3;
constexpr int kRepeat = 5;           // replies per message
constexpr int kDrainDeadlineSeconds = 10;
constexpr int kSpreadSeconds = 20;
// Big replies and a small relayd send buffer: the replies cannot all fit in
// the kernel's buffers while the phones are not reading, so they are still
// in relayd when the drain begins.
constexpr size_t kPadding = 4000;
constexpr int kRelaydSendBuffer = 16384;

class DrainLoadTest : public RelaydTest {};

std::string Padding() {
  std::string pad;
  while (pad.size() < kPadding) pad += "0123456789";
  return pad;
}

// "b<bot>-m<message>-end <padding>": the prompt of a load message.
std::string LoadPrompt(int bot, int message) {
  return absl::StrCat("b", bot, "-m", message, "-end ", Padding());
}

ChatMessage LoadMessage(int bot, int message) {
  ChatMessage chat;
  chat.room = absl::StrCat("room-", message % kRooms);
  chat.channel_id = std::to_string(5000 + message % kRooms);
  chat.text = absl::StrCat("# echo ", LoadPrompt(bot, message), " --repeat=", kRepeat);
  return chat;
}

std::string LatePrompt(int bot, int message) { return absl::StrCat("b", bot, "-late", message); }

// What one phone received after the signal, and what is wrong with it.
struct Outcome {
  std::string failure;  // empty if everything checked out
  int late_answered = 0;
  int late_refused = 0;
  int64_t reconnect_after = -1;
};

// Reads everything until relayd closes and checks it.
Outcome CollectAndCheck(TestBot& bot, int index) {
  Outcome outcome;
  auto fail = [&](const std::string& why) {
    if (outcome.failure.empty()) outcome.failure = absl::StrCat("bot ", index, ": ", why);
  };
  // replies[m] = the repeat numbers received for load message m, in order.
  std::vector<std::vector<int>> replies(kMessagesPerBot);
  int next_in_room[kRooms];
  for (int r = 0; r < kRooms; ++r) next_in_room[r] = r;
  std::vector<bool> late_answered(kLateMessages, false);
  int shutting_down = 0;
  int shutdowns = 0;
  const auto deadline = testbot::Clock::now() + std::chrono::seconds(kDrainDeadlineSeconds + 5);
  while (true) {
    const auto left =
        std::chrono::duration_cast<testbot::Millis>(deadline - testbot::Clock::now());
    absl::StatusOr<ServerFrame> frame = bot.ReadFrame(std::max(left, testbot::Millis(1)));
    if (!frame.ok()) {
      if (!absl::IsUnavailable(frame.status())) fail(frame.status().ToString());
      break;
    }
    const std::string& event = frame->event();
    if (event == "serverShutdown") {
      ++shutdowns;
      if (frame->String("reason") != "server shutdown (SIGTERM)") fail("reason: " + frame->line());
      outcome.reconnect_after = frame->Int("reconnect_after").value_or(-1);
    } else if (event == "error") {
      if (frame->error_code() != "shutting_down" || shutdowns == 0) {
        fail("unexpected error: " + frame->line());
      }
      ++shutting_down;
    } else if (event == "messageResponse") {
      const std::string text = frame->text().value_or("");
      // "[i/5] 에코: b<bot>-m<m>-end ..." or "에코: b<bot>-late<j>".
      int repeat = 0, message = -1, late = -1;
      const std::string load_prefix = absl::StrCat("/", kRepeat, "] 에코: b", index, "-m");
      const std::string late_prefix = absl::StrCat("에코: b", index, "-late");
      if (text.size() > 3 && text[0] == '[' && text.find(load_prefix) != std::string::npos) {
        const size_t slash = text.find('/');
        const size_t start = text.find(load_prefix) + load_prefix.size();
        const size_t end = text.find("-end ", start);
        if (!absl::SimpleAtoi(text.substr(1, slash - 1), &repeat) || end == std::string::npos ||
            !absl::SimpleAtoi(text.substr(start, end - start), &message) || message < 0 ||
            message >= kMessagesPerBot || text != absl::StrCat("[", repeat, "/", kRepeat,
                                                                "] 에코: ", LoadPrompt(index, message))) {
          fail("garbled reply: " + text.substr(0, 80));
          continue;
        }
        std::vector<int>& got = replies[message];
        if (got.empty()) {  // first reply of this message: room order
          if (message != next_in_room[message % kRooms]) {
            fail(absl::StrCat("room ", message % kRooms, ": reply to m", message, " before m",
                              next_in_room[message % kRooms]));
          }
          next_in_room[message % kRooms] = message + kRooms;
        }
        got.push_back(repeat);
      } else if (text.rfind(late_prefix, 0) == 0 &&
                 absl::SimpleAtoi(text.substr(late_prefix.size()), &late) && late >= 0 &&
                 late < kLateMessages) {
        if (late_answered[late]) fail("late message answered twice: " + text);
        late_answered[late] = true;
      } else {
        fail("reply that is not ours: " + text.substr(0, 80));
      }
    } else if (event != "ping") {
      fail("unexpected frame: " + frame->line().substr(0, 200));
    }
  }
  if (!bot.closed_at()) fail("relayd did not close the connection");
  if (shutdowns != 1) fail(absl::StrCat(shutdowns, " serverShutdown frames"));
  for (int m = 0; m < kMessagesPerBot; ++m) {
    std::vector<int> all_repeats;
    for (int i = 1; i <= kRepeat; ++i) all_repeats.push_back(i);
    if (replies[m] != all_repeats) {
      fail(absl::StrCat("accepted message m", m, " got ", replies[m].size(), " of ", kRepeat,
                        " replies"));
    }
  }
  // Late messages: each answered or refused, never silent; relayd reads a
  // connection in order, so the answered ones come first.
  for (int j = 0; j < kLateMessages; ++j) {
    if (late_answered[j]) {
      ++outcome.late_answered;
      if (j > 0 && !late_answered[j - 1]) fail(absl::StrCat("late", j, " answered after a refusal"));
    }
  }
  outcome.late_refused = shutting_down;
  if (outcome.late_answered + outcome.late_refused != kLateMessages) {
    fail(absl::StrCat(kLateMessages, " late messages, ", outcome.late_answered, " answered, ",
                      outcome.late_refused, " refused: ",
                      kLateMessages - outcome.late_answered - outcome.late_refused, " unanswered"));
  }
  return outcome;
}

absl::StatusOr<double> AcceptedTotal(AdminClient& admin) {
  adminpb::GetStatsResponse stats;
  absl::Status s = FromGrpc(
      admin.stub().GetStats(admin.NewContext().get(), adminpb::GetStatsRequest(), &stats));
  if (!s.ok()) return s;
  for (const adminpb::MetricSample& sample : stats.samples()) {
    if (sample.name() == "botrelay_messages_accepted_total") return sample.value();
  }
  return absl::NotFoundError("no botrelay_messages_accepted_total in GetStats");
}

TEST_F(DrainLoadTest, SigtermAnswersAcceptedMessagesRefusesLaterOnesAndExitsZero) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({
      absl::StrCat("--drain-deadline=", kDrainDeadlineSeconds),
      absl::StrCat("--drain-reconnect-spread=", kSpreadSeconds),
      absl::StrCat("--socket-sndbuf=", kRelaydSendBuffer),
      "--max-connections=1000",
      "--ping-interval=3600",
  }));
  std::vector<std::shared_ptr<TestBot>> bots;
  for (int i = 0; i < kBots; ++i) {
    const Generation generation = i % 2 ? Generation::kV32 : Generation::kV33;
    auto bot = NewBot(generation, absl::StrCat("drain.bot", i % 5), absl::StrCat("dev-", i));
    ASSERT_OK(ConnectAndHandshake(*bot));
    bots.push_back(bot);
  }
  for (const auto& bot : bots) ASSERT_OK(ApproveDevice(bot->config().bot_name, bot->config().device_id));

  // Every phone writes its burst at once, without reading.
  std::vector<std::string> send_failures(kBots);
  {
    std::vector<std::thread> writers;
    for (int i = 0; i < kBots; ++i) {
      writers.emplace_back([&, i] {
        std::string burst;
        for (int m = 0; m < kMessagesPerBot; ++m) {
          absl::StatusOr<std::string> line = bots[i]->PrepareChat(LoadMessage(i, m));
          if (!line.ok()) {
            send_failures[i] = line.status().ToString();
            return;
          }
          burst += *line;
        }
        absl::Status sent = bots[i]->SendRaw(burst);
        if (!sent.ok()) send_failures[i] = sent.ToString();
      });
    }
    for (std::thread& t : writers) t.join();
  }
  for (int i = 0; i < kBots; ++i) ASSERT_EQ(send_failures[i], "") << "bot " << i;

  // relayd has accepted all of them...
  const double expected_accepted = kBots * kMessagesPerBot;
  double accepted = 0;
  const auto accept_deadline = testbot::Clock::now() + 10s;
  while (accepted < expected_accepted && testbot::Clock::now() < accept_deadline) {
    auto total = AcceptedTotal(admin());
    ASSERT_OK(total);
    accepted = *total;
    if (accepted < expected_accepted) std::this_thread::sleep_for(10ms);
  }
  ASSERT_EQ(accepted, expected_accepted);
  // ...and their replies are still in flight: queued in relayd, unsent.
  auto connections = admin().ListConnections("", "");
  ASSERT_OK(connections);
  ASSERT_EQ(connections->connections_size(), kBots);
  int backed_up = 0;
  uint64_t queued_bytes = 0;
  for (const adminpb::Connection& c : connections->connections()) {
    if (c.outbound_buffered_bytes() > 0) ++backed_up;
    queued_bytes += c.outbound_buffered_bytes();
  }
  RecordProperty("reply_bytes_queued_in_relayd_at_sigterm", static_cast<int>(queued_bytes));
  EXPECT_EQ(backed_up, kBots) << "connections with replies still queued in relayd";

  const auto signalled = testbot::Clock::now();
  relayd().Signal(SIGTERM);
  std::vector<Outcome> outcomes(kBots);
  {
    std::vector<std::thread> readers;
    for (int i = 0; i < kBots; ++i) {
      readers.emplace_back([&, i] {
        // More messages right after the signal, before reading anything.
        std::string late;
        for (int j = 0; j < kLateMessages; ++j) {
          ChatMessage chat;
          chat.room = "room-late";
          chat.text = absl::StrCat("# echo ", LatePrompt(i, j));
          absl::StatusOr<std::string> line = bots[i]->PrepareChat(chat);
          if (!line.ok()) {
            outcomes[i].failure = line.status().ToString();
            return;
          }
          late += *line;
        }
        absl::Status sent = bots[i]->SendRaw(late);
        if (!sent.ok()) {
          outcomes[i].failure = absl::StrCat("bot ", i, " late send: ", sent.ToString());
          return;
        }
        outcomes[i] = CollectAndCheck(*bots[i], i);
      });
    }
    for (std::thread& t : readers) t.join();
  }
  auto exit_code = relayd().Wait(std::chrono::seconds(kDrainDeadlineSeconds + 5));
  const auto took = std::chrono::duration_cast<testbot::Millis>(testbot::Clock::now() - signalled);
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
  RecordProperty("sigterm_to_exit_ms", static_cast<int>(took.count()));
  EXPECT_LT(took, std::chrono::seconds(kDrainDeadlineSeconds)) << "relayd exit after SIGTERM";

  int failed = 0, late_answered = 0, late_refused = 0;
  std::set<int64_t> reconnect_values;
  for (int i = 0; i < kBots; ++i) {
    const Outcome& o = outcomes[i];
    if (!o.failure.empty() && ++failed <= 10) ADD_FAILURE() << o.failure;
    late_answered += o.late_answered;
    late_refused += o.late_refused;
    EXPECT_GE(o.reconnect_after, 1) << "bot " << i;
    EXPECT_LE(o.reconnect_after, kSpreadSeconds) << "bot " << i;
    reconnect_values.insert(o.reconnect_after);
  }
  EXPECT_EQ(failed, 0) << failed << " of " << kBots << " bots saw a problem";
  // Spread, not one value for everybody.
  EXPECT_GT(reconnect_values.size(), 1u);
  RecordProperty("late_messages_answered", late_answered);
  RecordProperty("late_messages_refused_shutting_down", late_refused);
}

}  // namespace
}  // namespace botrelay::integration
