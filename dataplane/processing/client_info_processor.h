#pragma once
// `# client_info`: answers with the caller's own connection facts (the old
// server's version never answered).

#include "dataplane/processing/processor.h"

namespace botrelay::processing {

class ClientInfoProcessor : public Processor {
 public:
  std::string_view name() const override { return "client_info"; }
  bool Handle(const ChatMessage& message, ProcessingContext ctx) override;
};

}  // namespace botrelay::processing
