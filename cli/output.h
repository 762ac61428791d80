#pragma once
// Output shared by every relayctl command: aligned tables for people, protobuf
// JSON for scripts, and the text forms of the values the tables show.

#include <cstdint>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/message.h>

namespace botrelay::cli {

enum class OutputFormat { kTable, kJson };

// Left-aligned columns separated by three spaces; the last column is not
// padded so lines carry no trailing blanks. Missing cells render empty.
class Table {
 public:
  explicit Table(std::vector<std::string> headers);
  void AddRow(std::vector<std::string> cells);
  std::string Render() const;

 private:
  std::vector<std::string> headers_;
  std::vector<std::vector<std::string>> rows_;
};

// "KEY:   value" lines with the values aligned, for single-object views.
class KeyValueList {
 public:
  void Add(std::string key, std::string value);
  std::string Render() const;

 private:
  std::vector<std::pair<std::string, std::string>> entries_;
};

enum class JsonStyle {
  kPretty,   // indented, for a single response
  kOneLine,  // one object per line, for streamed updates
};

// Proto JSON with the .proto field names (bot_name, not botName) and default
// values printed, so scripts always find every field.
std::string ToJson(const google::protobuf::Message& message, JsonStyle style);

// Prints a message as JSON followed by a newline.
void PrintJson(std::ostream& out, const google::protobuf::Message& message,
               JsonStyle style = JsonStyle::kPretty);

// UTC "2025-05-20T12:34:56Z"; 0 (never) renders as "-".
std::string FormatUnixMs(int64_t unix_ms);

// Shortest exact-looking form: integers without a decimal point, other
// values with up to 6 significant digits.
std::string FormatNumber(double value);

// "1 connection", "3 connections".
std::string PluralCount(int n, const char* noun);

// An enum value's name without its type prefix, lower-cased:
// DEVICE_STATUS_APPROVED with prefix "DEVICE_STATUS_" -> "approved". The
// zero value (*_UNSPECIFIED: no value at all) renders as "-".
std::string EnumLabel(const google::protobuf::EnumDescriptor* type, int value,
                      std::string_view prefix);

// The inverse of EnumLabel, case-insensitive; also accepts the full name.
// Returns false for unknown labels and for the *_UNSPECIFIED value.
bool ParseEnumLabel(const google::protobuf::EnumDescriptor* type,
                    std::string_view label, std::string_view prefix,
                    int* value);

// "pending, approved, ..." for error messages and usage.
std::string EnumLabels(const google::protobuf::EnumDescriptor* type,
                       std::string_view prefix);

}  // namespace botrelay::cli
