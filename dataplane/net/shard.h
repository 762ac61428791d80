#pragma once
// One event-loop thread and everything it owns. Every bot name maps to one
// shard (a hash of the name), and all of that bot's sessions, its processing
// queue, its per-bot and per-room limits and its (bot, device) -> session
// map live there, so none of it needs a lock. A connection is accepted and
// handshaken on the acceptor's shard (shard 0) and moves to its bot's shard
// once the handshake names the bot, if that is another one.
//
// Other threads talk to a shard only by posting to its io_context.

#include <utility>
#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>
#include <atomic>
#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/auth/auth_verifier.h"
#include "dataplane/auth/replay_cache.h"
#include "dataplane/log/log_throttle.h"
#include "dataplane/net/bot_rate_limits.h"
#include "dataplane/net/session.h"
#include "dataplane/net/timer_wheel.h"
#include "dataplane/processing/dispatcher.h"
#include "dataplane/processing/reply_outlet.h"
#include "dataplane/ratelimit/token_bucket.h"
#include "dataplane/protocol/frame_decoder.h"

namespace botrelay::net {

class RelayServer;
struct RelaySettings;

class Shard : public processing::ReplyOutlet {
 public:
  Shard(RelayServer& server, int index);
  ~Shard() override;

  int index() const { return index_; }
  boost::asio::io_context& io() { return io_; }
  RelayServer& server() { return server_; }
  const RelaySettings& settings() const;
  RelayMetrics& metrics();

  // Runs the event loop on the calling thread until Stop().
  void Run();
  void Stop();

  // --- called on this shard's thread
  void AdoptAccepted(boost::asio::ip::tcp::socket socket, uint64_t id, std::string peer,
                     const admission::Ticket& ticket);
  void AdoptTransferred(SessionTransfer transfer);
  // Registers `session` as the live holder of its key; returns the session
  // it replaced, if any.
  Session* ClaimKey(Session& session);
  void OnSessionClosed(Session& session);
  // Drops a session that moved to another shard (its socket lives on).
  void Forget(Session& session);
  Session* FindByKey(const store::DeviceKey& key);
  Session* FindById(uint64_t id);
  template <typename Fn>
  void ForEachSession(Fn&& fn) {
    for (auto& [id, session] : sessions_) fn(*session);
  }
  void WaitForCapacity(Session& session);
  void StateChanged(ConnState from, ConnState to);

  // Per-thread tools the sessions share.
  protocol::FrameDecoder& decoder() { return decoder_; }
  auth::AuthVerifier& auth() { return auth_; }
  auth::ReplayCache& replay() { return replay_; }
  processing::Dispatcher& dispatcher() { return dispatcher_; }
  const ratelimit::TokenBucketPolicy& connection_rate_policy() const {
    return connection_rate_policy_;
  }
  BotRateLimits& bot_limits() { return bot_limits_; }
  // Handshake timeouts come in floods (a slowloris stalls thousands of
  // sockets at once), so their WARN lines share one throttle per shard;
  // Tick reports what is left when the flood ends.
  log::LogThrottle& handshake_timeout_log() { return handshake_timeout_log_; }
  TimerWheel& wheel() { return wheel_; }
  std::string& scratch() { return scratch_; }
  std::mt19937_64& rng() { return rng_; }
  size_t session_count() const { return sessions_.size(); }
  // Mirrors of thread-local counts, readable from other threads.
  size_t queue_depth_relaxed() const { return queue_depth_.load(std::memory_order_relaxed); }
  uint64_t replay_early_evictions_relaxed() const {
    return replay_early_evictions_.load(std::memory_order_relaxed);
  }

  // --- processing::ReplyOutlet (routes by key, at delivery time)
  void DeliverText(const processing::ChatMessage& to, std::string_view text) override;
  void DeliverMedia(const processing::ChatMessage& to, std::string_view media_type,
                    std::span<const std::string_view> sources, int32_t media_wait_ms) override;
  void DeliverError(const processing::ChatMessage& to, protocol::ErrorCode code,
                    std::string_view message) override;
  std::optional<dataplane::ConnectionInfo> DescribeConnection(uint64_t connection_id) override;
  void OnMessageDone(const processing::ChatMessage& message) override;

 private:
  // (bot, device) lookups by views, so routing a reply copies no strings.
  using KeyView = std::pair<std::string_view, std::string_view>;
  static KeyView View(const store::DeviceKey& k) { return {k.bot_name, k.device_id}; }
  struct KeyHash {
    using is_transparent = void;
    size_t operator()(const KeyView& k) const {
      return std::hash<std::string_view>()(k.first) * 31 + std::hash<std::string_view>()(k.second);
    }
    size_t operator()(const store::DeviceKey& k) const { return (*this)(View(k)); }
  };
  struct KeyEqual {
    using is_transparent = void;
    bool operator()(const KeyView& a, const store::DeviceKey& b) const { return a == View(b); }
    bool operator()(const store::DeviceKey& a, const KeyView& b) const { return View(a) == b; }
    bool operator()(const store::DeviceKey& a, const store::DeviceKey& b) const { return a == b; }
  };
  Session* Route(const processing::ChatMessage& to);
  void Tick();
  void ResumePaused();

  RelayServer& server_;
  int index_;
  boost::asio::io_context io_;
  protocol::FrameDecoder decoder_;
  auth::AuthVerifier auth_;
  auth::ReplayCache replay_;
  processing::Dispatcher dispatcher_;
  ratelimit::TokenBucketPolicy connection_rate_policy_;  // each session's bucket
  BotRateLimits bot_limits_;
  log::LogThrottle handshake_timeout_log_;
  TimerWheel wheel_;
  boost::asio::steady_timer tick_timer_;
  std::string scratch_;
  std::mt19937_64 rng_;

  std::unordered_map<uint64_t, std::shared_ptr<Session>> sessions_;
  std::unordered_map<store::DeviceKey, Session*, KeyHash, KeyEqual> by_key_;
  std::vector<std::weak_ptr<Session>> paused_;
  bool resume_posted_ = false;
  uint64_t ticks_ = 0;
  std::atomic<size_t> queue_depth_{0};
  std::atomic<uint64_t> replay_early_evictions_{0};
};

}  // namespace botrelay::net
