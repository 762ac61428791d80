#include "tests/testbot/server_frame.h"

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "tests/testbot/base64.h"

namespace botrelay::testbot {
namespace {

bool IsTrimmedSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f'; }

std::string_view Trim(std::string_view s) {
  while (!s.empty() && IsTrimmedSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsTrimmedSpace(s.back())) s.remove_suffix(1);
  return s;
}

absl::Status Unusable(std::string_view why, std::string_view line) {
  constexpr size_t kShown = 300;
  return absl::DataLossError(absl::StrCat(
      "server line unusable for the phone script: ", absl::string_view(why.data(), why.size()),
      ": ", absl::string_view(line.data(), std::min(line.size(), kShown))));
}

bool IsMediaType(std::string_view type) {
  return type == "image" || type == "audio" || type == "video" || type == "document";
}

std::vector<std::string> SplitOn(std::string_view text, std::string_view separator) {
  std::vector<std::string> parts;
  size_t start = 0;
  while (true) {
    const size_t at = text.find(separator, start);
    if (at == std::string_view::npos) {
      parts.emplace_back(text.substr(start));
      return parts;
    }
    parts.emplace_back(text.substr(start, at - start));
    start = at + separator.size();
  }
}

bool IsReplyEvent(std::string_view event) {
  return event == "messageResponse" || event == "scheduleMessage" || event == "broadcastMessage";
}

}  // namespace

std::optional<std::string> ServerFrame::String(std::string_view key) const {
  std::string_view value;
  if (data_[key].get_string().get(value) != simdjson::SUCCESS) return std::nullopt;
  return std::string(value);
}

std::optional<int64_t> ServerFrame::Int(std::string_view key) const {
  int64_t value = 0;
  if (data_[key].get_int64().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<double> ServerFrame::Double(std::string_view key) const {
  double value = 0;
  if (data_[key].get_double().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

std::optional<bool> ServerFrame::Bool(std::string_view key) const {
  bool value = false;
  if (data_[key].get_bool().get(value) != simdjson::SUCCESS) return std::nullopt;
  return value;
}

bool ServerFrame::Has(std::string_view key) const { return data_[key].error() == simdjson::SUCCESS; }

std::optional<std::string> ServerFrame::RawJson(std::string_view key) const {
  simdjson::dom::element value;
  if (data_[key].get(value) != simdjson::SUCCESS) return std::nullopt;
  return simdjson::to_string(value);
}

std::string ServerFrame::error_code() const {
  if (event_ != "error") return "";
  return String("code").value_or("");
}

absl::StatusOr<ServerFrame> ParseServerLine(std::string line, Generation generation,
                                            Clock::time_point received_at) {
  if (line.find('\r') != std::string::npos) {
    return Unusable("bare CR (Java readLine splits there)", line);
  }
  ServerFrame frame;
  frame.received_at_ = received_at;
  std::string_view trimmed = Trim(line);
  std::string_view json = trimmed;
  if (generation == Generation::kV33) {
    const size_t last_brace = trimmed.rfind('}');
    if (last_brace == std::string_view::npos) return Unusable("no '}'", line);
    json = trimmed.substr(0, last_brace + 1);
    frame.tail_ = std::string(trimmed.substr(last_brace + 1));
  }

  frame.document_ = std::make_shared<simdjson::dom::document>();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse_into_document(*frame.document_, json.data(), json.size()).get(root) !=
      simdjson::SUCCESS) {
    return Unusable(generation == Generation::kV32 ? "whole line is not JSON" : "JSON part invalid",
                    line);
  }
  std::string_view event;
  if (root["event"].get_string().get(event) != simdjson::SUCCESS) {
    return Unusable("no string `event`", line);
  }
  frame.event_ = std::string(event);
  if (root["data"].get_object().error() != simdjson::SUCCESS) {
    return Unusable("`data` missing or not an object", line);
  }
  frame.data_ = root["data"].value_unsafe();

  if (IsReplyEvent(frame.event_)) {
    const std::string message_type = frame.String("message_type").value_or("text");
    if (generation == Generation::kV33) {
      std::vector<int64_t> positions;
      simdjson::dom::array array;
      if (frame.data_["message_positions"].get_array().get(array) == simdjson::SUCCESS) {
        for (simdjson::dom::element e : array) {
          int64_t p = 0;
          if (e.get_int64().get(p) != simdjson::SUCCESS) return Unusable("bad message_positions", line);
          positions.push_back(p);
        }
      } else {
        positions = {0, 0};  // the script's default
      }
      const bool ignored = positions.size() == 2 && positions[1] == 0;
      if (!ignored && message_type == "text") {
        if (frame.String("content_encoding") == "base64") {
          auto decoded = Base64Decode(frame.tail_);
          if (!decoded) return Unusable("tail is not valid base64", line);
          frame.text_ = std::move(*decoded);
        } else {
          frame.text_ = frame.tail_;
        }
      } else if (!ignored && IsMediaType(message_type)) {
        if (positions.size() <= 2) {
          frame.media_.push_back(frame.tail_);
        } else {
          for (size_t i = 0; i + 1 < positions.size(); ++i) {
            const int64_t begin = positions[i], end = positions[i + 1];
            if (begin < 0 || end < begin || static_cast<size_t>(end) > frame.tail_.size()) {
              return Unusable("message_positions outside the tail", line);
            }
            frame.media_.push_back(frame.tail_.substr(begin, end - begin));
          }
        }
      }
    } else if (frame.event_ == "messageResponse") {
      // v3.2 ignores scheduleMessage and broadcastMessage altogether.
      auto text = frame.String("text");
      if (!text) return Unusable("v3.2 messageResponse without string data.text", line);
      for (std::string_view prefix : {"IMAGE_BASE64:", "MEDIA_URL:"}) {
        if (std::string_view(*text).substr(0, prefix.size()) == prefix) {
          frame.media_ = SplitOn(std::string_view(*text).substr(prefix.size()), "|||");
        }
      }
      if (frame.media_.empty()) frame.text_ = std::move(text);
    }
  }
  frame.line_ = std::move(line);
  return frame;
}

}  // namespace botrelay::testbot
