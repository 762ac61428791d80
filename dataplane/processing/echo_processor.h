#pragma once
// `# echo <text> [--repeat=N]`: answers "에코: <text>", N times (at most 5,
// numbered "[i/N] "), as the old server's echo service did.

#include "dataplane/processing/processor.h"

namespace botrelay::processing {

class EchoProcessor : public Processor {
 public:
  static constexpr int kMaxRepeat = 5;
  std::string_view name() const override { return "echo"; }
  bool Handle(const ChatMessage& message, ProcessingContext ctx) override;
};

}  // namespace botrelay::processing
