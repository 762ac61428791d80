#include "cli/health_check.h"

#include <future>
#include <utility>
#include <vector>

#include <google/protobuf/io/coded_stream.h>
#include <google/protobuf/io/zero_copy_stream_impl_lite.h>
#include <google/protobuf/wire_format_lite.h>
#include <grpcpp/generic/generic_stub.h>
#include <grpcpp/support/byte_buffer.h>
#include <grpcpp/support/slice.h>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"

namespace botrelay::cli {
namespace {

using google::protobuf::internal::WireFormatLite;

constexpr int kServiceField = 1;  // HealthCheckRequest.service
constexpr int kStatusField = 1;   // HealthCheckResponse.status
constexpr char kCheckMethod[] = "/grpc.health.v1.Health/Check";

std::string Flatten(const grpc::ByteBuffer& buffer) {
  std::vector<grpc::Slice> slices;
  std::string bytes;
  // Dump fails only on a buffer that holds nothing: an empty message, all
  // fields at their defaults.
  if (!buffer.Dump(&slices).ok()) return bytes;
  for (const grpc::Slice& slice : slices) {
    bytes.append(reinterpret_cast<const char*>(slice.begin()), slice.size());
  }
  return bytes;
}

}  // namespace

std::string ServingStatusName(int status) {
  switch (static_cast<ServingStatus>(status)) {
    case ServingStatus::kUnknown:
      return "UNKNOWN";
    case ServingStatus::kServing:
      return "SERVING";
    case ServingStatus::kNotServing:
      return "NOT_SERVING";
    case ServingStatus::kServiceUnknown:
      return "SERVICE_UNKNOWN";
  }
  return absl::StrCat(status);
}

std::string EncodeHealthCheckRequest(std::string_view service) {
  std::string bytes;
  if (service.empty()) return bytes;  // proto3 omits default values
  google::protobuf::io::StringOutputStream stream(&bytes);
  google::protobuf::io::CodedOutputStream out(&stream);
  WireFormatLite::WriteString(kServiceField, std::string(service), &out);
  out.Trim();
  return bytes;
}

absl::StatusOr<int> DecodeHealthCheckResponse(std::string_view bytes) {
  google::protobuf::io::CodedInputStream in(
      reinterpret_cast<const uint8_t*>(bytes.data()),
      static_cast<int>(bytes.size()));
  int status = static_cast<int>(ServingStatus::kUnknown);
  while (const uint32_t tag = in.ReadTag()) {
    if (WireFormatLite::GetTagFieldNumber(tag) == kStatusField &&
        WireFormatLite::GetTagWireType(tag) == WireFormatLite::WIRETYPE_VARINT) {
      uint32_t value;
      if (!in.ReadVarint32(&value)) break;
      status = static_cast<int>(value);
    } else if (!WireFormatLite::SkipField(&in, tag)) {
      break;
    }
  }
  // ReadTag returns 0 both at the end of the bytes and on a bad tag.
  if (!in.ConsumedEntireMessage()) {
    return absl::InternalError("malformed grpc.health.v1.HealthCheckResponse");
  }
  return status;
}

absl::StatusOr<int> CheckHealth(const std::shared_ptr<grpc::Channel>& channel,
                                grpc::ClientContext* context,
                                std::string_view service) {
  grpc::GenericStub stub(channel);
  const std::string request_bytes = EncodeHealthCheckRequest(service);
  grpc::Slice request_slice(request_bytes);
  grpc::ByteBuffer request(&request_slice, 1);
  grpc::ByteBuffer response;
  std::promise<grpc::Status> finished;
  stub.UnaryCall(context, kCheckMethod, grpc::StubOptions(), &request,
                 &response, [&finished](grpc::Status status) {
                   finished.set_value(std::move(status));
                 });
  const grpc::Status status = finished.get_future().get();
  if (!status.ok()) {
    return absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                        status.error_message());
  }
  return DecodeHealthCheckResponse(Flatten(response));
}

}  // namespace botrelay::cli
