// Smoke run of `relaybench soak` against the real relayd binary, which the
// soak starts itself (--relayd): a few seconds, a few hundred connections,
// every kind of churn and bad input. The run must account for every message
// and reconcile with relayd's counters; the second test checks that a
// relayd that does not refuse what it should fails the soak.

#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

namespace botrelay::bench {
namespace {

using ::botrelay::test::ProcessResult;
using ::botrelay::test::RunProcess;
using ::testing::HasSubstr;
using ::testing::Not;

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out + "\nstderr:\n" + r.err;
}

// The integer after the first "key": following `after` in the JSON, or -1.
long long JsonInt(const std::string& json, const std::string& key, const std::string& after = "") {
  size_t from = 0;
  if (!after.empty()) {
    from = json.find("\"" + after + "\":");
    if (from == std::string::npos) return -1;
  }
  const size_t at = json.find("\"" + key + "\":", from);
  if (at == std::string::npos) return -1;
  return std::stoll(json.substr(at + key.size() + 3));
}

ProcessResult RunSoak(std::vector<std::string> relayd_args) {
  std::vector<std::string> args = {
      "soak", "--relayd", RELAYD_PATH, "--connections", "300", "--rate", "150",
      // Two of each kind of bad input and of churn per second.
      "--churn-rate", "6", "--bad-rate", "14", "--duration", "4",
      // Half-open probes wait for relayd's handshake timeout.
      "--server-handshake-timeout", "2", "--relayd-arg=--ping-interval=0.5",
      "--progress-interval", "1", "--json"};
  for (std::string& arg : relayd_args) args.push_back("--relayd-arg=" + arg);
  return RunProcess(RELAYBENCH_PATH, args, {}, std::chrono::seconds(90));
}

TEST(RelaybenchSoakTest, EveryMessageAndOutcomeIsAccountedForAndMatchesRelayd) {
  const ProcessResult run = RunSoak({});
  ASSERT_EQ(run.exit_code, 0) << Describe(run);
  const std::string& json = run.out;
  EXPECT_THAT(json, HasSubstr("\"ok\":true")) << json;
  EXPECT_THAT(json, HasSubstr("\"reconciled\":true")) << json;
  EXPECT_THAT(json, Not(HasSubstr("\"ok\":false"))) << json;  // no reconciliation check failed
  EXPECT_THAT(json, HasSubstr("\"failures\":{}")) << json;
  EXPECT_THAT(json, HasSubstr("\"errors\":{}")) << json;
  EXPECT_GT(JsonInt(json, "sent", "echo"), 0) << json;
  EXPECT_EQ(JsonInt(json, "lost", "echo"), 0) << json;
  EXPECT_GT(JsonInt(json, "pings_answered"), 0) << json;
  for (const char* kind : {"malformed_json", "oversize_line", "bad_signature", "replay",
                           "unknown_device", "garbage", "half_open"}) {
    EXPECT_GT(JsonInt(json, "sent", kind), 0) << kind << "\n" << json;
    EXPECT_EQ(JsonInt(json, "verified", kind), JsonInt(json, "sent", kind)) << kind << "\n" << json;
  }
  for (const char* kind : {"reset", "clean", "takeover"}) {
    EXPECT_GT(JsonInt(json, "completed", kind), 0) << kind << "\n" << json;
  }
  // Progress lines go to stderr, the summary alone to stdout.
  EXPECT_THAT(run.err, HasSubstr("held ")) << run.err;
}

TEST(RelaybenchSoakTest, ARelaydThatProcessesForgedFramesFailsTheSoak) {
  // In log mode relayd processes frames whose signature is wrong: the soak
  // sees no auth_failed and gets answers it should not get.
  const ProcessResult run = RunSoak({"--auth-mode=log"});
  EXPECT_EQ(run.exit_code, 1) << Describe(run);
  EXPECT_THAT(run.out, HasSubstr("\"ok\":false")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"outcome_missing:bad_signature\"")) << run.out;
  EXPECT_THAT(run.out, HasSubstr("\"refused_input_answered\"")) << run.out;
}

}  // namespace
}  // namespace botrelay::bench
