#include "tests/integration/relayd_test.h"

#include <thread>

#include "absl/strings/str_cat.h"

namespace botrelay::integration {
namespace {

#ifdef BOTRELAY_RELAYD_BINARY
constexpr const char* kRelaydBinary = BOTRELAY_RELAYD_BINARY;
#else
constexpr const char* kRelaydBinary = nullptr;
#endif

constexpr size_t kTranscriptsShown = 10;

}  // namespace

void RelaydTest::StartRelayd(std::vector<std::string> flags) {
  RelaydOptions options;
  options.flags = std::move(flags);
  StartRelayd(std::move(options));
}

void RelaydTest::StartRelayd(RelaydOptions options) {
  ASSERT_NE(kRelaydBinary, nullptr) << "this build has no relayd target";
  options.flags.insert(options.flags.begin(), "--auth-mode=enforce");
  admin_.reset();
  relayd_.reset();
  absl::StatusOr<std::unique_ptr<RelaydProcess>> started =
      RelaydProcess::Start(kRelaydBinary, std::move(options));
  ASSERT_TRUE(started.ok()) << started.status();
  relayd_ = std::move(*started);
  admin_ = std::make_unique<AdminClient>(relayd_->admin_address());
}

void RelaydTest::TearDown() {
  {
    std::lock_guard<std::mutex> lock(bots_mu_);
    for (const auto& bot : bots_) bot->Close();
  }
  if (!relayd_) return;
  // An open admin channel delays relayd's exit by its gRPC shutdown deadline
  // (LifecycleTest covers that); drop it so teardown stays fast.
  admin_.reset();
  const absl::StatusOr<int> exit_code = relayd_->Stop(10s);
  EXPECT_TRUE(exit_code.ok()) << "stopping relayd with SIGTERM: " << exit_code.status();
  if (exit_code.ok()) {
    EXPECT_EQ(*exit_code, 0) << "relayd's exit code after SIGTERM";
  }
  if (!HasFailure()) return;

  std::string report = "relayd command line:";
  for (const std::string& arg : relayd_->argv()) absl::StrAppend(&report, " ", arg);
  absl::StrAppend(&report, "\n---- relayd stderr (", relayd_->log_path(), ") ----\n",
                  relayd_->LogTail(), "\n---- end of relayd stderr ----\n");
  std::lock_guard<std::mutex> lock(bots_mu_);
  for (size_t i = 0; i < bots_.size() && i < kTranscriptsShown; ++i) {
    absl::StrAppend(&report, bots_[i]->Transcript());
  }
  if (bots_.size() > kTranscriptsShown) {
    absl::StrAppend(&report, "(transcripts of ", bots_.size() - kTranscriptsShown,
                    " more bots omitted)\n");
  }
  std::fprintf(stderr, "%s", report.c_str());
}

TestBotConfig RelaydTest::BotConfig(Generation generation, const std::string& bot_name,
                                    const std::string& device_id) const {
  TestBotConfig config;
  config.host = "127.0.0.1";
  config.port = relayd_->bot_port();
  config.generation = generation;
  config.bot_name = bot_name;
  config.device_id = device_id;
  RelaydOptions defaults;
  config.secret_key = defaults.secret_key;
  config.salt = defaults.salt;
  return config;
}

std::shared_ptr<TestBot> RelaydTest::NewBot(TestBotConfig config) {
  auto bot = std::make_shared<TestBot>(std::move(config));
  std::lock_guard<std::mutex> lock(bots_mu_);
  bots_.push_back(bot);
  return bot;
}

std::shared_ptr<TestBot> RelaydTest::NewBot(Generation generation, const std::string& bot_name,
                                            const std::string& device_id) {
  return NewBot(BotConfig(generation, bot_name, device_id));
}

absl::StatusOr<ServerFrame> RelaydTest::ConnectAndHandshake(TestBot& bot) {
  absl::Status connected = bot.Connect();
  if (!connected.ok()) return connected;
  absl::StatusOr<ServerFrame> hello = bot.Handshake(5000ms);
  if (!hello.ok()) return hello;
  if (hello->Bool("success") != true) {
    return absl::FailedPreconditionError(absl::StrCat("handshake not successful: ", hello->line()));
  }
  return hello;
}

absl::Status RelaydTest::ApproveDevice(const std::string& bot_name, const std::string& device_id) {
  return admin_->ApproveDevice(bot_name, device_id).status();
}

absl::StatusOr<std::shared_ptr<TestBot>> RelaydTest::ConnectApproved(TestBotConfig config) {
  std::shared_ptr<TestBot> bot = NewBot(std::move(config));
  absl::StatusOr<ServerFrame> hello = ConnectAndHandshake(*bot);
  if (!hello.ok()) return hello.status();
  if (hello->Bool("approved") == true) return bot;
  absl::Status approved = ApproveDevice(bot->config().bot_name, bot->config().device_id);
  if (!approved.ok()) return approved;
  return bot;
}

absl::StatusOr<std::shared_ptr<TestBot>> RelaydTest::ConnectApproved(Generation generation,
                                                                    const std::string& bot_name,
                                                                    const std::string& device_id) {
  return ConnectApproved(BotConfig(generation, bot_name, device_id));
}

absl::Status RelaydTest::WaitForConnections(const std::string& bot_name,
                                            const std::string& device_id, int count,
                                            testbot::Millis timeout) {
  const auto deadline = testbot::Clock::now() + timeout;
  int seen = -1;
  while (true) {
    absl::StatusOr<adminpb::ListConnectionsResponse> list =
        admin_->ListConnections(bot_name, device_id);
    if (!list.ok()) return list.status();
    seen = list->connections_size();
    if (seen == count) return absl::OkStatus();
    if (testbot::Clock::now() > deadline) {
      return absl::DeadlineExceededError(absl::StrCat("expected ", count, " connections of ", bot_name,
                                                      "/", device_id, ", relayd lists ", seen, ": ",
                                                      list->ShortDebugString()));
    }
    std::this_thread::sleep_for(20ms);
  }
}

::testing::AssertionResult RelaydTest::EchoRoundTrip(TestBot& bot, const std::string& word,
                                                     testbot::Millis timeout) {
  absl::Status sent = bot.SendText("# echo " + word);
  if (!sent.ok()) return ::testing::AssertionFailure() << "sending: " << sent;
  absl::StatusOr<ServerFrame> reply = bot.WaitFor("messageResponse", timeout);
  if (!reply.ok()) return ::testing::AssertionFailure() << "echo of '" << word << "': " << reply.status();
  if (!reply->text() || reply->text()->find(word) == std::string::npos) {
    return ::testing::AssertionFailure()
           << "echo reply does not contain '" << word << "': " << reply->line();
  }
  return ::testing::AssertionSuccess();
}

}  // namespace botrelay::integration
