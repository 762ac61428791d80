// The metrics endpoint on an ephemeral loopback port, talked to over real
// sockets by a small Beast client. Client operations run with a time limit
// so a misbehaving server fails the test instead of hanging it.

#include "controlplane/metrics_http_server.h"

#include <utility>  // before Asio: Boost 1.74 needs it

#include <gtest/gtest.h>

#include <atomic>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <string>

namespace botrelay::controlplane {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr std::chrono::seconds kClientTimeout{10};

struct Reply {
  beast::error_code ec;
  http::response<http::string_body> response;
};

struct Connection {
  explicit Connection(asio::io_context& ioc) : stream(ioc) {}
  beast::tcp_stream stream;
  beast::flat_buffer buffer;
};

class MetricsHttpServerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    requests_ = &registry_.AddCounter("relayd_test_requests_total", "Requests seen.",
                                      {{"kind", "chat"}});
    requests_->Inc(3);
    registry_.AddGauge("relayd_test_connections", "Open connections.").Set(7);
    registry_.AddHistogram("relayd_test_latency_seconds", "Latency.", {0.1, 1}).Observe(0.05);
    server_ = std::make_unique<MetricsHttpServer>(registry_, [this] { return serving_.load(); });
    absl::Status started = server_->Start("127.0.0.1:0");
    ASSERT_TRUE(started.ok()) << started;
    ASSERT_NE(server_->port(), 0);
  }

  // Runs the client's pending operations to completion, at most kClientTimeout.
  void RunClient() {
    ioc_.restart();
    ioc_.run_for(kClientTimeout);
    ASSERT_TRUE(ioc_.stopped()) << "client operation timed out";
  }

  std::unique_ptr<Connection> Connect() {
    auto connection = std::make_unique<Connection>(ioc_);
    beast::error_code result;
    connection->stream.async_connect(
        tcp::endpoint(asio::ip::make_address("127.0.0.1"), server_->port()),
        [&](beast::error_code ec) { result = ec; });
    RunClient();
    EXPECT_FALSE(result) << result.message();
    return connection;
  }

  // `head`: the reply answers a HEAD request, so it has no body to read.
  Reply ReadReply(Connection& connection, bool head = false) {
    http::response_parser<http::string_body> parser;
    parser.skip(head);
    beast::error_code result;
    http::async_read(connection.stream, connection.buffer, parser,
                     [&](beast::error_code ec, std::size_t) { result = ec; });
    RunClient();
    return Reply{result, parser.release()};
  }

  Reply Exchange(Connection& connection, http::verb method, const std::string& target,
                 bool keep_alive = true) {
    http::request<http::string_body> request{method, target, 11};
    request.set(http::field::host, "127.0.0.1");
    request.keep_alive(keep_alive);
    request.prepare_payload();
    beast::error_code write_error;
    http::async_write(connection.stream, request,
                      [&](beast::error_code ec, std::size_t) { write_error = ec; });
    RunClient();
    if (write_error) return Reply{write_error, {}};
    return ReadReply(connection);
  }

  Reply SendRaw(Connection& connection, const std::string& bytes, bool head = false) {
    beast::error_code write_error;
    asio::async_write(connection.stream, asio::buffer(bytes),
                      [&](beast::error_code ec, std::size_t) { write_error = ec; });
    RunClient();
    if (write_error) return Reply{write_error, {}};
    return ReadReply(connection, head);
  }

  // What the next read on the connection yields: eof once the server closed it.
  beast::error_code NextReadError(Connection& connection) {
    beast::error_code result;
    char byte;
    connection.stream.async_read_some(asio::buffer(&byte, 1),
                                      [&](beast::error_code ec, std::size_t) { result = ec; });
    RunClient();
    return result;
  }

  metrics::Registry registry_;
  metrics::Counter* requests_ = nullptr;
  std::atomic<bool> serving_{true};
  std::unique_ptr<MetricsHttpServer> server_;
  asio::io_context ioc_;
};

TEST_F(MetricsHttpServerTest, MetricsIsTheRegistryInPrometheusFormat) {
  auto connection = Connect();
  Reply reply = Exchange(*connection, http::verb::get, "/metrics");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response[http::field::content_type],
            "text/plain; version=0.0.4; charset=utf-8");
  EXPECT_EQ(reply.response.body(), registry_.RenderPrometheus());
  EXPECT_NE(reply.response.body().find("relayd_test_requests_total{kind=\"chat\"} 3\n"),
            std::string::npos);
  EXPECT_NE(reply.response.body().find("relayd_test_connections 7\n"), std::string::npos);
  EXPECT_NE(reply.response.body().find("relayd_test_latency_seconds_bucket{le=\"0.1\"} 1\n"),
            std::string::npos);
}

TEST_F(MetricsHttpServerTest, QueryStringIsIgnored) {
  auto connection = Connect();
  Reply reply = Exchange(*connection, http::verb::get, "/metrics?name[]=x");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response.body(), registry_.RenderPrometheus());
}

TEST_F(MetricsHttpServerTest, HealthzFollowsIsServing) {
  auto connection = Connect();
  Reply reply = Exchange(*connection, http::verb::get, "/healthz");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::ok);
  EXPECT_EQ(reply.response.body(), "ok\n");

  serving_ = false;
  reply = Exchange(*connection, http::verb::get, "/healthz");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::service_unavailable);
  EXPECT_EQ(reply.response.body(), "not serving\n");
}

TEST_F(MetricsHttpServerTest, UnknownPathIs404) {
  auto connection = Connect();
  for (const char* target : {"/", "/metricsx", "/healthz/", "/debug"}) {
    Reply reply = Exchange(*connection, http::verb::get, target);
    ASSERT_FALSE(reply.ec) << reply.ec.message();
    EXPECT_EQ(reply.response.result(), http::status::not_found) << target;
  }
}

TEST_F(MetricsHttpServerTest, OtherMethodsAre405) {
  auto connection = Connect();
  for (http::verb method : {http::verb::post, http::verb::put, http::verb::delete_}) {
    Reply reply = Exchange(*connection, method, "/metrics");
    ASSERT_FALSE(reply.ec) << reply.ec.message();
    EXPECT_EQ(reply.response.result(), http::status::method_not_allowed)
        << http::to_string(method);
    EXPECT_EQ(reply.response[http::field::allow], "GET, HEAD");
  }
  Reply reply = Exchange(*connection, http::verb::post, "/healthz");
  EXPECT_EQ(reply.response.result(), http::status::method_not_allowed);
}

TEST_F(MetricsHttpServerTest, HeadGetsHeadersWithoutABody) {
  auto connection = Connect();
  Reply head = SendRaw(*connection, "HEAD /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", /*head=*/true);
  ASSERT_FALSE(head.ec) << head.ec.message();
  EXPECT_EQ(head.response.result(), http::status::ok);
  EXPECT_TRUE(head.response.body().empty());
  // Had a body been sent, it would be read here as the next response.
  Reply next = Exchange(*connection, http::verb::get, "/healthz");
  ASSERT_FALSE(next.ec) << next.ec.message();
  EXPECT_EQ(next.response.body(), "ok\n");
}

TEST_F(MetricsHttpServerTest, KeepAliveServesSeveralRequestsOnOneConnection) {
  auto connection = Connect();
  Reply first = Exchange(*connection, http::verb::get, "/metrics");
  ASSERT_FALSE(first.ec) << first.ec.message();
  EXPECT_TRUE(first.response.keep_alive());

  requests_->Inc(2);  // the second scrape must see the new value
  Reply second = Exchange(*connection, http::verb::get, "/metrics");
  ASSERT_FALSE(second.ec) << second.ec.message();
  EXPECT_EQ(second.response.result(), http::status::ok);
  EXPECT_NE(second.response.body().find("relayd_test_requests_total{kind=\"chat\"} 5\n"),
            std::string::npos);

  Reply third = Exchange(*connection, http::verb::get, "/healthz");
  ASSERT_FALSE(third.ec) << third.ec.message();
  EXPECT_EQ(third.response.body(), "ok\n");
}

TEST_F(MetricsHttpServerTest, ConnectionCloseIsHonoured) {
  auto connection = Connect();
  Reply reply = Exchange(*connection, http::verb::get, "/healthz", /*keep_alive=*/false);
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_FALSE(reply.response.keep_alive());
  EXPECT_EQ(NextReadError(*connection), asio::error::eof);
}

TEST_F(MetricsHttpServerTest, OversizedRequestHeadIsRejectedAndClosed) {
  auto connection = Connect();
  const std::string request = "GET /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Filler: " +
                              std::string(16 * 1024, 'a') + "\r\n\r\n";
  Reply reply = SendRaw(*connection, request);
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::request_header_fields_too_large);
  EXPECT_FALSE(reply.response.keep_alive());
  EXPECT_EQ(NextReadError(*connection), asio::error::eof);
}

TEST_F(MetricsHttpServerTest, OversizedRequestBodyIsRejectedAndClosed) {
  auto connection = Connect();
  const std::string body(64 * 1024, 'b');
  const std::string request = "POST /metrics HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: " +
                              std::to_string(body.size()) + "\r\n\r\n" + body;
  Reply reply = SendRaw(*connection, request);
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::payload_too_large);
  EXPECT_EQ(NextReadError(*connection), asio::error::eof);
}

TEST_F(MetricsHttpServerTest, MalformedRequestIs400) {
  auto connection = Connect();
  Reply reply = SendRaw(*connection, "THIS IS NOT HTTP\r\n\r\n");
  ASSERT_FALSE(reply.ec) << reply.ec.message();
  EXPECT_EQ(reply.response.result(), http::status::bad_request);
  EXPECT_EQ(NextReadError(*connection), asio::error::eof);
}

TEST_F(MetricsHttpServerTest, StopClosesOpenConnectionsAndTheListener) {
  auto connection = Connect();
  ASSERT_FALSE(Exchange(*connection, http::verb::get, "/healthz").ec);
  const uint16_t port = server_->port();
  server_->Stop();
  EXPECT_NE(NextReadError(*connection), beast::error_code{});

  tcp::socket probe(ioc_);
  beast::error_code ec;
  probe.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  EXPECT_EQ(ec, asio::error::connection_refused);
}

TEST_F(MetricsHttpServerTest, StartReportsUnusableAddresses) {
  MetricsHttpServer taken(registry_, [] { return true; });
  absl::Status status = taken.Start("127.0.0.1:" + std::to_string(server_->port()));
  EXPECT_EQ(status.code(), absl::StatusCode::kUnavailable) << status;

  MetricsHttpServer named(registry_, [] { return true; });
  EXPECT_EQ(named.Start("metrics.example.net:0").code(), absl::StatusCode::kInvalidArgument);

  MetricsHttpServer malformed(registry_, [] { return true; });
  EXPECT_EQ(malformed.Start("127.0.0.1").code(), absl::StatusCode::kInvalidArgument);

  EXPECT_EQ(server_->Start("127.0.0.1:0").code(), absl::StatusCode::kFailedPrecondition);
}

TEST_F(MetricsHttpServerTest, LocalhostBindsLoopback) {
  MetricsHttpServer local(registry_, [] { return true; });
  ASSERT_TRUE(local.Start("localhost:0").ok());
  EXPECT_NE(local.port(), 0);
}

}  // namespace
}  // namespace botrelay::controlplane
