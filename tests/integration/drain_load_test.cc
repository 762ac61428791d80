// A drain under load: 50 phones each have a burst of echo requests accepted
// whose replies are still queued in relayd when SIGTERM arrives, and each
// sends more messages right after the signal. Every accepted message is
// answered, every later one gets a reply or error{shutting_down} (never
// silence), every phone gets serverShutdown with reconnect_after inside the
// configured spread, and relayd exits 0 within the drain deadline.
// (relayd serves the later ones too, as it closes a drained connection only
// after the phone has answered a barrier ping; either answer keeps the
// promise.)

#include <signal.h>

#include <filesystem>
#include <fstream>
#include <map>
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

// True once every thread of `pid` is stopped (SIGSTOP takes effect
// asynchronously: kill() returns before the threads have stopped).
bool AllThreadsStopped(pid_t pid) {
  const std::string tasks = absl::StrCat("/proc/", pid, "/task");
  std::error_code ec;
  int threads = 0;
  for (const auto& task : std::filesystem::directory_iterator(tasks, ec)) {
    std::ifstream stat(task.path() / "stat");
    std::string line;
    std::getline(stat, line);
    const size_t name_end = line.rfind(')');  // "pid (comm) S ..."
    if (name_end == std::string::npos || name_end + 2 >= line.size()) return false;
    if (line[name_end + 2] != 'T' && line[name_end + 2] != 't') return false;
    ++threads;
  }
  return !ec && threads > 0;
}

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
  testbot::Millis late_sent_after_sigterm{-1};
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

TEST_F(DrainLoadTest, SigtermLeavesNoMessageUnansweredAndExitsZero) {
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
  std::map<std::string, uint64_t> queued_by_device;
  for (const adminpb::Connection& c : connections->connections()) {
    if (c.outbound_buffered_bytes() > 0) ++backed_up;
    queued_bytes += c.outbound_buffered_bytes();
    queued_by_device[c.device_id()] = c.outbound_buffered_bytes();
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
        const auto late_sent = std::chrono::duration_cast<testbot::Millis>(
            testbot::Clock::now() - signalled);
        if (!sent.ok()) {
          outcomes[i].failure = absl::StrCat("bot ", i, " late send: ", sent.ToString());
          return;
        }
        outcomes[i] = CollectAndCheck(*bots[i], i);
        outcomes[i].late_sent_after_sigterm = late_sent;
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
    if (!o.failure.empty() && ++failed <= 10) {
      ADD_FAILURE() << o.failure << " (late messages written " << o.late_sent_after_sigterm.count()
                    << " ms after SIGTERM; relayd had "
                    << queued_by_device[bots[i]->config().device_id]
                    << " reply bytes queued for it before SIGTERM)";
    }
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

// The same promise without the luck of timing. relayd's event loop is held
// (SIGSTOP, as a busy or descheduled loop would be) while the phone, already
// told to leave, writes one more message and reads what is in its socket; so
// when the loop runs again, the message and the room to flush the last
// replies arrive together. The message must be answered (a reply, or
// error{shutting_down}), never dropped.
TEST_F(DrainLoadTest, AMessageReceivedBeforeRelaydsFinIsAnsweredEvenIfTheLoopRunsLate) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({
      absl::StrCat("--drain-deadline=", kDrainDeadlineSeconds),
      absl::StrCat("--socket-sndbuf=", kRelaydSendBuffer),
      "--ping-interval=3600",
  }));
  auto bot = ConnectApproved(Generation::kV33, "drain.bot", "dev-late");
  ASSERT_OK(bot);
  // Load messages until relayd holds replies it cannot hand to the kernel
  // (the phone is not reading): then its FIN has to wait for the phone.
  int sent = 0;
  uint64_t queued = 0;
  while (queued == 0) {
    ASSERT_LT(sent, 64) << "relayd never had to queue replies";
    ASSERT_OK((*bot)->SendChat(LoadMessage(0, sent)));
    ++sent;
    while (true) {
      auto c = admin().ListConnections("drain.bot", "dev-late");
      ASSERT_OK(c);
      ASSERT_EQ(c->connections_size(), 1);
      if (c->connections(0).messages_in() == static_cast<uint64_t>(1 + sent)) {
        queued = c->connections(0).outbound_buffered_bytes();
        break;
      }
    }
  }

  relayd().Signal(SIGTERM);
  // The drain has reached the connection (and tried to flush) once it is
  // listed as closing; the second listing runs after that flush attempt.
  for (int seen = 0; seen < 2;) {
    auto c = admin().ListConnections("drain.bot", "dev-late");
    ASSERT_OK(c);
    ASSERT_EQ(c->connections_size(), 1);
    if (c->connections(0).state() == adminpb::CONNECTION_STATE_CLOSING) ++seen;
  }
  relayd().Signal(SIGSTOP);
  struct Continue {
    RelaydProcess& relayd;
    ~Continue() { relayd.Signal(SIGCONT); }
  } resume_on_exit{relayd()};
  const auto stop_deadline = testbot::Clock::now() + 2s;
  while (!AllThreadsStopped(relayd().pid())) {
    ASSERT_LT(testbot::Clock::now(), stop_deadline) << "relayd did not stop";
    std::this_thread::sleep_for(1ms);
  }

  ChatMessage late;
  late.text = "# echo " + LatePrompt(0, 0);
  ASSERT_OK((*bot)->SendChat(late));
  std::vector<ServerFrame> frames;
  while (true) {  // what the kernel already holds for the phone
    auto frame = (*bot)->ReadFrame(200ms);
    if (!frame.ok()) {
      ASSERT_TRUE(absl::IsDeadlineExceeded(frame.status())) << frame.status();
      break;
    }
    frames.push_back(*std::move(frame));
  }
  relayd().Signal(SIGCONT);
  auto rest = (*bot)->WaitForClose(5000ms);
  ASSERT_OK(rest);
  frames.insert(frames.end(), rest->begin(), rest->end());

  const std::string late_reply = "에코: " + LatePrompt(0, 0);
  int replies = 0, shutdowns = 0, late_answered = 0, late_refused = 0;
  for (const ServerFrame& frame : frames) {
    if (frame.event() == "messageResponse") {
      if (frame.text() == late_reply) {
        ++late_answered;
      } else {
        ++replies;
      }
    } else if (frame.event() == "serverShutdown") {
      ++shutdowns;
    } else if (frame.event() == "error") {
      EXPECT_EQ(frame.error_code(), "shutting_down") << frame.line();
      EXPECT_EQ(shutdowns, 1) << "error before serverShutdown: " << frame.line();
      ++late_refused;
    } else if (frame.event() != "ping") {
      ADD_FAILURE() << "unexpected frame: " << frame.line();
    }
  }
  EXPECT_EQ(replies, sent * kRepeat) << "replies to the accepted messages";
  EXPECT_EQ(shutdowns, 1);
  EXPECT_EQ(late_answered + late_refused, 1)
      << "the message relayd received before its FIN: " << late_answered << " replies, "
      << late_refused << " shutting_down errors; relayd had " << queued
      << " reply bytes queued when the drain began";
  auto exit_code = relayd().Wait(std::chrono::seconds(kDrainDeadlineSeconds));
  ASSERT_OK(exit_code);
  EXPECT_EQ(*exit_code, 0);
}

}  // namespace
}  // namespace botrelay::integration
