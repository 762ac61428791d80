#pragma once
// Parses a chat command the way the old server did, so users' habits keep
// working: a case-sensitive prefix ("# echo"), then a prompt from which every
// `--key=value` token has been removed into parameters.

#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace botrelay::processing {

struct CommandLine {
  std::string prompt;  // rest of the text, parameters removed, trimmed
  std::vector<std::pair<std::string, std::string>> params;

  std::optional<std::string_view> Param(std::string_view key) const;
};

// Nullopt when `text` does not start with `prefix`.
std::optional<CommandLine> ParseCommand(std::string_view text, std::string_view prefix);

}  // namespace botrelay::processing
