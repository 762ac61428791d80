#pragma once
// The per-event-loop-thread half of the upstream processor: forwards chat
// messages to the backend over a small pool of keep-alive HTTP/1.1
// connections on the shard's own io_context, behind a circuit breaker and a
// bound on requests in flight, and turns each answer into replies or an
// error event through the message's ProcessingContext.
//
// The breaker is per shard, not shared: a shared one would need a lock or
// atomics on every message of every thread, and per-shard state keeps the
// data path lock-free like the rest of the shard. The cost: each shard
// learns on its own that the backend is down (up to `threads` x the failure
// threshold requests), and half-open lets up to `threads` x trials requests
// through. For a handful of threads that is negligible next to the timeouts
// the breaker avoids.
//
// Single-threaded: every call and every completion runs on the shard's
// thread, so ctx.Finish() is always called where the dispatcher lives.

#include <utility>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <memory>
#include <string>
#include <vector>

#include "dataplane/processing/processor.h"
#include "dataplane/upstream/circuit_breaker.h"
#include "dataplane/upstream/upstream_codec.h"
#include "dataplane/upstream/upstream_metrics.h"
#include "dataplane/upstream/upstream_settings.h"

namespace botrelay::upstream {

class UpstreamShard {
 public:
  UpstreamShard(int shard, const UpstreamSettings& settings, const UpstreamUrl& url,
                UpstreamMetrics& metrics, boost::asio::io_context& io);
  // Closes every connection. Messages still waiting for the backend are not
  // answered (the shard is stopping); completions already queued on the
  // io_context do nothing.
  ~UpstreamShard();
  UpstreamShard(const UpstreamShard&) = delete;
  UpstreamShard& operator=(const UpstreamShard&) = delete;

  // Sends `message` to the backend; `ctx` is answered later on this thread,
  // or at once when the breaker is open or too many requests are pending.
  void Forward(const processing::ChatMessage& message, processing::ProcessingContext ctx);

  BreakerState breaker_state() const { return breaker_.state(); }
  int in_flight() const { return in_flight_; }
  size_t idle_connections() const { return idle_.size(); }

 private:
  struct Connection;
  using ConnectionPtr = std::shared_ptr<Connection>;

  ConnectionPtr TakeConnection();
  void ArmDeadline(const ConnectionPtr& c);
  void Connect(const ConnectionPtr& c);
  void Send(const ConnectionPtr& c);
  void Receive(const ConnectionPtr& c);
  void OnResponse(const ConnectionPtr& c);
  void OnBroken(const ConnectionPtr& c, UpstreamOutcome outcome, const boost::system::error_code& ec);
  void Complete(const ConnectionPtr& c, UpstreamOutcome outcome, std::string_view detail,
                bool keep_alive);
  void Recycle(const ConnectionPtr& c, bool keep_alive);
  void Close(const ConnectionPtr& c);
  void AnswerFailure(processing::ProcessingContext ctx, UpstreamOutcome outcome,
                     std::string_view detail);

  const int shard_;
  const UpstreamSettings& settings_;
  const UpstreamUrl& url_;
  UpstreamMetrics& metrics_;
  boost::asio::io_context& io_;
  CircuitBreaker breaker_;
  int in_flight_ = 0;
  std::vector<ConnectionPtr> connections_;  // every open or opening connection
  std::vector<ConnectionPtr> idle_;         // keep-alive connections ready for a request
  UpstreamReplyDecoder decoder_;
  UpstreamReply reply_;                     // decoded answer, reused
};

}  // namespace botrelay::upstream
