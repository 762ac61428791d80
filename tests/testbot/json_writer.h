#pragma once
// Writes JSON the way JavaScript's JSON.stringify does for the values the
// bridge scripts send: compact (no spaces), keys in insertion order,
// non-ASCII bytes passed through as UTF-8, control characters escaped, and
// numbers in JS Number.prototype.toString form (256.0 -> "256").
//
// Bytes are never validated: tests use this to build deliberately malformed
// frames (for example invalid UTF-8 inside a string).

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace botrelay::testbot {

class JsonWriter {
 public:
  JsonWriter& BeginObject();
  JsonWriter& EndObject();
  JsonWriter& BeginArray();
  JsonWriter& EndArray();
  JsonWriter& Key(std::string_view key);
  JsonWriter& String(std::string_view value);
  JsonWriter& Int(int64_t value);
  JsonWriter& Double(double value);
  JsonWriter& Bool(bool value);
  JsonWriter& Null();
  // Inserts already-serialised JSON (e.g. an echoed value) as one value.
  JsonWriter& Raw(std::string_view json);

  const std::string& str() const { return out_; }
  std::string Take() { return std::move(out_); }

 private:
  void BeforeValue();

  std::string out_;
  // One entry per open container: true until its first element is written.
  std::vector<bool> first_;
  bool after_key_ = false;
};

// Appends `value` as a JSON string literal (quotes included).
void AppendJsonString(std::string& out, std::string_view value);

}  // namespace botrelay::testbot
