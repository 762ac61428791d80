#include "dataplane/upstream/upstream_shard.h"

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <algorithm>
#include <optional>

#include "absl/strings/str_cat.h"
#include "dataplane/log/logger.h"

namespace botrelay::upstream {

namespace asio = boost::asio;
namespace http = boost::beast::http;
using tcp = asio::ip::tcp;
using boost::system::error_code;

// One connection to the backend and the exchange it is carrying. Handlers
// hold a shared_ptr to it; `owner` is cleared when the shard closes, after
// which any completion still queued does nothing.
struct UpstreamShard::Connection {
  explicit Connection(asio::io_context& io) : socket(io), resolver(io), deadline(io) {}

  UpstreamShard* owner = nullptr;
  tcp::socket socket;
  tcp::resolver resolver;
  asio::steady_timer deadline;
  boost::beast::flat_buffer buffer;
  http::request<http::string_body> request;
  std::optional<http::response_parser<http::string_body>> parser;

  // The exchange in progress (ctx is empty while the connection is idle).
  std::optional<processing::ProcessingContext> ctx;
  CircuitBreaker::Permit permit;
  std::chrono::steady_clock::time_point started;
  uint64_t exchange = 0;  // tells a stale deadline from the current one
  bool may_retry = false; // started on a pooled connection the backend may have closed
  bool timed_out = false;
};

UpstreamShard::UpstreamShard(int shard, const UpstreamSettings& settings, const UpstreamUrl& url,
                             UpstreamMetrics& metrics, asio::io_context& io)
    : shard_(shard),
      settings_(settings),
      url_(url),
      metrics_(metrics),
      io_(io),
      breaker_(settings.breaker, [] { return std::chrono::steady_clock::now(); },
               [this](BreakerState from, BreakerState to, std::string_view why) {
                 metrics_.Transition(from, to);
                 RELAY_LOG(kWarn, "upstream circuit breaker (thread %d): %s -> %s: %s", shard_,
                           std::string(BreakerStateName(from)), std::string(BreakerStateName(to)),
                           std::string(why));
               }) {
  metrics_.breaker_shards[static_cast<int>(BreakerState::kClosed)]->Add(1);
}

UpstreamShard::~UpstreamShard() {
  for (const ConnectionPtr& c : connections_) {
    c->owner = nullptr;
    error_code ignored;
    c->resolver.cancel();
    c->deadline.cancel();
    c->socket.close(ignored);
  }
  metrics_.in_flight.Add(-in_flight_);
  metrics_.breaker_shards[static_cast<int>(breaker_.state())]->Add(-1);
}

void UpstreamShard::Forward(const processing::ChatMessage& message,
                            processing::ProcessingContext ctx) {
  if (in_flight_ >= settings_.max_in_flight) {
    metrics_.Count(UpstreamOutcome::kInFlightLimit);
    ctx.Fail(protocol::ErrorCode::kUpstreamUnavailable,
             "too many requests pending at the upstream backend");
    return;
  }
  std::optional<CircuitBreaker::Permit> permit = breaker_.TryAcquire();
  if (!permit) {
    metrics_.Count(UpstreamOutcome::kBreakerOpen);
    ctx.Fail(protocol::ErrorCode::kUpstreamUnavailable,
             "upstream backend unavailable (circuit breaker open)");
    return;
  }
  ConnectionPtr c = TakeConnection();
  c->ctx = ctx;
  c->permit = *permit;
  c->started = std::chrono::steady_clock::now();
  c->timed_out = false;
  ++c->exchange;
  EncodeUpstreamRequest(message, c->request.body());
  c->request.prepare_payload();
  ++in_flight_;
  metrics_.in_flight.Add(1);
  ArmDeadline(c);
  if (c->socket.is_open()) {
    c->may_retry = true;
    Send(c);
  } else {
    c->may_retry = false;
    Connect(c);
  }
}

UpstreamShard::ConnectionPtr UpstreamShard::TakeConnection() {
  if (!idle_.empty()) {
    ConnectionPtr c = std::move(idle_.back());
    idle_.pop_back();
    return c;
  }
  auto c = std::make_shared<Connection>(io_);
  c->owner = this;
  c->request.method(http::verb::post);
  c->request.target(url_.target);
  c->request.version(11);
  c->request.set(http::field::host, url_.host_header);
  c->request.set(http::field::content_type, "application/json; charset=utf-8");
  c->request.set(http::field::user_agent, "botrelay-relayd");
  c->request.keep_alive(true);
  connections_.push_back(c);
  return c;
}

void UpstreamShard::ArmDeadline(const ConnectionPtr& c) {
  // One deadline for the whole exchange (resolve, connect, send, answer, and
  // a resend after a stale keep-alive connection): closing the socket makes
  // whatever is pending complete at once.
  c->deadline.expires_at(c->started + settings_.request_timeout);
  c->deadline.async_wait([c, exchange = c->exchange](const error_code& ec) {
    if (ec || c->owner == nullptr || c->exchange != exchange || !c->ctx) return;
    c->timed_out = true;
    c->resolver.cancel();
    error_code ignored;
    c->socket.close(ignored);
  });
}

void UpstreamShard::Connect(const ConnectionPtr& c) {
  c->resolver.async_resolve(
      url_.host, url_.port, [c](const error_code& ec, tcp::resolver::results_type endpoints) {
        if (c->owner == nullptr) return;
        if (ec) return c->owner->OnBroken(c, UpstreamOutcome::kConnectError, ec);
        asio::async_connect(c->socket, endpoints, [c](const error_code& ec, const tcp::endpoint&) {
          if (c->owner == nullptr) return;
          if (ec) return c->owner->OnBroken(c, UpstreamOutcome::kConnectError, ec);
          c->owner->metrics_.connections_opened.Inc();
          // Small requests on a kept-alive connection: Nagle would hold
          // each one for the previous ACK.
          error_code ignored;
          c->socket.set_option(tcp::no_delay(true), ignored);
          c->owner->Send(c);
        });
      });
}

void UpstreamShard::Send(const ConnectionPtr& c) {
  http::async_write(c->socket, c->request, [c](const error_code& ec, size_t) {
    if (c->owner == nullptr) return;
    if (ec) return c->owner->OnBroken(c, UpstreamOutcome::kIoError, ec);
    c->owner->Receive(c);
  });
}

void UpstreamShard::Receive(const ConnectionPtr& c) {
  c->parser.emplace();
  c->parser->body_limit(settings_.max_response_bytes);
  http::async_read(c->socket, c->buffer, *c->parser, [c](const error_code& ec, size_t) {
    if (c->owner == nullptr) return;
    if (ec == http::error::body_limit) {
      return c->owner->Complete(
          c, UpstreamOutcome::kMalformed,
          absl::StrCat("backend reply larger than ", c->owner->settings_.max_response_bytes,
                       " bytes"),
          false);
    }
    if (ec) return c->owner->OnBroken(c, UpstreamOutcome::kIoError, ec);
    c->owner->OnResponse(c);
  });
}

void UpstreamShard::OnBroken(const ConnectionPtr& c, UpstreamOutcome outcome,
                             const error_code& ec) {
  if (c->timed_out) {
    return Complete(c, UpstreamOutcome::kTimeout,
                    absl::StrCat("upstream backend did not answer within ",
                                 settings_.request_timeout.count(), " ms"),
                    false);
  }
  // A pooled connection the backend closed while it was idle fails on first
  // use without the backend having seen the request: resend it once on a
  // new connection instead of failing the message.
  const bool closed_while_idle = ec == http::error::end_of_stream || ec == asio::error::eof ||
                                 ec == asio::error::connection_reset ||
                                 ec == asio::error::broken_pipe;
  if (c->may_retry && closed_while_idle) {
    c->may_retry = false;
    metrics_.retries.Inc();
    error_code ignored;
    c->socket.close(ignored);
    c->buffer.clear();
    return Connect(c);
  }
  Complete(c, outcome, absl::StrCat("upstream backend ",
                                    outcome == UpstreamOutcome::kConnectError ? "unreachable: "
                                                                              : "connection failed: ",
                                    ec.message()),
           false);
}

void UpstreamShard::OnResponse(const ConnectionPtr& c) {
  auto& response = c->parser->get();
  const unsigned status = response.result_int();
  const bool keep_alive = response.keep_alive();
  if (status >= 400 && status < 500) {
    return Complete(c, UpstreamOutcome::kRejected,
                    absl::StrCat("upstream backend refused the message: HTTP ", status),
                    keep_alive);
  }
  if (status < 200 || status >= 300) {
    return Complete(c, UpstreamOutcome::kServerError,
                    absl::StrCat("upstream backend failed: HTTP ", status), keep_alive);
  }
  if (absl::Status decoded = decoder_.Decode(response.body(), reply_); !decoded.ok()) {
    return Complete(c, UpstreamOutcome::kMalformed,
                    absl::StrCat("invalid upstream backend reply: ",
                                 std::string(decoded.message())),
                    keep_alive);
  }
  Complete(c, UpstreamOutcome::kOk, {}, keep_alive);
}

void UpstreamShard::Complete(const ConnectionPtr& c, UpstreamOutcome outcome,
                             std::string_view detail, bool keep_alive) {
  c->deadline.cancel();
  --in_flight_;
  metrics_.in_flight.Add(-1);
  metrics_.Count(outcome);
  metrics_.request_duration.Observe(
      std::chrono::duration<double>(std::chrono::steady_clock::now() - c->started).count());
  if (IsBackendFailure(outcome)) {
    breaker_.RecordFailure(c->permit);
  } else {
    breaker_.RecordSuccess(c->permit);
  }
  processing::ProcessingContext ctx = *c->ctx;
  c->ctx.reset();
  // Before answering: finishing may start the room's next message at once,
  // which can then reuse this connection.
  Recycle(c, keep_alive);

  if (outcome != UpstreamOutcome::kOk) return AnswerFailure(ctx, outcome, detail);
  if (reply_.failed) {
    return ctx.Fail(protocol::ErrorCode::kProcessingFailed,
                    absl::StrCat("upstream backend: ", reply_.error));
  }
  for (size_t i = 0; i < reply_.count; ++i) {
    const UpstreamReplyItem& item = reply_.items[i];
    if (!item.media) {
      ctx.ReplyText(item.text);
      continue;
    }
    // Views into the reused reply; the dispatcher copies what it holds.
    thread_local std::vector<std::string_view> sources;
    sources.assign(item.sources.begin(), item.sources.end());
    ctx.ReplyMedia(item.media_type, sources, item.media_wait_ms);
  }
  ctx.Finish();
}

void UpstreamShard::AnswerFailure(processing::ProcessingContext ctx, UpstreamOutcome outcome,
                                  std::string_view detail) {
  // A backend that answered but unusably is a processing failure; one that
  // could not answer is unavailable (the phone may retry later).
  const bool answered = outcome == UpstreamOutcome::kRejected ||
                        outcome == UpstreamOutcome::kMalformed;
  ctx.Fail(answered ? protocol::ErrorCode::kProcessingFailed
                    : protocol::ErrorCode::kUpstreamUnavailable,
           detail);
}

void UpstreamShard::Recycle(const ConnectionPtr& c, bool keep_alive) {
  if (keep_alive && c->socket.is_open() &&
      idle_.size() < static_cast<size_t>(settings_.pool_size)) {
    c->buffer.clear();
    idle_.push_back(c);
    return;
  }
  Close(c);
}

void UpstreamShard::Close(const ConnectionPtr& c) {
  error_code ignored;
  c->socket.close(ignored);
  c->owner = nullptr;
  std::erase(connections_, c);
}

}  // namespace botrelay::upstream
