// Runs the relayctl binary as a user would and checks what it prints and
// its exit code: help on every level, usage errors, and health checks
// against a closed port and against gRPC's own health service.

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <grpcpp/generic/async_generic_service.h>
#include <grpcpp/health_check_service_interface.h>
#include <grpcpp/security/server_credentials.h>
#include <grpcpp/server.h>
#include <grpcpp/server_builder.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"
#include "tests/cli/subprocess.h"

namespace botrelay::cli {
namespace {

using ::testing::AllOf;
using ::testing::HasSubstr;
using ::testing::IsEmpty;
using ::testing::StartsWith;
using ::botrelay::test::ProcessResult;
using ::botrelay::test::RunProcess;

// Every run starts from a clean environment as far as relayctl is
// concerned, so a developer's exported settings cannot change the result.
const std::vector<std::string> kCleanEnv = {"BOTRELAY_ADMIN_ADDR=",
                                            "BOTRELAY_ADMIN_TOKEN="};

ProcessResult Relayctl(const std::vector<std::string>& args,
                       std::vector<std::string> env = {}) {
  env.insert(env.begin(), kCleanEnv.begin(), kCleanEnv.end());
  return RunProcess(RELAYCTL_PATH, args, env);
}

std::string Describe(const ProcessResult& r) {
  return "exit " + std::to_string(r.exit_code) + "\nstdout:\n" + r.out +
         "\nstderr:\n" + r.err;
}

// A loopback TCP port that is bound but not listening: connecting to it is
// refused, and nothing else can take it while this object lives.
class ClosedPort {
 public:
  ClosedPort() {
    fd_ = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof addr;
    if (fd_ < 0 || bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
        getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
      ADD_FAILURE() << "cannot reserve a loopback port";
      return;
    }
    port_ = ntohs(addr.sin_port);
  }
  ~ClosedPort() {
    if (fd_ >= 0) close(fd_);
  }
  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }

 private:
  int fd_ = -1;
  int port_ = 0;
};

struct HelpCase {
  std::vector<std::string> command;
  std::vector<std::string> mentions;  // subcommands or flags the help lists
};

const std::vector<HelpCase>& HelpCases() {
  static const std::vector<HelpCase> cases = {
      {{}, {"devices", "connections", "send", "stats", "health", "drain", "migrate", "bans", "--addr",
            "--token", "--token-file", "--output", "--timeout"}},
      {{"devices"}, {"list", "get", "approve", "block", "revoke", "deny", "delete"}},
      {{"devices", "list"}, {"--bot", "--status", "--page-size", "--all-pages"}},
      {{"devices", "get"}, {"BOT DEVICE"}},
      {{"devices", "approve"}, {"BOT DEVICE", "--reason"}},
      {{"devices", "block"}, {"BOT DEVICE", "--reason"}},
      {{"devices", "revoke"}, {"BOT DEVICE", "--reason"}},
      {{"devices", "deny"}, {"BOT DEVICE", "--reason"}},
      {{"devices", "delete"}, {"BOT DEVICE", "--reason"}},
      {{"connections"}, {"list", "get", "kick"}},
      {{"connections", "list"}, {"--bot", "--device", "--state", "--limit"}},
      {{"connections", "get"}, {"ID"}},
      {{"connections", "kick"}, {"ID", "--reason"}},
      {{"send"}, {"--bot", "--device", "--room", "--channel-id", "--text", "--media",
                  "--media-type", "--media-wait-ms"}},
      {{"stats"}, {"--filter"}},
      {{"health"}, {"--service"}},
      {{"drain"}, {"status", "--reason", "--deadline", "--spread", "--watch"}},
      {{"drain", "status"}, {"--watch"}},
      {{"migrate"}, {"status", "--to", "--all", "--bot", "--device", "--fraction", "--rate",
                     "--after", "--watch"}},
      {{"migrate", "status"}, {"[ID]", "--watch"}},
      {{"bans"}, {"list", "lift", "add"}},
      {{"bans", "lift"}, {"ADDRESS"}},
      {{"bans", "add"}, {"ADDRESS", "--for", "--reason"}},
  };
  return cases;
}

TEST(RelayctlProcessTest, HelpOnEveryLevelExitsZeroAndListsWhatIsThere) {
  for (const HelpCase& c : HelpCases()) {
    for (const char* help : {"--help", "-h"}) {
      std::vector<std::string> args = c.command;
      args.push_back(help);
      const ProcessResult r = Relayctl(args);
      SCOPED_TRACE(::testing::PrintToString(args));
      ASSERT_EQ(r.exit_code, 0) << Describe(r);
      EXPECT_THAT(r.out, StartsWith("Usage:"));
      EXPECT_THAT(r.err, IsEmpty());
      for (const std::string& word : c.mentions) {
        EXPECT_THAT(r.out, HasSubstr(word));
      }
    }
  }
}

TEST(RelayctlProcessTest, HelpWinsOverMissingArguments) {
  // "devices get" needs BOT DEVICE, but asking for help is not an error.
  const ProcessResult r = Relayctl({"devices", "get", "--help"});
  EXPECT_EQ(r.exit_code, 0) << Describe(r);
  EXPECT_THAT(r.out, HasSubstr("relayctl devices get BOT DEVICE"));
}

TEST(RelayctlProcessTest, NoCommandIsAUsageError) {
  const ProcessResult r = Relayctl({});
  EXPECT_EQ(r.exit_code, 2) << Describe(r);
  EXPECT_THAT(r.out, IsEmpty());
  EXPECT_THAT(r.err, AllOf(StartsWith("relayctl: "), HasSubstr("Usage:")));
}

struct UsageErrorCase {
  std::vector<std::string> args;
  std::string message;
};

TEST(RelayctlProcessTest, UsageErrorsExitTwoWithAMessageAndUsage) {
  const std::vector<UsageErrorCase> cases = {
      {{"frobnicate"}, "unknown command 'frobnicate'"},
      {{"devices"}, "'relayctl devices' needs a command"},
      {{"devices", "frob"}, "unknown command 'frob' for 'relayctl devices'"},
      {{"devices", "list", "--frob"}, "unknown flag --frob"},
      {{"--frob", "stats"}, "unknown flag --frob"},
      {{"devices", "get", "bot"}, "needs BOT DEVICE"},
      {{"devices", "approve", "bot", "dev", "extra"}, "unexpected argument 'extra'"},
      {{"devices", "list", "--status", "happy"}, "invalid --status 'happy'"},
      {{"devices", "list", "--page-size", "many"}, "invalid value 'many' for --page-size"},
      {{"devices", "list", "--bot"}, "--bot needs a value"},
      {{"connections", "get", "abc"}, "invalid connection ID 'abc'"},
      {{"connections", "list", "--state", "gone"}, "invalid --state 'gone'"},
      {{"send", "--room", "r", "--text", "t"}, "--bot is required"},
      {{"send", "--bot", "b", "--text", "t"}, "--room is required"},
      {{"send", "--bot", "b", "--room", "r"}, "nothing to send"},
      {{"stats", "-o", "yaml"}, "invalid output format 'yaml'"},
      {{"stats", "--timeout", "0"}, "--timeout must be greater than 0"},
      {{"stats", "--token", "a", "--token-file", "/dev/null"}, "mutually exclusive"},
      {{"stats", "--token-file", "/nonexistent/relayctl-token"}, "cannot read token file"},
      {{"drain", "statsu"}, "unknown command 'statsu' for 'relayctl drain'"},
      {{"drain", "--deadline", "soon"}, "invalid value 'soon' for --deadline"},
      {{"migrate", "--all"}, "--to is required"},
      {{"migrate", "--to", "nohost", "--all"}, "invalid --to 'nohost'"},
      {{"migrate", "--to", "h:70000", "--all"}, "invalid --to 'h:70000'"},
      {{"migrate", "--to", "h:7700"}, "exactly one of --all, --bot, --device and --fraction"},
      {{"migrate", "--to", "h:7700", "--all", "--bot", "b"}, "exactly one of"},
      {{"migrate", "--to", "h:7700", "--fraction", "1.5"}, "--fraction must be in (0, 1]"},
      {{"migrate", "--to", "h:7700", "--device", "no-slash"}, "invalid --device 'no-slash'"},
      {{"migrate", "status", "a", "b"}, "unexpected argument 'b'"},
      {{"bans", "add", "203.0.113.7"}, "--for is required"},
      {{"bans", "add", "203.0.113.7", "--for", "soon"}, "invalid --for 'soon'"},
      {{"bans", "add", "203.0.113.7", "--for", "500ms"}, "invalid --for '500ms'"},
      {{"bans", "lift"}, "needs ADDRESS"},
  };
  for (const UsageErrorCase& c : cases) {
    SCOPED_TRACE(::testing::PrintToString(c.args));
    const ProcessResult r = Relayctl(c.args);
    EXPECT_EQ(r.exit_code, 2) << Describe(r);
    EXPECT_THAT(r.out, IsEmpty());
    EXPECT_THAT(r.err, AllOf(StartsWith("relayctl: "), HasSubstr(c.message),
                             HasSubstr("Usage:")));
  }
}

TEST(RelayctlProcessTest, HealthAgainstAClosedPortFailsFastWithUnavailable) {
  ClosedPort port;
  const ProcessResult r = Relayctl({"health", "--addr", port.address()});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, StartsWith("relayctl: UNAVAILABLE: "));
  EXPECT_THAT(r.out, IsEmpty());
  // Well inside the default 10 s deadline: a refused connection is final.
  EXPECT_LT(r.elapsed, std::chrono::seconds(5));
}

TEST(RelayctlProcessTest, AdminCallAgainstAClosedPortReportsUnavailable) {
  ClosedPort port;
  const ProcessResult r =
      Relayctl({"devices", "list", "--addr", port.address(), "--token", "t"});
  EXPECT_EQ(r.exit_code, 1) << Describe(r);
  EXPECT_THAT(r.err, StartsWith("relayctl: UNAVAILABLE: "));
}

TEST(RelayctlProcessTest, AddressComesFromTheEnvironmentUnlessGivenAsAFlag) {
  ClosedPort env_port;
  ClosedPort flag_port;
  const std::string env = "BOTRELAY_ADMIN_ADDR=" + env_port.address();

  const ProcessResult from_env = Relayctl({"health"}, {env});
  EXPECT_EQ(from_env.exit_code, 1) << Describe(from_env);
  EXPECT_THAT(from_env.err, HasSubstr(env_port.address()));

  const ProcessResult from_flag =
      Relayctl({"--addr", flag_port.address(), "health"}, {env});
  EXPECT_EQ(from_flag.exit_code, 1) << Describe(from_flag);
  EXPECT_THAT(from_flag.err, HasSubstr(flag_port.address()));
  EXPECT_THAT(from_flag.err, ::testing::Not(HasSubstr(env_port.address())));
}

// gRPC's built-in grpc.health.v1 service (the one relayd enables), on a
// loopback port. The generic service only answers UNIMPLEMENTED: a gRPC
// server refuses to start without at least one service of its own.
class HealthServer {
 public:
  HealthServer() {
    grpc::EnableDefaultHealthCheckService(true);
    grpc::ServerBuilder builder;
    builder.AddListeningPort("127.0.0.1:0", grpc::InsecureServerCredentials(),
                             &port_);
    builder.RegisterCallbackGenericService(&unimplemented_);
    server_ = builder.BuildAndStart();
  }
  ~HealthServer() {
    if (server_ != nullptr) server_->Shutdown();
  }

  std::string address() const { return "127.0.0.1:" + std::to_string(port_); }
  grpc::HealthCheckServiceInterface& health() {
    return *server_->GetHealthCheckService();
  }

 private:
  int port_ = 0;
  grpc::CallbackGenericService unimplemented_;
  std::unique_ptr<grpc::Server> server_;
};

TEST(RelayctlProcessTest, HealthExitsZeroOnlyWhenServing) {
  HealthServer server;
  ASSERT_NE(server.address(), "127.0.0.1:0");
  server.health().SetServingStatus("botrelay.admin.v1.Admin", true);

  const ProcessResult overall = Relayctl({"health", "--addr", server.address()});
  EXPECT_EQ(overall.exit_code, 0) << Describe(overall);
  EXPECT_EQ(overall.out, "SERVING\n");

  const ProcessResult admin = Relayctl(
      {"health", "--addr", server.address(), "--service", "botrelay.admin.v1.Admin"});
  EXPECT_EQ(admin.exit_code, 0) << Describe(admin);

  server.health().SetServingStatus("botrelay.admin.v1.Admin", false);
  const ProcessResult not_serving = Relayctl(
      {"health", "--addr", server.address(), "--service", "botrelay.admin.v1.Admin",
       "-o", "json"});
  EXPECT_EQ(not_serving.exit_code, 1) << Describe(not_serving);
  EXPECT_EQ(not_serving.out, "{\"status\": \"NOT_SERVING\"}\n");

  const ProcessResult unknown = Relayctl(
      {"health", "--addr", server.address(), "--service", "no.such.Service"});
  EXPECT_EQ(unknown.exit_code, 1) << Describe(unknown);
  EXPECT_THAT(unknown.err, StartsWith("relayctl: NOT_FOUND: "));
}

}  // namespace
}  // namespace botrelay::cli
