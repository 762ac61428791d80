#include "cli/arg_parser.h"

#include <utility>

#include "absl/status/status.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace botrelay::cli {
namespace {

bool IsOptionWord(std::string_view word) {
  return word.size() > 1 && word[0] == '-';
}

// Splits "--name=value" into its name and inline value; "-ovalue" likewise.
struct OptionWord {
  std::string_view name;  // without dashes
  std::optional<std::string_view> inline_value;
  bool is_short = false;
};

OptionWord SplitOptionWord(std::string_view word) {
  OptionWord out;
  if (word.starts_with("--")) {
    std::string_view body = word.substr(2);
    const size_t eq = body.find('=');
    out.name = body.substr(0, eq);
    if (eq != std::string_view::npos) out.inline_value = body.substr(eq + 1);
    return out;
  }
  out.is_short = true;
  out.name = word.substr(1, 1);
  std::string_view rest = word.substr(2);
  if (rest.starts_with("=")) rest.remove_prefix(1);
  if (!rest.empty()) out.inline_value = rest;
  return out;
}

const OptionSpec* FindSpec(std::span<const OptionSpec> specs,
                           const OptionWord& word) {
  for (const OptionSpec& spec : specs) {
    const bool match = word.is_short
                           ? (spec.short_name != 0 && word.name.size() == 1 &&
                              word.name[0] == spec.short_name)
                           : word.name == spec.name;
    if (match) return &spec;
  }
  return nullptr;
}

absl::Status CheckValue(const OptionSpec& spec, std::string_view value) {
  switch (spec.type) {
    case ValueType::kInt32: {
      int32_t parsed;
      if (!absl::SimpleAtoi(absl::string_view(value.data(), value.size()),
                            &parsed)) {
        return absl::InvalidArgumentError(absl::StrCat(
            "invalid value '", std::string(value), "' for --", spec.name,
            ": expected an integer"));
      }
      return absl::OkStatus();
    }
    case ValueType::kDouble: {
      double parsed;
      if (!absl::SimpleAtod(absl::string_view(value.data(), value.size()),
                            &parsed)) {
        return absl::InvalidArgumentError(
            absl::StrCat("invalid value '", std::string(value), "' for --",
                         spec.name, ": expected a number"));
      }
      return absl::OkStatus();
    }
    case ValueType::kSwitch:
    case ValueType::kString:
      return absl::OkStatus();
  }
  return absl::OkStatus();
}

absl::Status AddChecked(const OptionSpec& spec, std::string_view value,
                        ParsedArgs* out) {
  if (absl::Status s = CheckValue(spec, value); !s.ok()) return s;
  if (!spec.repeatable && !spec.multi_value && out->Has(spec.name)) {
    return absl::InvalidArgumentError(
        absl::StrCat("--", spec.name, " given more than once"));
  }
  out->AddValue(spec.name, std::string(value));
  return absl::OkStatus();
}

}  // namespace

bool ParsedArgs::Has(std::string_view name) const {
  return values_.find(name) != values_.end();
}

std::optional<std::string> ParsedArgs::Get(std::string_view name) const {
  auto it = values_.find(name);
  if (it == values_.end() || it->second.empty()) return std::nullopt;
  return it->second.back();
}

std::string ParsedArgs::GetOr(std::string_view name,
                              std::string fallback) const {
  std::optional<std::string> value = Get(name);
  return value ? *std::move(value) : std::move(fallback);
}

std::vector<std::string> ParsedArgs::GetAll(std::string_view name) const {
  auto it = values_.find(name);
  return it == values_.end() ? std::vector<std::string>{} : it->second;
}

std::optional<int32_t> ParsedArgs::GetInt32(std::string_view name) const {
  std::optional<std::string> text = Get(name);
  int32_t value;
  if (!text || !absl::SimpleAtoi(*text, &value)) return std::nullopt;
  return value;
}

std::optional<double> ParsedArgs::GetDouble(std::string_view name) const {
  std::optional<std::string> text = Get(name);
  double value;
  if (!text || !absl::SimpleAtod(*text, &value)) return std::nullopt;
  return value;
}

void ParsedArgs::AddValue(std::string name, std::string value) {
  values_[std::move(name)].push_back(std::move(value));
}

void ParsedArgs::AddPositional(std::string value) {
  positionals_.push_back(std::move(value));
}

const OptionSpec* FindOption(std::span<const OptionSpec> specs,
                             std::string_view word) {
  if (!IsOptionWord(word) || word == "--") return nullptr;
  return FindSpec(specs, SplitOptionWord(word));
}

absl::Status ParseOption(std::span<const OptionSpec> specs,
                         std::span<const std::string> args, size_t* index,
                         ParsedArgs* out) {
  const std::string& word = args[*index];
  const OptionWord split = SplitOptionWord(word);
  const OptionSpec* spec = FindSpec(specs, split);
  if (spec == nullptr) {
    return absl::InvalidArgumentError(absl::StrCat("unknown flag ", word));
  }
  ++*index;

  if (spec->type == ValueType::kSwitch) {
    if (split.inline_value) {
      return absl::InvalidArgumentError(
          absl::StrCat("--", spec->name, " takes no value"));
    }
    out->AddValue(spec->name, "true");
    return absl::OkStatus();
  }

  if (split.inline_value) {
    if (absl::Status s = AddChecked(*spec, *split.inline_value, out); !s.ok()) {
      return s;
    }
  } else {
    // The next word is the value even if it starts with '-', so negative
    // numbers and reasons like "-" work.
    if (*index >= args.size()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "--", spec->name, " needs a value (", spec->value_name, ")"));
    }
    if (absl::Status s = AddChecked(*spec, args[*index], out); !s.ok()) {
      return s;
    }
    ++*index;
  }
  if (spec->multi_value) {
    while (*index < args.size() && !IsOptionWord(args[*index])) {
      if (absl::Status s = AddChecked(*spec, args[*index], out); !s.ok()) {
        return s;
      }
      ++*index;
    }
  }
  return absl::OkStatus();
}

absl::Status ParseOptions(std::span<const OptionSpec> specs,
                          std::span<const std::string> args, ParsedArgs* out) {
  size_t i = 0;
  while (i < args.size()) {
    const std::string& word = args[i];
    if (word == "--") {
      for (++i; i < args.size(); ++i) out->AddPositional(args[i]);
      break;
    }
    if (!IsOptionWord(word)) {
      out->AddPositional(word);
      ++i;
      continue;
    }
    if (absl::Status s = ParseOption(specs, args, &i, out); !s.ok()) return s;
  }
  return absl::OkStatus();
}

}  // namespace botrelay::cli
