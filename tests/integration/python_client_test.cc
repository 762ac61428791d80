// A gRPC client that is not our C++ code: Python's grpcio (Debian's
// /usr/bin/python3) checks health with raw bytes and calls the Admin service
// through stubs generated at test time from admin.proto
// (python/admin_grpc_check.py). What it reports must match what relayd holds.

#include <unistd.h>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "simdjson.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"

namespace botrelay::integration {
namespace {

constexpr const char* kPython = "/usr/bin/python3";  // not the pyenv python3 on PATH
constexpr const char* kScript = BOTRELAY_PYTHON_ADMIN_CHECK;
constexpr const char* kProtoRoot = BOTRELAY_PROTO_ROOT;
constexpr const char* kProtoc = BOTRELAY_PROTOC;
constexpr const char* kGrpcPythonPlugin = BOTRELAY_GRPC_PYTHON_PLUGIN;

class PythonClientTest : public RelaydTest {
 protected:
  void SetUp() override {
    ASSERT_EQ(::access(kPython, X_OK), 0)
        << kPython << " is missing: install Debian's python3 and python3-grpcio";
    ASSERT_NE(std::string(kGrpcPythonPlugin), "")
        << "grpc_python_plugin was not found at configure time: install protobuf-compiler-grpc";
  }

  test::ProcessResult RunCheck(std::vector<std::string> extra = {}) {
    std::vector<std::string> args = {kScript,         "--admin",
                                     relayd().admin_address(), "--proto-root",
                                     kProtoRoot,      "--protoc",
                                     kProtoc,         "--grpc-python-plugin",
                                     kGrpcPythonPlugin};
    args.insert(args.end(), extra.begin(), extra.end());
    // Nothing from a developer's Python setup may leak in.
    return test::RunProcess(kPython, args, {"PYTHONPATH=", "PYTHONHOME=", "PYTHONDONTWRITEBYTECODE=1"},
                            std::chrono::seconds(30));
  }
};

TEST_F(PythonClientTest, HealthAndAdminCallsFromPythonGrpcio) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd());
  auto served = ConnectApproved(Generation::kV33, "py.bot", "dev-served");
  ASSERT_OK(served);
  for (const char* word : {"one", "two", "three"}) ASSERT_TRUE(EchoRoundTrip(**served, word));
  auto waiting = NewBot(Generation::kV32, "py.bot", "dev-waiting");
  ASSERT_OK(ConnectAndHandshake(*waiting));
  auto expected = admin().ListConnections("", "");
  ASSERT_OK(expected);
  ASSERT_EQ(expected->connections_size(), 2);

  test::ProcessResult run = RunCheck();
  ASSERT_EQ(run.exit_code, 0) << Describe(run);

  simdjson::dom::parser parser;
  simdjson::dom::element report;
  ASSERT_EQ(parser.parse(run.out).get(report), simdjson::SUCCESS) << run.out;
  std::string_view health;
  ASSERT_EQ(report["health"].get(health), simdjson::SUCCESS) << run.out;
  EXPECT_EQ(health, "SERVING");
  int64_t total = -1;
  ASSERT_EQ(report["total_matching"].get(total), simdjson::SUCCESS) << run.out;
  EXPECT_EQ(total, 2);
  simdjson::dom::array connections;
  ASSERT_EQ(report["connections"].get(connections), simdjson::SUCCESS) << run.out;
  ASSERT_EQ(connections.size(), 2u) << run.out;
  for (simdjson::dom::element c : connections) {
    uint64_t id = 0;
    std::string_view bot, device, state, generation;
    ASSERT_EQ(c["id"].get(id), simdjson::SUCCESS) << run.out;
    ASSERT_EQ(c["bot_name"].get(bot), simdjson::SUCCESS) << run.out;
    ASSERT_EQ(c["device_id"].get(device), simdjson::SUCCESS) << run.out;
    ASSERT_EQ(c["state"].get(state), simdjson::SUCCESS) << run.out;
    ASSERT_EQ(c["generation"].get(generation), simdjson::SUCCESS) << run.out;
    EXPECT_EQ(bot, "py.bot");
    const adminpb::Connection* match = nullptr;
    for (const adminpb::Connection& e : expected->connections()) {
      if (e.id() == id) match = &e;
    }
    ASSERT_NE(match, nullptr) << "python saw connection " << id << ": " << run.out;
    EXPECT_EQ(device, match->device_id());
    if (device == "dev-served") {
      EXPECT_EQ(state, "CONNECTION_STATE_APPROVED");
      EXPECT_EQ(generation, "CLIENT_GENERATION_V33");
    } else {
      EXPECT_EQ(state, "CONNECTION_STATE_PENDING");
      EXPECT_EQ(generation, "CLIENT_GENERATION_V32");
    }
  }
  double accepted = -1;
  ASSERT_EQ(report["unlabelled_samples"]["botrelay_messages_accepted_total"].get(accepted),
            simdjson::SUCCESS)
      << run.out;
  EXPECT_EQ(accepted, 3);
}

TEST_F(PythonClientTest, PythonAdminCallsNeedTheTokenButHealthDoesNot) {
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--admin-token=py-token-91c"}));

  // Health passes without a token; the admin call then fails, and so does
  // the script.
  test::ProcessResult without = RunCheck();
  EXPECT_EQ(without.exit_code, 1) << Describe(without);
  EXPECT_EQ(without.out, "");
  EXPECT_TRUE(absl::StrContains(without.err, "Admin call: StatusCode.UNAUTHENTICATED"))
      << Describe(without);

  test::ProcessResult with = RunCheck({"--token", "py-token-91c"});
  EXPECT_EQ(with.exit_code, 0) << Describe(with);
  EXPECT_TRUE(absl::StrContains(with.out, "\"health\": \"SERVING\"")) << Describe(with);
}

}  // namespace
}  // namespace botrelay::integration
