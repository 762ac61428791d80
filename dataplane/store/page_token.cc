#include "dataplane/store/page_token.h"

#include "absl/strings/escaping.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"

namespace botrelay::store {

// Layout before base64: "<bot_name length>:<bot_name><device_id>". The
// length prefix keeps any byte legal in either name.
std::string EncodePageToken(const DeviceKey& last_key) {
  return absl::WebSafeBase64Escape(
      absl::StrCat(last_key.bot_name.size(), ":", last_key.bot_name, last_key.device_id));
}

absl::StatusOr<DeviceKey> DecodePageToken(const std::string& token) {
  const absl::Status invalid = absl::InvalidArgumentError("malformed page_token");
  std::string decoded;
  if (!absl::WebSafeBase64Unescape(token, &decoded)) return invalid;
  const size_t colon = decoded.find(':');
  size_t bot_length = 0;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(absl::string_view(decoded.data(), colon), &bot_length) ||
      bot_length > decoded.size() - colon - 1) {
    return invalid;
  }
  DeviceKey key;
  key.bot_name = decoded.substr(colon + 1, bot_length);
  key.device_id = decoded.substr(colon + 1 + bot_length);
  if (key.bot_name.empty() || key.device_id.empty()) return invalid;
  // Re-encoding must reproduce the token, which rejects "+5:", "05:" and
  // other spellings SimpleAtoi tolerates.
  if (EncodePageToken(key) != token) return invalid;
  return key;
}

}  // namespace botrelay::store
