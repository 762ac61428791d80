#include "cli/output.h"

#include <algorithm>
#include <cmath>
#include <utility>

#include <google/protobuf/util/json_util.h>

#include "absl/strings/ascii.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/time/time.h"

namespace botrelay::cli {
namespace {

constexpr std::string_view kColumnGap = "   ";

void AppendPadded(std::string* line, std::string_view cell, size_t width) {
  line->append(cell);
  line->append(width - cell.size(), ' ');
}

std::string StripTrailingSpaces(std::string line) {
  while (!line.empty() && line.back() == ' ') line.pop_back();
  return line;
}

}  // namespace

Table::Table(std::vector<std::string> headers) : headers_(std::move(headers)) {}

void Table::AddRow(std::vector<std::string> cells) {
  cells.resize(headers_.size());
  rows_.push_back(std::move(cells));
}

std::string Table::Render() const {
  std::vector<size_t> widths(headers_.size());
  for (size_t c = 0; c < headers_.size(); ++c) widths[c] = headers_[c].size();
  for (const auto& row : rows_) {
    for (size_t c = 0; c < row.size(); ++c) {
      widths[c] = std::max(widths[c], row[c].size());
    }
  }
  auto render_line = [&](const std::vector<std::string>& cells) {
    std::string line;
    for (size_t c = 0; c < cells.size(); ++c) {
      if (c > 0) line.append(kColumnGap);
      AppendPadded(&line, cells[c], widths[c]);
    }
    return StripTrailingSpaces(std::move(line)) + "\n";
  };
  std::string out = render_line(headers_);
  for (const auto& row : rows_) out += render_line(row);
  return out;
}

void KeyValueList::Add(std::string key, std::string value) {
  entries_.emplace_back(std::move(key), std::move(value));
}

std::string KeyValueList::Render() const {
  size_t width = 0;
  for (const auto& [key, value] : entries_) {
    width = std::max(width, key.size() + 1);  // +1 for the colon
  }
  std::string out;
  for (const auto& [key, value] : entries_) {
    std::string line;
    AppendPadded(&line, key + ":", width);
    line.append(kColumnGap);
    line.append(value);
    out += StripTrailingSpaces(std::move(line)) + "\n";
  }
  return out;
}

std::string ToJson(const google::protobuf::Message& message, JsonStyle style) {
  google::protobuf::util::JsonPrintOptions options;
  options.preserve_proto_field_names = true;
  options.always_print_primitive_fields = true;
  options.add_whitespace = style == JsonStyle::kPretty;
  std::string json;
  // Printing a well-formed message cannot fail; if it ever does, say so in
  // the output rather than print half an object.
  auto status = google::protobuf::util::MessageToJsonString(message, &json,
                                                            options);
  if (!status.ok()) {
    return absl::StrCat("{\"error\": \"cannot print ",
                        message.GetTypeName(), " as JSON\"}");
  }
  while (!json.empty() && json.back() == '\n') json.pop_back();
  return json;
}

void PrintJson(std::ostream& out, const google::protobuf::Message& message,
               JsonStyle style) {
  out << ToJson(message, style) << "\n";
}

std::string FormatUnixMs(int64_t unix_ms) {
  if (unix_ms == 0) return "-";
  return absl::FormatTime("%Y-%m-%dT%H:%M:%SZ", absl::FromUnixMillis(unix_ms),
                          absl::UTCTimeZone());
}

std::string FormatNumber(double value) {
  if (std::isfinite(value) && value == std::trunc(value) &&
      std::fabs(value) < 1e15) {
    return absl::StrFormat("%.0f", value);
  }
  return absl::StrFormat("%.6g", value);
}

std::string PluralCount(int n, const char* noun) {
  return absl::StrCat(n, " ", noun, n == 1 ? "" : "s");
}

std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value,
                      std::string_view prefix) {
  if (value == 0) return "-";
  const google::protobuf::EnumValueDescriptor* v =
      type->FindValueByNumber(value);
  if (v == nullptr) return absl::StrCat(value);
  std::string_view name = v->name();
  if (name.starts_with(prefix)) name.remove_prefix(prefix.size());
  return absl::AsciiStrToLower(absl::string_view(name.data(), name.size()));
}

bool ParseEnumLabel(const google::protobuf::EnumDescriptor* type,
                    std::string_view label, std::string_view prefix,
                    int* value) {
  std::string name =
      absl::AsciiStrToUpper(absl::string_view(label.data(), label.size()));
  if (!std::string_view(name).starts_with(prefix)) {
    name.insert(0, prefix);
  }
  const google::protobuf::EnumValueDescriptor* v = type->FindValueByName(name);
  if (v == nullptr || v->number() == 0) return false;
  *value = v->number();
  return true;
}

std::string EnumLabels(const google::protobuf::EnumDescriptor* type,
                       std::string_view prefix) {
  std::vector<std::string> labels;
  for (int i = 0; i < type->value_count(); ++i) {
    if (type->value(i)->number() == 0) continue;
    labels.push_back(EnumLabel(type, type->value(i)->number(), prefix));
  }
  return absl::StrJoin(labels, ", ");
}

}  // namespace botrelay::cli
