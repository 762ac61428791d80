// The hand-written grpc.health.v1 codec checked against protobuf's own
// encoder, driven by a descriptor of the two messages built at run time.

#include "cli/health_check.h"

#include <memory>
#include <string>
#include <vector>

#include <google/protobuf/descriptor.h>
#include <google/protobuf/descriptor.pb.h>
#include <google/protobuf/dynamic_message.h>
#include <google/protobuf/text_format.h>
#include <google/protobuf/unknown_field_set.h>

#include "gtest/gtest.h"

namespace botrelay::cli {
namespace {

using google::protobuf::Message;

// The messages of grpc/health/v1/health.proto.
constexpr char kHealthProto[] = R"pb(
  name: "relayctl_test/health.proto"
  package: "grpc.health.v1"
  syntax: "proto3"
  message_type {
    name: "HealthCheckRequest"
    field { name: "service" number: 1 label: LABEL_OPTIONAL type: TYPE_STRING }
  }
  message_type {
    name: "HealthCheckResponse"
    field {
      name: "status"
      number: 1
      label: LABEL_OPTIONAL
      type: TYPE_ENUM
      type_name: ".grpc.health.v1.HealthCheckResponse.ServingStatus"
    }
    enum_type {
      name: "ServingStatus"
      value { name: "UNKNOWN" number: 0 }
      value { name: "SERVING" number: 1 }
      value { name: "NOT_SERVING" number: 2 }
      value { name: "SERVICE_UNKNOWN" number: 3 }
    }
  }
)pb";

class HealthCheckCodecTest : public ::testing::Test {
 protected:
  void SetUp() override {
    google::protobuf::FileDescriptorProto file;
    ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(kHealthProto, &file));
    ASSERT_NE(pool_.BuildFile(file), nullptr);
  }

  std::unique_ptr<Message> New(const std::string& type) {
    const google::protobuf::Descriptor* d =
        pool_.FindMessageTypeByName("grpc.health.v1." + type);
    return std::unique_ptr<Message>(factory_.GetPrototype(d)->New());
  }

  std::string Response(int status) {
    std::unique_ptr<Message> m = New("HealthCheckResponse");
    m->GetReflection()->SetEnumValue(
        m.get(), m->GetDescriptor()->FindFieldByName("status"), status);
    return m->SerializeAsString();
  }

  google::protobuf::DescriptorPool pool_;
  google::protobuf::DynamicMessageFactory factory_;
};

TEST_F(HealthCheckCodecTest, RequestMatchesProtobufsEncoding) {
  for (const std::string& service : std::vector<std::string>{"", "botrelay.admin.v1.Admin",
                                    std::string(300, 'x')}) {
    std::unique_ptr<Message> expected = New("HealthCheckRequest");
    expected->GetReflection()->SetString(
        expected.get(), expected->GetDescriptor()->FindFieldByName("service"),
        service);
    EXPECT_EQ(EncodeHealthCheckRequest(service), expected->SerializeAsString());

    std::unique_ptr<Message> parsed = New("HealthCheckRequest");
    ASSERT_TRUE(parsed->ParseFromString(EncodeHealthCheckRequest(service)));
    EXPECT_EQ(parsed->GetReflection()->GetString(
                  *parsed, parsed->GetDescriptor()->FindFieldByName("service")),
              service);
  }
}

TEST_F(HealthCheckCodecTest, DecodesEveryStatus) {
  for (int status : {0, 1, 2, 3}) {
    absl::StatusOr<int> decoded = DecodeHealthCheckResponse(Response(status));
    ASSERT_TRUE(decoded.ok()) << decoded.status();
    EXPECT_EQ(*decoded, status);
  }
  EXPECT_EQ(ServingStatusName(1), "SERVING");
  EXPECT_EQ(ServingStatusName(2), "NOT_SERVING");
  EXPECT_EQ(ServingStatusName(7), "7");
}

TEST_F(HealthCheckCodecTest, SkipsUnknownFields) {
  std::unique_ptr<Message> m = New("HealthCheckResponse");
  m->GetReflection()->SetEnumValue(
      m.get(), m->GetDescriptor()->FindFieldByName("status"), 2);
  google::protobuf::UnknownFieldSet* unknown =
      m->GetReflection()->MutableUnknownFields(m.get());
  unknown->AddLengthDelimited(9, "later addition");
  unknown->AddFixed64(10, 42);
  absl::StatusOr<int> decoded = DecodeHealthCheckResponse(m->SerializeAsString());
  ASSERT_TRUE(decoded.ok()) << decoded.status();
  EXPECT_EQ(*decoded, 2);
}

TEST_F(HealthCheckCodecTest, RejectsMalformedBytes) {
  EXPECT_FALSE(DecodeHealthCheckResponse(std::string("\x08", 1)).ok());
  EXPECT_FALSE(DecodeHealthCheckResponse(std::string("\x08\x80", 2)).ok());
  EXPECT_FALSE(DecodeHealthCheckResponse(std::string("\x12\x05" "ab", 4)).ok());
  EXPECT_FALSE(DecodeHealthCheckResponse(std::string("\x00\x01", 2)).ok());
}

}  // namespace
}  // namespace botrelay::cli
