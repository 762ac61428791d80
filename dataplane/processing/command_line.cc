#include "dataplane/processing/command_line.h"

#include <cctype>

namespace botrelay::processing {

namespace {

bool IsParamKeyChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) || c == '-';
}

bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

}  // namespace

std::optional<std::string_view> CommandLine::Param(std::string_view key) const {
  for (const auto& [k, v] : params) {
    if (k == key) return std::string_view(v);
  }
  return std::nullopt;
}

std::optional<CommandLine> ParseCommand(std::string_view text, std::string_view prefix) {
  if (text.substr(0, prefix.size()) != prefix) return std::nullopt;
  std::string_view rest = text.substr(prefix.size());
  CommandLine command;
  std::string prompt;
  size_t i = 0;
  while (i < rest.size()) {
    // A parameter token is --key=value with a non-empty value up to whitespace.
    if (rest.compare(i, 2, "--") == 0) {
      size_t k = i + 2;
      while (k < rest.size() && IsParamKeyChar(rest[k])) ++k;
      if (k > i + 2 && k < rest.size() && rest[k] == '=') {
        size_t v = k + 1;
        while (v < rest.size() && !IsSpace(rest[v])) ++v;
        if (v > k + 1) {
          command.params.emplace_back(std::string(rest.substr(i + 2, k - i - 2)),
                                      std::string(rest.substr(k + 1, v - k - 1)));
          i = v;
          continue;
        }
      }
    }
    prompt += rest[i];
    ++i;
  }
  command.prompt = std::string(Trim(prompt));
  return command;
}

}  // namespace botrelay::processing
