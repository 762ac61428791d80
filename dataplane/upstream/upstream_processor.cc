#include "dataplane/upstream/upstream_processor.h"

#include <algorithm>
#include <utility>

#include "dataplane/log/logger.h"
#include "dataplane/upstream/upstream_shard.h"

namespace botrelay::upstream {

namespace {
// This thread's shard of each processor (normally one entry).
thread_local std::vector<std::pair<const UpstreamProcessor*, UpstreamShard*>> tls_shards;
}  // namespace

absl::StatusOr<std::unique_ptr<UpstreamProcessor>> UpstreamProcessor::Create(
    const UpstreamSettings& settings, metrics::Registry& registry) {
  absl::StatusOr<UpstreamUrl> url = ParseUpstreamUrl(settings.url);
  if (!url.ok()) return url.status();
  return std::unique_ptr<UpstreamProcessor>(
      new UpstreamProcessor(settings, *std::move(url), registry));
}

UpstreamProcessor::UpstreamProcessor(const UpstreamSettings& settings, UpstreamUrl url,
                                     metrics::Registry& registry)
    : settings_(settings), url_(std::move(url)), metrics_(registry) {}

UpstreamProcessor::~UpstreamProcessor() = default;

bool UpstreamProcessor::Handle(const processing::ChatMessage& message,
                               processing::ProcessingContext ctx) {
  if (!settings_.command_prefix.empty() &&
      message.text.compare(0, settings_.command_prefix.size(), settings_.command_prefix) != 0) {
    return false;
  }
  UpstreamShard* shard = LocalShard();
  if (shard == nullptr) {
    // Wiring error (no OnShardStart on this thread); answer rather than hang.
    ctx.Fail(protocol::ErrorCode::kUpstreamUnavailable,
             "upstream processor not started on this thread");
    return true;
  }
  shard->Forward(message, ctx);
  return true;
}

UpstreamShard* UpstreamProcessor::LocalShard() const {
  for (const auto& [owner, shard] : tls_shards) {
    if (owner == this) return shard;
  }
  return nullptr;
}

void UpstreamProcessor::OnShardStart(int shard, boost::asio::io_context& io) {
  auto local = std::make_unique<UpstreamShard>(shard, settings_, url_, metrics_, io);
  tls_shards.emplace_back(this, local.get());
  std::lock_guard lock(mu_);
  shards_.push_back(std::move(local));
  if (shard == 0) {
    RELAY_LOG(kInfo, "upstream backend %s (timeout %d ms, %d in flight and %d idle connections "
              "per thread, prefix \"%s\")", settings_.url, settings_.request_timeout.count(),
              settings_.max_in_flight, settings_.pool_size, settings_.command_prefix);
  }
}

void UpstreamProcessor::OnShardStop() {
  UpstreamShard* local = LocalShard();
  if (local == nullptr) return;
  std::erase_if(tls_shards, [this](const auto& entry) { return entry.first == this; });
  std::lock_guard lock(mu_);
  std::erase_if(shards_, [local](const auto& owned) { return owned.get() == local; });
}

}  // namespace botrelay::upstream
