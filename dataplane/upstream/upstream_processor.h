#pragma once
// Forwards chat messages to the operator's own backend over HTTP and relays
// its answer (docs/operations.md, "Upstream backend" has the contract).
// Placed last in the chain, it takes every message no built-in command took
// (or, with a command prefix, only messages starting with it).
//
// One instance serves every shard; its per-shard state (connections,
// circuit breaker, requests in flight) lives in an UpstreamShard created on
// each event-loop thread by OnShardStart and found through a thread-local
// slot, the way Envoy gives a shared filter per-worker state.

#include <memory>
#include <mutex>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/processing/processor.h"
#include "dataplane/upstream/upstream_metrics.h"
#include "dataplane/upstream/upstream_settings.h"

namespace botrelay::upstream {

class UpstreamShard;

class UpstreamProcessor : public processing::Processor {
 public:
  // INVALID_ARGUMENT for a URL relayd cannot use.
  static absl::StatusOr<std::unique_ptr<UpstreamProcessor>> Create(
      const UpstreamSettings& settings, metrics::Registry& registry);
  ~UpstreamProcessor() override;

  std::string_view name() const override { return "upstream"; }
  bool Handle(const processing::ChatMessage& message, processing::ProcessingContext ctx) override;
  void OnShardStart(int shard, boost::asio::io_context& io) override;
  void OnShardStop() override;

  // The calling event-loop thread's part; null before OnShardStart.
  UpstreamShard* LocalShard() const;

 private:
  UpstreamProcessor(const UpstreamSettings& settings, UpstreamUrl url,
                    metrics::Registry& registry);

  const UpstreamSettings settings_;
  const UpstreamUrl url_;
  UpstreamMetrics metrics_;
  std::mutex mu_;  // guards shards_; taken only when a shard starts or stops
  std::vector<std::unique_ptr<UpstreamShard>> shards_;
};

}  // namespace botrelay::upstream
