// relayctl connections against the real relayd: the live connections with
// their peer, client, state and exact traffic counters; kicking one closes it
// with error{disconnected} carrying the operator's reason.

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/integration/relayctl_runner.h"
#include "tests/integration/relayd_test.h"
#include "tests/testbot/phone_clock.h"

namespace botrelay::integration {
namespace {

class ConnectionsCliTest : public RelaydTest {
 protected:
  RelayctlRunner relayctl() { return RelayctlRunner(relayd().admin_address()); }
};

// What one phone exchanged with relayd, counted on the phone's side.
struct Traffic {
  uint64_t lines_out = 0, bytes_out = 0;  // phone -> relayd
  uint64_t frames_in = 0, bytes_in = 0;   // relayd -> phone
  void Sent(const std::string& line) {
    ++lines_out;
    bytes_out += line.size();
  }
  void Received(const ServerFrame& frame) {
    ++frames_in;
    bytes_in += frame.line().size() + 1;  // + LF
  }
};

const adminpb::Connection* FindConnection(const adminpb::ListConnectionsResponse& list,
                                          const std::string& device) {
  for (const adminpb::Connection& c : list.connections()) {
    if (c.device_id() == device) return &c;
  }
  return nullptr;
}

TEST_F(ConnectionsCliTest, ListGetAndKickShowAndCloseLiveConnections) {
  // No server pings during the test: the counters must be exactly ours.
  ASSERT_NO_FATAL_FAILURE(StartRelayd({"--ping-interval=3600"}));

  // An approved v3.3 phone whose every byte is counted.
  Traffic traffic;
  auto served = NewBot(Generation::kV33, "conn.bot", "dev-served");
  ASSERT_OK(served->Connect());
  const std::string handshake =
      testbot::BuildHandshakeLine(served->identity(), testbot::NowUnixMillis());
  ASSERT_OK(served->SendRaw(handshake));
  traffic.Sent(handshake);
  auto hello = served->WaitFor("handshakeComplete", 3000ms);
  ASSERT_OK(hello);
  traffic.Received(*hello);
  ASSERT_OK(ApproveDevice("conn.bot", "dev-served"));
  for (const char* word : {"first", "second"}) {
    ChatMessage message;
    message.text = absl::StrCat("# echo ", word);
    auto line = served->PrepareChat(message);
    ASSERT_OK(line);
    ASSERT_OK(served->SendRaw(*line));
    traffic.Sent(*line);
    auto reply = served->WaitFor("messageResponse", 3000ms);
    ASSERT_OK(reply);
    EXPECT_EQ(reply->text(), absl::StrCat("에코: ", word)) << reply->line();
    traffic.Received(*reply);
  }
  // A pending v3.2 phone.
  auto waiting = NewBot(Generation::kV32, "conn.bot", "dev-waiting");
  ASSERT_OK(ConnectAndHandshake(*waiting));

  auto list = relayctl().Json<adminpb::ListConnectionsResponse>({"connections", "list"});
  ASSERT_OK(list);
  EXPECT_EQ(list->total_matching(), 2u) << list->ShortDebugString();
  ASSERT_EQ(list->connections_size(), 2) << list->ShortDebugString();
  const adminpb::Connection* s = FindConnection(*list, "dev-served");
  const adminpb::Connection* w = FindConnection(*list, "dev-waiting");
  ASSERT_NE(s, nullptr) << list->ShortDebugString();
  ASSERT_NE(w, nullptr) << list->ShortDebugString();

  EXPECT_GT(s->id(), 0u);
  EXPECT_NE(s->id(), w->id());
  EXPECT_EQ(s->bot_name(), "conn.bot");
  EXPECT_TRUE(absl::StartsWith(s->peer_address(), "127.0.0.1:")) << s->peer_address();
  EXPECT_NE(s->peer_address(), w->peer_address());
  EXPECT_EQ(s->generation(), adminpb::CLIENT_GENERATION_V33);
  EXPECT_EQ(s->client_version(), "3.3.2");
  EXPECT_EQ(s->state(), adminpb::CONNECTION_STATE_APPROVED);
  EXPECT_GT(s->connected_since_unix_ms(), 0);
  EXPECT_GE(s->last_activity_unix_ms(), s->connected_since_unix_ms());
  EXPECT_EQ(s->messages_in(), traffic.lines_out);   // handshake + 2 chat lines
  EXPECT_EQ(s->bytes_in(), traffic.bytes_out);
  EXPECT_EQ(s->messages_out(), traffic.frames_in);  // handshakeComplete + 2 replies
  EXPECT_EQ(s->bytes_out(), traffic.bytes_in);
  EXPECT_EQ(s->queue_depth(), 0u);
  EXPECT_EQ(s->outbound_buffered_bytes(), 0u);

  EXPECT_TRUE(absl::StartsWith(w->peer_address(), "127.0.0.1:")) << w->peer_address();
  EXPECT_EQ(w->generation(), adminpb::CLIENT_GENERATION_V32);
  EXPECT_EQ(w->client_version(), "3.2.1");
  EXPECT_EQ(w->state(), adminpb::CONNECTION_STATE_PENDING);
  EXPECT_EQ(w->messages_in(), 1u);
  EXPECT_EQ(w->messages_out(), 1u);

  // Filters.
  auto approved = relayctl().Json<adminpb::ListConnectionsResponse>(
      {"connections", "list", "--state", "approved"});
  ASSERT_OK(approved);
  ASSERT_EQ(approved->connections_size(), 1) << approved->ShortDebugString();
  EXPECT_EQ(approved->connections(0).id(), s->id());
  auto by_device = relayctl().Json<adminpb::ListConnectionsResponse>(
      {"connections", "list", "--bot", "conn.bot", "--device", "dev-waiting"});
  ASSERT_OK(by_device);
  ASSERT_EQ(by_device->connections_size(), 1) << by_device->ShortDebugString();
  EXPECT_EQ(by_device->connections(0).id(), w->id());

  // get: the same connection, the same numbers.
  const std::string served_id = absl::StrCat(s->id());
  auto got = relayctl().Json<adminpb::Connection>({"connections", "get", served_id});
  ASSERT_OK(got);
  EXPECT_EQ(got->id(), s->id());
  EXPECT_EQ(got->peer_address(), s->peer_address());
  EXPECT_EQ(got->state(), adminpb::CONNECTION_STATE_APPROVED);
  EXPECT_EQ(got->generation(), adminpb::CLIENT_GENERATION_V33);
  EXPECT_EQ(got->client_version(), "3.3.2");
  EXPECT_EQ(got->messages_in(), traffic.lines_out);
  EXPECT_EQ(got->bytes_in(), traffic.bytes_out);
  EXPECT_EQ(got->messages_out(), traffic.frames_in);
  EXPECT_EQ(got->bytes_out(), traffic.bytes_in);
  ProcessResult table = relayctl().Run({"connections", "list"});
  ASSERT_TRUE(ExitedOk(table));
  EXPECT_NE(table.out.find(s->peer_address()), std::string::npos) << table.out;
  EXPECT_NE(table.out.find(w->peer_address()), std::string::npos) << table.out;

  // kick with a reason: error{disconnected} carries it, then the close.
  ProcessResult kick =
      relayctl().Run({"connections", "kick", served_id, "--reason", "moving you, ticket OPS-7"});
  ASSERT_TRUE(ExitedOk(kick));
  EXPECT_EQ(kick.out, absl::StrCat("connection ", served_id, ": disconnected\n"));
  auto kicked = served->WaitForError("disconnected", 3000ms);
  ASSERT_OK(kicked);
  EXPECT_EQ(kicked->String("message"), "moving you, ticket OPS-7") << kicked->line();
  auto rest = served->WaitForClose(3000ms);
  ASSERT_OK(rest);
  EXPECT_TRUE(rest->empty()) << served->Transcript();

  // Without a reason relayd says who did it.
  ProcessResult kick_waiting = relayctl().Run({"connections", "kick", absl::StrCat(w->id())});
  ASSERT_TRUE(ExitedOk(kick_waiting));
  auto kicked_waiting = waiting->WaitForError("disconnected", 3000ms);
  ASSERT_OK(kicked_waiting);
  EXPECT_EQ(kicked_waiting->String("message"), "disconnected by an administrator")
      << kicked_waiting->line();
  ASSERT_OK(waiting->WaitForClose(3000ms));

  // Gone: get and kick say NOT_FOUND.
  ASSERT_OK(WaitForConnections("conn.bot", "dev-served", 0));
  ProcessResult gone = relayctl().Run({"connections", "get", served_id});
  EXPECT_EQ(gone.exit_code, 1) << Describe(gone);
  EXPECT_EQ(gone.err, absl::StrCat("relayctl: NOT_FOUND: no connection with id ", served_id, "\n"));
  ProcessResult unknown = relayctl().Run({"connections", "kick", "999999"});
  EXPECT_EQ(unknown.exit_code, 1) << Describe(unknown);
  EXPECT_EQ(unknown.err, "relayctl: NOT_FOUND: no connection with id 999999\n");
  ASSERT_OK(WaitForConnections("conn.bot", "dev-waiting", 0));
  auto empty = relayctl().Json<adminpb::ListConnectionsResponse>({"connections", "list"});
  ASSERT_OK(empty);
  EXPECT_EQ(empty->connections_size(), 0) << empty->ShortDebugString();
}

}  // namespace
}  // namespace botrelay::integration
