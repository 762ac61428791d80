#include "dataplane/processing/processor.h"

namespace botrelay::processing {

void ProcessorChain::Add(std::unique_ptr<Processor> processor) {
  processors_.push_back(std::move(processor));
}

void ProcessorChain::Process(const ChatMessage& message, ProcessingContext ctx) const {
  for (const auto& processor : processors_) {
    if (processor->Handle(message, ctx)) return;
  }
  ctx.Finish();  // plain chat: nothing to answer
}

void ProcessorChain::OnShardStart(int shard, boost::asio::io_context& io) const {
  for (const auto& processor : processors_) processor->OnShardStart(shard, io);
}

void ProcessorChain::OnShardStop() const {
  for (const auto& processor : processors_) processor->OnShardStop();
}

}  // namespace botrelay::processing
