// The dispatcher on a small command tree, in process: which command runs,
// with which arguments and global options, and what the exit code is.

#include "cli/command.h"

#include <sstream>
#include <string>
#include <vector>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace botrelay::cli {
namespace {

using ::testing::ElementsAre;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;

struct Seen {
  std::string command;
  std::vector<std::string> positionals;
  std::string address;
  OutputFormat format = OutputFormat::kTable;
  std::string token;
};

class CommandTest : public ::testing::Test {
 protected:
  CommandTest() {
    auto record = [this](std::string name, int code) {
      return [this, name, code](Invocation& inv) {
        seen_.push_back({name, inv.args().positionals(),
                         inv.globals().client.address, inv.globals().format,
                         inv.globals().client.token});
        return code;
      };
    };
    root_ = {.name = "tool",
             .summary = "A test tool.",
             .subcommands = {
                 {.name = "things",
                  .summary = "Manage things",
                  .subcommands = {{.name = "get",
                                   .summary = "Get a thing",
                                   .arguments = "KIND NAME",
                                   .min_arguments = 2,
                                   .max_arguments = 2,
                                   .run = record("things get", 0)},
                                  {.name = "fail",
                                   .summary = "Fails",
                                   .run = record("things fail", 1)}}},
                 {.name = "drain",
                  .summary = "Drain",
                  .options = {{.name = "watch", .type = ValueType::kSwitch}},
                  .run = record("drain", 0),
                  .subcommands = {{.name = "status",
                                   .summary = "Status",
                                   .run = record("drain status", 0)}}}}};
    setenv(kAddressEnv, "", 1);
    setenv(kTokenEnv, "", 1);
  }

  int Run(std::vector<std::string> args) {
    out_.str("");
    err_.str("");
    return RunCommandLine(root_, args, out_, err_);
  }

  Command root_;
  std::vector<Seen> seen_;
  std::ostringstream out_;
  std::ostringstream err_;
};

TEST_F(CommandTest, GlobalFlagsMayComeBeforeBetweenOrAfterCommandWords) {
  EXPECT_EQ(Run({"--addr", "h:1", "things", "-o", "json", "get", "a", "b",
                 "--token=t"}),
            kExitOk);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].command, "things get");
  EXPECT_THAT(seen_[0].positionals, ElementsAre("a", "b"));
  EXPECT_EQ(seen_[0].address, "h:1");
  EXPECT_EQ(seen_[0].format, OutputFormat::kJson);
  EXPECT_EQ(seen_[0].token, "t");
}

TEST_F(CommandTest, DefaultsAndEnvironment) {
  EXPECT_EQ(Run({"things", "fail"}), kExitFailure);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_EQ(seen_[0].address, "127.0.0.1:7701");
  EXPECT_EQ(seen_[0].format, OutputFormat::kTable);
  EXPECT_EQ(seen_[0].token, "");

  setenv(kAddressEnv, "env:2", 1);
  setenv(kTokenEnv, "env-token", 1);
  EXPECT_EQ(Run({"things", "fail"}), kExitFailure);
  EXPECT_EQ(seen_[1].address, "env:2");
  EXPECT_EQ(seen_[1].token, "env-token");
}

TEST_F(CommandTest, ACommandWithSubcommandsRunsItselfOrTheSubcommand) {
  EXPECT_EQ(Run({"drain", "--watch"}), kExitOk);
  EXPECT_EQ(Run({"drain", "status"}), kExitOk);
  ASSERT_EQ(seen_.size(), 2u);
  EXPECT_EQ(seen_[0].command, "drain");
  EXPECT_EQ(seen_[1].command, "drain status");
  // A flag of "drain" is not a flag of "drain status".
  EXPECT_EQ(Run({"drain", "status", "--watch"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: unknown flag --watch"));
}

TEST_F(CommandTest, DoubleDashPassesArgumentsThatLookLikeFlags) {
  EXPECT_EQ(Run({"things", "get", "--", "-kind", "--name"}), kExitOk);
  ASSERT_EQ(seen_.size(), 1u);
  EXPECT_THAT(seen_[0].positionals, ElementsAre("-kind", "--name"));
}

TEST_F(CommandTest, UsageErrorsRunNothing) {
  EXPECT_EQ(Run({"things", "get", "a"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: 'tool things get' needs KIND NAME"));
  EXPECT_EQ(Run({"things", "get", "a", "b", "c"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: unexpected argument 'c'"));
  EXPECT_EQ(Run({"things"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: 'tool things' needs a command"));
  EXPECT_EQ(Run({"thing"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: unknown command 'thing' for 'tool'"));
  EXPECT_EQ(Run({"drain", "stat"}), kExitUsage);
  EXPECT_THAT(err_.str(), StartsWith("relayctl: unknown command 'stat' for 'tool drain'"));
  EXPECT_THAT(err_.str(), HasSubstr("Usage:\n  tool drain [flags]\n  tool drain COMMAND [flags]\n"));
  EXPECT_THAT(out_.str(), IsEmpty());
  EXPECT_THAT(seen_, IsEmpty());
}

TEST_F(CommandTest, HelpPrintsTheUsageOfTheCommandReached) {
  EXPECT_EQ(Run({"things", "--help"}), kExitOk);
  EXPECT_EQ(out_.str().substr(0, out_.str().find("\nGlobal flags:")),
            "Usage:\n"
            "  tool things COMMAND [flags]\n"
            "\n"
            "Manage things\n"
            "\n"
            "Commands:\n"
            "  get    Get a thing\n"
            "  fail   Fails\n");
  EXPECT_THAT(out_.str(), HasSubstr("  -o, --output FORMAT"));
  EXPECT_THAT(out_.str(), HasSubstr("Run 'tool things COMMAND --help'"));

  EXPECT_EQ(Run({"things", "get", "-h"}), kExitOk);
  EXPECT_THAT(out_.str(), StartsWith("Usage:\n  tool things get KIND NAME [flags]\n"));
  EXPECT_THAT(seen_, IsEmpty());
}

}  // namespace
}  // namespace botrelay::cli
