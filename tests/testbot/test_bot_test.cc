// TestBot against scripted loopback peers: the library's own socket, ping,
// close and migration handling. (relayd itself is exercised by
// tests/integration.)
#include "tests/testbot/test_bot.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <functional>
#include <thread>

#include <gtest/gtest.h>

#include "simdjson.h"
#include "tests/testbot/auth_signer.h"

namespace botrelay::testbot {
namespace {

using namespace std::chrono_literals;

constexpr char kKey[] = "unit-key";
constexpr char kSalt[] = "unit-salt";

// The server side of one accepted connection.
class Peer {
 public:
  explicit Peer(int fd) : fd_(fd) {}
  ~Peer() { ::close(fd_); }

  std::string ReadLine() {
    while (true) {
      const size_t lf = buffer_.find('\n');
      if (lf != std::string::npos) {
        std::string line = buffer_.substr(0, lf);
        buffer_.erase(0, lf + 1);
        return line;
      }
      pollfd p{fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return "<timeout>";
      char chunk[4096];
      const ssize_t n = ::recv(fd_, chunk, sizeof chunk, 0);
      if (n <= 0) return "<closed>";
      ++reads_;
      buffer_.append(chunk, static_cast<size_t>(n));
    }
  }
  void Write(const std::string& line) { ::send(fd_, line.data(), line.size(), MSG_NOSIGNAL); }
  int reads() const { return reads_; }

 private:
  int fd_;
  std::string buffer_;
  int reads_ = 0;
};

// Accepts one connection on 127.0.0.1:<ephemeral> and runs `script` on it
// in a thread.
class ScriptedServer {
 public:
  explicit ScriptedServer(std::function<void(Peer&)> script) {
    listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    ::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
    ::listen(listen_fd_, 4);
    socklen_t len = sizeof addr;
    ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, script = std::move(script)] {
      pollfd p{listen_fd_, POLLIN, 0};
      if (::poll(&p, 1, 5000) <= 0) return;
      Peer peer(::accept(listen_fd_, nullptr, nullptr));
      script(peer);
    });
  }
  ~ScriptedServer() {
    Join();
    ::close(listen_fd_);
  }
  // Waits for the script to finish; call before reading what it recorded.
  void Join() {
    if (thread_.joinable()) thread_.join();
  }
  uint16_t port() const { return port_; }

 private:
  int listen_fd_;
  uint16_t port_ = 0;
  std::thread thread_;
};

TestBotConfig ConfigFor(uint16_t port, Generation generation = Generation::kV33) {
  TestBotConfig c;
  c.port = port;
  c.generation = generation;
  c.bot_name = "unit.bot";
  c.device_id = "dev-1";
  c.secret_key = kKey;
  c.salt = kSalt;
  return c;
}

const char kReply[] =
    R"J({"event":"messageResponse","data":{"room":"r","channel_id":"1","message_type":"text","content_encoding":"base64","message_positions":[0,4]}}aGk=)J"
    "\n";

TEST(TestBotTest, HandshakeReportsLocalAddressAndSplitWritesArriveWhole) {
  std::string handshake, split;
  int reads = 0;
  ScriptedServer server([&](Peer& peer) {
    handshake = peer.ReadLine();
    peer.Write(R"J({"event":"handshakeComplete","data":{"success":true,"approved":true,"message":"ok"}})J" "\n");
    const int before = peer.reads();
    split = peer.ReadLine();
    reads = peer.reads() - before;
  });
  TestBot bot(ConfigFor(server.port()));
  ASSERT_TRUE(bot.Connect().ok());
  auto hello = bot.Handshake(2000ms);
  ASSERT_TRUE(hello.ok()) << hello.status();
  EXPECT_EQ(hello->Bool("approved"), true);
  const std::string line = std::string(300, 'x') + "\n";
  ASSERT_TRUE(bot.SendRawSplit(line, 10, 2ms).ok());
  server.Join();
  bot.Close();
  EXPECT_NE(handshake.find(R"J("deviceIP":"127.0.0.1")J"), std::string::npos) << handshake;
  EXPECT_NE(handshake.find(R"J("version":"3.3.2")J"), std::string::npos) << handshake;
  EXPECT_EQ(split, std::string(300, 'x'));
  EXPECT_GT(reads, 3);  // TCP_NODELAY + delays: many segments
}

TEST(TestBotTest, AnswersPingsWithSignedEchoWhileWaiting) {
  std::string reply;
  ScriptedServer server([&](Peer& peer) {
    peer.Write(R"J({"event":"ping","data":{"bot_name":"unit.bot","server_timestamp":"2025-07-23 10:32:45.450"}})J" "\n");
    reply = peer.ReadLine();
    peer.Write(kReply);
  });
  TestBotConfig config = ConfigFor(server.port());
  config.ping_reply = PingReplyStyle::kPong;
  TestBot bot(config);
  ASSERT_TRUE(bot.Connect().ok());
  auto texts = bot.WaitForTexts(1, 2000ms);
  ASSERT_TRUE(texts.ok()) << texts.status();
  EXPECT_EQ((*texts)[0], "hi");
  ASSERT_EQ(bot.pings().size(), 1u);
  EXPECT_TRUE(bot.pings()[0].answered);
  EXPECT_EQ(bot.pings()[0].server_timestamp_json, R"J("2025-07-23 10:32:45.450")J");
  server.Join();

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_EQ(parser.parse(reply).get(root), simdjson::SUCCESS) << reply;
  EXPECT_EQ(std::string_view(root["event"].get_string().value_unsafe()), "pong");
  simdjson::dom::element data = root["data"].value_unsafe();
  EXPECT_EQ(std::string_view(data["server_timestamp"].get_string().value_unsafe()),
            "2025-07-23 10:32:45.450");
  simdjson::dom::element auth = data["auth"].value_unsafe();
  const int64_t ts = auth["timestamp"].get_int64().value_unsafe();
  const std::string expected = AuthSignature(
      {"MessengerBotR", "unit.bot", "unknown", "02:00:00:00:00:00", "127.0.0.1", ts}, kKey, kSalt);
  EXPECT_EQ(std::string_view(auth["signature"].get_string().value_unsafe()), expected);
}

TEST(TestBotTest, PingReplyWaitsForAHalfWrittenLine) {
  std::string first, second;
  ScriptedServer server([&](Peer& peer) {
    peer.Write(R"J({"event":"ping","data":{"bot_name":"unit.bot","server_timestamp":"t"}})J" "\n");
    first = peer.ReadLine();
    second = peer.ReadLine();
  });
  TestBot bot(ConfigFor(server.port()));
  ASSERT_TRUE(bot.Connect().ok());
  ASSERT_TRUE(bot.SendRaw(R"J({"half":)J").ok());
  ASSERT_TRUE(bot.ExpectSilence(200ms).ok());
  ASSERT_EQ(bot.pings().size(), 1u);
  EXPECT_TRUE(bot.pings()[0].deferred);
  EXPECT_FALSE(bot.pings()[0].answered);
  ASSERT_TRUE(bot.SendRaw("1}\n").ok());
  EXPECT_TRUE(bot.pings()[0].answered);
  server.Join();
  bot.Close();
  EXPECT_EQ(first, R"J({"half":1})J");
  EXPECT_NE(second.find(R"J("event":"pong")J"), std::string::npos) << second;
}

TEST(TestBotTest, WaitForRejectsUnexpectedFramesAndSilenceSeesThem) {
  ScriptedServer server([&](Peer& peer) {
    peer.Write(R"J({"event":"error","data":{"code":"replay","message":"x"}})J" "\n");
    peer.Write(kReply);
    peer.ReadLine();  // until the bot closes
  });
  TestBot bot(ConfigFor(server.port()));
  ASSERT_TRUE(bot.Connect().ok());
  auto frame = bot.WaitFor("messageResponse", 2000ms);
  EXPECT_TRUE(absl::IsFailedPrecondition(frame.status())) << frame.status();
  EXPECT_TRUE(absl::IsFailedPrecondition(bot.ExpectSilence(1000ms)));
  EXPECT_TRUE(bot.ExpectSilence(50ms).ok());
  bot.Close();
}

TEST(TestBotTest, DetectsServerCloseAndKeepsFramesBeforeIt) {
  ScriptedServer server([&](Peer& peer) {
    peer.Write(R"J({"event":"error","data":{"code":"session_replaced","message":"x"}})J" "\n");
  });
  TestBot bot(ConfigFor(server.port(), Generation::kV32));
  ASSERT_TRUE(bot.Connect().ok());
  auto frames = bot.WaitForClose(2000ms);
  ASSERT_TRUE(frames.ok()) << frames.status();
  ASSERT_EQ(frames->size(), 1u);
  EXPECT_EQ((*frames)[0].error_code(), "session_replaced");
  EXPECT_TRUE(bot.closed_at().has_value());
  EXPECT_FALSE(bot.connected());
  EXPECT_TRUE(absl::IsUnavailable(bot.ReadFrame(100ms).status()));
}

TEST(TestBotTest, FollowsMigrationAfterDelay) {
  std::string second_handshake;
  ScriptedServer second([&](Peer& peer) {
    second_handshake = peer.ReadLine();
    peer.Write(R"J({"event":"handshakeComplete","data":{"success":true,"approved":true,"message":"ok"}})J" "\n");
    peer.Write(kReply);
    peer.ReadLine();
  });
  ScriptedServer first([&](Peer& peer) {
    peer.Write(R"J({"event":"serverMigration","data":{"new_host":"127.0.0.1","new_port":)J" +
               std::to_string(second.port()) + R"J(,"migrate_after":0.2}})J" "\n");
    peer.ReadLine();  // the bot leaves
  });
  TestBotConfig config = ConfigFor(first.port());
  config.follow_migration = true;
  TestBot bot(config);
  ASSERT_TRUE(bot.Connect().ok());
  auto texts = bot.WaitForTexts(1, 3000ms);
  ASSERT_TRUE(texts.ok()) << texts.status() << "\n" << bot.Transcript();
  EXPECT_EQ((*texts)[0], "hi");
  ASSERT_EQ(bot.migrations().size(), 1u);
  const MigrationRecord& m = bot.migrations()[0];
  EXPECT_EQ(m.new_port, second.port());
  EXPECT_TRUE(m.reconnect_status.ok());
  EXPECT_FALSE(m.old_closed_at.has_value());
  ASSERT_TRUE(m.handshake.has_value());
  EXPECT_GE(*m.reconnected_at - m.notified_at, 190ms);
  bot.Close();
  second.Join();
  EXPECT_NE(second_handshake.find(R"J("event":"handshake")J"), std::string::npos);
}

TEST(TestBotTest, FollowsMigrationAtOnceWhenTheOldServerCloses) {
  ScriptedServer second([&](Peer& peer) {
    peer.ReadLine();
    peer.Write(R"J({"event":"handshakeComplete","data":{"success":true,"approved":true,"message":"ok"}})J" "\n");
    peer.Write(kReply);
    peer.ReadLine();
  });
  ScriptedServer first([&](Peer& peer) {
    peer.Write(R"J({"event":"serverMigration","data":{"new_host":"127.0.0.1","new_port":)J" +
               std::to_string(second.port()) + R"J(,"migrate_after":30}})J" "\n");
  });
  TestBotConfig config = ConfigFor(first.port());
  config.follow_migration = true;
  TestBot bot(config);
  ASSERT_TRUE(bot.Connect().ok());
  auto texts = bot.WaitForTexts(1, 3000ms);
  ASSERT_TRUE(texts.ok()) << texts.status() << "\n" << bot.Transcript();
  ASSERT_EQ(bot.migrations().size(), 1u);
  EXPECT_TRUE(bot.migrations()[0].old_closed_at.has_value());
  bot.Close();
}

TEST(TestBotTest, SendChatAppliesPhoneSanitising) {
  std::string line;
  ScriptedServer server([&](Peer& peer) { line = peer.ReadLine(); });
  TestBotConfig config = ConfigFor(server.port(), Generation::kV32);
  TestBot bot(config);
  ASSERT_TRUE(bot.Connect().ok());
  EXPECT_TRUE(absl::IsFailedPrecondition(bot.SendText("\x01\u202A")));
  ASSERT_TRUE(bot.SendText("a\tb").ok());
  server.Join();
  bot.Close();
  EXPECT_NE(line.find(R"J("text":"ab")J"), std::string::npos) << line;
  EXPECT_NE(line.find(R"J("logId":"3155889281717409792")J"), std::string::npos) << line;
}

}  // namespace
}  // namespace botrelay::testbot
