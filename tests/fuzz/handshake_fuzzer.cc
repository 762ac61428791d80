// Fuzz target: both handshake forms. The first input byte picks the form and
// the rest is the handshake's fields, wrapped as the phone wraps them:
//   even: {"event":"handshake","data":{<fields>}}   (v3.3.x envelope)
//   odd:  {<fields>}                                 (v3.2.x flat form, and
//                                                     the v3.3.0 side branch)
// so that mutations land in the field values and keys rather than in the
// framing the frame-decoder target already covers.
//
// Properties: a handshake in the envelope is a v3.3 handshake; any handshake
// carries its required fields; every identity field (logged, stored in the
// registry, shown by relayctl) is valid UTF-8; a reused decoder gives the
// same answer twice.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "dataplane/protocol/frame_decoder.h"
#include "dataplane/protocol/text.h"
#include "tests/dataplane/protocol/padded_line.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

using botrelay::protocol::ClientGeneration;
using botrelay::protocol::DecodedFrame;
using botrelay::protocol::DecodeResult;
using botrelay::protocol::FrameDecoder;
using botrelay::protocol::FrameKind;
using botrelay::protocol::HandshakeFrame;
using botrelay::protocol::IsValidUtf8;
using botrelay::protocol::testing::PaddedLine;

void CheckIdentity(const HandshakeFrame& handshake) {
  FUZZ_CHECK(!handshake.bot_name.empty());
  FUZZ_CHECK(!handshake.device_id.empty());
  FUZZ_CHECK(!handshake.version.empty());
  for (std::string_view field : {handshake.bot_name, handshake.device_id, handshake.version,
                                 handshake.client_type, handshake.device_ip,
                                 handshake.device_info}) {
    FUZZ_CHECK(IsValidUtf8(field));
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  static FrameDecoder decoder;
  const bool envelope = data[0] % 2 == 0;
  const std::string_view fields(reinterpret_cast<const char*>(data + 1), size - 1);

  std::string text = envelope ? R"({"event":"handshake","data":{)" : "{";
  text.append(fields);
  text.append(envelope ? "}}" : "}");
  const PaddedLine line(text);

  DecodedFrame frame;
  const DecodeResult result = decoder.Decode(line.view(), frame);
  if (result.ok) {
    // Not "an envelope is always a handshake": fields can close `data` and
    // repeat the top-level "event" key, and which duplicate wins is the
    // decoder's choice (the phone never sends duplicates).
    if (frame.kind == FrameKind::kHandshake) {
      CheckIdentity(frame.handshake);
      if (envelope) FUZZ_CHECK(frame.handshake.generation == ClientGeneration::kV33);
    }
  } else {
    FUZZ_CHECK(!result.detail.empty());
  }

  DecodedFrame again;
  const DecodeResult repeat = decoder.Decode(line.view(), again);
  FUZZ_CHECK(repeat.ok == result.ok && repeat.code == result.code);
  if (repeat.ok) FUZZ_CHECK(again.kind == frame.kind);
  return 0;
}
