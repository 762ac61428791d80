#pragma once
// A small command-line option parser for relayctl: long options (--name VALUE,
// --name=VALUE), one-letter aliases (-o json), switches, repeatable and
// multi-value options, and positional arguments. Values are type-checked at
// parse time so a command never sees a malformed number.

#include <cstdint>
#include <map>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"

namespace botrelay::cli {

enum class ValueType {
  kSwitch,  // no value: present or not
  kString,
  kInt32,
  kDouble,
};

struct OptionSpec {
  std::string name = {};     // long name without dashes, e.g. "page-size"
  char short_name = 0;       // e.g. 'o' for -o; 0 = none
  ValueType type = ValueType::kString;
  std::string value_name = {};  // shown in usage, e.g. "N"
  std::string help = {};
  // May be given more than once (--media A --media B). A multi-value option
  // also takes the words that follow it up to the next option
  // (--media A B), which implies repeatable.
  bool repeatable = false;
  bool multi_value = false;
};

class ParsedArgs {
 public:
  bool Has(std::string_view name) const;
  // The last value given for an option, if any.
  std::optional<std::string> Get(std::string_view name) const;
  std::string GetOr(std::string_view name, std::string fallback) const;
  // Every value given for an option, in command-line order.
  std::vector<std::string> GetAll(std::string_view name) const;
  // Typed access for options the parser validated as kInt32 / kDouble.
  std::optional<int32_t> GetInt32(std::string_view name) const;
  std::optional<double> GetDouble(std::string_view name) const;

  const std::vector<std::string>& positionals() const { return positionals_; }

  void AddValue(std::string name, std::string value);
  void AddPositional(std::string value);

 private:
  std::map<std::string, std::vector<std::string>, std::less<>> values_;
  std::vector<std::string> positionals_;
};

// Parses args against specs, appending to *out. Words that are not options
// become positionals; "--" ends option parsing. Returns InvalidArgument with
// a user-facing message for unknown options, missing or malformed values.
absl::Status ParseOptions(std::span<const OptionSpec> specs,
                          std::span<const std::string> args, ParsedArgs* out);

// Parses the single option at args[*index] (a word starting with '-') and
// advances *index past it and its values.
absl::Status ParseOption(std::span<const OptionSpec> specs,
                         std::span<const std::string> args, size_t* index,
                         ParsedArgs* out);

// The option a word names ("--addr", "--addr=x", "-o", "-ojson"), or nullptr.
const OptionSpec* FindOption(std::span<const OptionSpec> specs,
                             std::string_view word);

}  // namespace botrelay::cli
