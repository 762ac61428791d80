#pragma once
// A server-to-client line as the bridge script of one generation reads it.
//
// v3.3 scripts trim the line, split it at the LAST '}' into JSON and raw
// tail, and need an object `data`. v3.2 scripts JSON.parse the whole line,
// so any raw tail is a parse error for them. Both read with Java readLine,
// which also splits at a bare CR. ParseServerLine rejects, as DATA_LOSS, any
// line the real script of that generation could not use, so a test sees the
// server's mistake instead of a silently dropped reply.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "absl/status/statusor.h"
#include "simdjson.h"
#include "tests/testbot/client_frames.h"

namespace botrelay::testbot {

using Clock = std::chrono::steady_clock;

class ServerFrame {
 public:
  const std::string& line() const { return line_; }    // as received, without LF
  const std::string& event() const { return event_; }
  const std::string& tail() const { return tail_; }    // raw tail (v3.3 only)
  Clock::time_point received_at() const { return received_at_; }

  // What the phone would post with bot.send(room, text) for a text
  // messageResponse / scheduleMessage (base64-decoded tail for v3.3,
  // data.text for v3.2); nullopt for other frames and for frames the script
  // ignores (v3.3 positions [x,0]; scheduleMessage on v3.2).
  const std::optional<std::string>& text() const { return text_; }
  // Media sources of a media reply: the tail split by message_positions
  // (v3.3) or data.text after IMAGE_BASE64:/MEDIA_URL: split at "|||" (v3.2).
  const std::vector<std::string>& media() const { return media_; }

  // The parsed `data` object.
  simdjson::dom::element data() const { return data_; }
  // Top-level fields of `data`; nullopt if absent or of another type.
  std::optional<std::string> String(std::string_view key) const;
  std::optional<int64_t> Int(std::string_view key) const;
  std::optional<double> Double(std::string_view key) const;
  std::optional<bool> Bool(std::string_view key) const;
  bool Has(std::string_view key) const;
  // The JSON text of data.<key> (strings keep their quotes); nullopt if absent.
  std::optional<std::string> RawJson(std::string_view key) const;

  // data.code of an `error` event ("" for other frames).
  std::string error_code() const;

 private:
  friend absl::StatusOr<ServerFrame> ParseServerLine(std::string line, Generation generation,
                                                     Clock::time_point received_at);
  std::string line_;
  std::string event_;
  std::string tail_;
  std::optional<std::string> text_;
  std::vector<std::string> media_;
  Clock::time_point received_at_{};
  std::shared_ptr<simdjson::dom::document> document_;  // owns what data_ points into
  simdjson::dom::element data_;
};

absl::StatusOr<ServerFrame> ParseServerLine(std::string line, Generation generation,
                                            Clock::time_point received_at = Clock::now());

}  // namespace botrelay::testbot
