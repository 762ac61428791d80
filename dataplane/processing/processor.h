#pragma once
// Processors turn chat messages into replies. They form a chain: each is
// offered the message in turn until one takes it. New processors are added
// to the chain in relayd's wiring without touching sessions or the
// dispatcher.
//
// A processor that takes a message must call ctx.Finish() exactly once, now
// or later, on the same event-loop thread. Replies sent through the context
// leave in the order the room's messages arrived, whatever order processors
// finish in.

#include <utility>
#include <boost/asio/io_context.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

#include "dataplane/data_plane.h"
#include "dataplane/processing/chat_message.h"

namespace botrelay::processing {

class Dispatcher;

// A cheap, copyable handle to one message in flight. Calls after the
// message finished or missed its deadline are ignored.
class ProcessingContext {
 public:
  ProcessingContext(Dispatcher* dispatcher, uint32_t job_slot, uint64_t job_generation)
      : dispatcher_(dispatcher), slot_(job_slot), generation_(job_generation) {}

  void ReplyText(std::string_view text) const;
  void ReplyMedia(std::string_view media_type, std::span<const std::string_view> sources,
                  int32_t media_wait_ms) const;
  // Ends processing with a processing_failed error event instead of replies.
  void Fail(std::string_view why) const;
  // Ends processing with the given error event (e.g. upstream_unavailable).
  void Fail(protocol::ErrorCode code, std::string_view why) const;
  void Finish() const;
  std::optional<dataplane::ConnectionInfo> Connection() const;

 private:
  Dispatcher* dispatcher_;
  uint32_t slot_;
  uint64_t generation_;
};

class Processor {
 public:
  virtual ~Processor() = default;
  virtual std::string_view name() const = 0;
  // False: not mine, try the next processor. True: taken; Finish follows.
  virtual bool Handle(const ChatMessage& message, ProcessingContext ctx) = 0;

  // Called on each event-loop thread before it runs (with that shard's
  // io_context) and on the same thread when it stops, before the io_context
  // stops. A processor shared by all shards keeps its per-shard state here
  // (asynchronous work must run on the shard's own io_context, because
  // ctx.Finish() must be called on the shard's thread).
  virtual void OnShardStart(int shard, boost::asio::io_context& io) {}
  virtual void OnShardStop() {}
};

class ProcessorChain {
 public:
  void Add(std::unique_ptr<Processor> processor);
  // Offers the message down the chain; a message nobody takes (plain chat)
  // finishes with no reply.
  void Process(const ChatMessage& message, ProcessingContext ctx) const;
  // Forwarded to every processor (see Processor::OnShardStart/OnShardStop).
  void OnShardStart(int shard, boost::asio::io_context& io) const;
  void OnShardStop() const;

 private:
  std::vector<std::unique_ptr<Processor>> processors_;
};

}  // namespace botrelay::processing
