#include "tests/testbot/json_writer.h"

#include <gtest/gtest.h>

namespace botrelay::testbot {
namespace {

TEST(JsonWriterTest, CompactObjectInInsertionOrder) {
  JsonWriter w;
  w.BeginObject().Key("b").Int(1).Key("a").BeginArray().Int(0).Int(20).EndArray()
      .Key("c").Bool(true).Key("d").Null().Key("e").BeginObject().EndObject().EndObject();
  EXPECT_EQ(w.str(), R"J({"b":1,"a":[0,20],"c":true,"d":null,"e":{}})J");
}

TEST(JsonWriterTest, EscapesLikeJsonStringify) {
  JsonWriter w;
  // 15 bytes: the last is a NUL.
  w.String(std::string("q\"b\\n\nr\rt\tx\x01\x1f\x7f\0", 15));
  EXPECT_EQ(w.str(), "\"q\\\"b\\\\n\\nr\\rt\\tx\\u0001\\u001f\x7f\\u0000\"");
}

TEST(JsonWriterTest, KeepsNonAsciiAsUtf8) {
  JsonWriter w;
  w.String("테스트방 😀");
  EXPECT_EQ(w.str(), "\"테스트방 😀\"");
}

TEST(JsonWriterTest, NumbersAsJavaScriptPrintsThem) {
  JsonWriter w;
  w.BeginArray().Double(256.0).Double(30.5).Double(11.9).Double(0.1).Int(-7).Int(1721700000000)
      .EndArray();
  EXPECT_EQ(w.str(), "[256,30.5,11.9,0.1,-7,1721700000000]");
}

TEST(JsonWriterTest, RawValueAfterKey) {
  JsonWriter w;
  w.BeginObject().Key("a").Raw(R"J("2025-07-23 10:32:45.450")J").Key("b").Raw("12").EndObject();
  EXPECT_EQ(w.str(), R"J({"a":"2025-07-23 10:32:45.450","b":12})J");
}

}  // namespace
}  // namespace botrelay::testbot
