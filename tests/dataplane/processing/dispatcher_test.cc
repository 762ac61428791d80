#include "dataplane/processing/dispatcher.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "dataplane/processing/client_info_processor.h"
#include "dataplane/processing/echo_processor.h"

namespace botrelay::processing {
namespace {

// Collects what the dispatcher delivers, in order.
class RecordingOutlet : public ReplyOutlet {
 public:
  void DeliverText(const ChatMessage& to, std::string_view text) override {
    delivered.push_back(to.room + "|" + std::string(text));
  }
  void DeliverMedia(const ChatMessage& to, std::string_view type,
                    std::span<const std::string_view> sources, int32_t) override {
    delivered.push_back(to.room + "|media:" + std::string(type) + ":" +
                        std::to_string(sources.size()));
  }
  void DeliverError(const ChatMessage& to, protocol::ErrorCode code,
                    std::string_view) override {
    delivered.push_back(to.room + "|error:" + std::string(protocol::ErrorCodeName(code)));
  }
  std::optional<dataplane::ConnectionInfo> DescribeConnection(uint64_t id) override {
    if (id != 7) return std::nullopt;
    dataplane::ConnectionInfo info;
    info.id = 7;
    info.bot_name = "bot";
    info.device_id = "dev";
    info.peer_address = "127.0.0.1:5555";
    return info;
  }
  void OnMessageDone(const ChatMessage&) override { ++done; }
  std::vector<std::string> delivered;
  int done = 0;
};

// Holds every message until the test finishes it: an asynchronous processor.
class ParkingProcessor : public Processor {
 public:
  std::string_view name() const override { return "parking"; }
  bool Handle(const ChatMessage& message, ProcessingContext ctx) override {
    parked.push_back({message.text, ctx});
    return true;
  }
  struct Parked {
    std::string text;
    ProcessingContext ctx;
  };
  std::vector<Parked> parked;
};

class DispatcherTest : public ::testing::Test {
 protected:
  void Make(DispatcherSettings settings, bool parking) {
    if (parking) {
      auto p = std::make_unique<ParkingProcessor>();
      parking_ = p.get();
      chain_.Add(std::move(p));
    } else {
      chain_.Add(std::make_unique<EchoProcessor>());
      chain_.Add(std::make_unique<ClientInfoProcessor>());
    }
    dispatcher_ = std::make_unique<Dispatcher>(settings, chain_, outlet_);
  }
  void Submit(std::string bot, std::string room, std::string text) {
    ChatMessage* m = dispatcher_->Acquire();
    m->connection_id = 7;
    m->bot_name = bot;
    m->device_id = "dev";
    m->room = room;
    m->channel_id = room;
    m->text = text;
    m->accepted_at = std::chrono::steady_clock::now();
    dispatcher_->Submit(m);
  }
  ProcessorChain chain_;
  RecordingOutlet outlet_;
  ParkingProcessor* parking_ = nullptr;
  std::unique_ptr<Dispatcher> dispatcher_;
};

TEST_F(DispatcherTest, EchoRepliesAndPlainChatIsSilent) {
  Make({}, false);
  Submit("bot", "r1", "# echo hello");
  Submit("bot", "r1", "just chatting");
  EXPECT_EQ(outlet_.delivered, (std::vector<std::string>{"r1|에코: hello"}));
  EXPECT_EQ(outlet_.done, 2);
  EXPECT_EQ(dispatcher_->depth(), 0u);
}

TEST_F(DispatcherTest, EchoRepeatIsCappedAndNumbered) {
  Make({}, false);
  Submit("bot", "r", "# echo hi --repeat=7");
  ASSERT_EQ(outlet_.delivered.size(), 6u);
  EXPECT_EQ(outlet_.delivered[0], "r|⚠️ 반복 횟수는 최대 5회로 제한됩니다.");
  EXPECT_EQ(outlet_.delivered[1], "r|[1/5] 에코: hi");
  EXPECT_EQ(outlet_.delivered[5], "r|[5/5] 에코: hi");
}

TEST_F(DispatcherTest, EchoRejectsBadRepeatAndEmptyPrompt) {
  Make({}, false);
  Submit("bot", "r", "# echo x --repeat=abc");
  Submit("bot", "r", "# echo   ");
  ASSERT_EQ(outlet_.delivered.size(), 2u);
  EXPECT_NE(outlet_.delivered[0].find("파라미터 오류"), std::string::npos);
  EXPECT_EQ(outlet_.delivered[1], "r|사용법: # echo {내용}");
}

TEST_F(DispatcherTest, ClientInfoAnswersWithConnectionFacts) {
  Make({}, false);
  Submit("bot", "r", "# client_info");
  ASSERT_EQ(outlet_.delivered.size(), 1u);
  EXPECT_NE(outlet_.delivered[0].find("127.0.0.1:5555"), std::string::npos);
  EXPECT_NE(outlet_.delivered[0].find("#7"), std::string::npos);
}

TEST_F(DispatcherTest, RoomConcurrencyLimitsRunningMessages) {
  Make({.capacity = 100, .bot_concurrency = 30, .room_concurrency = 3}, true);
  for (int i = 0; i < 5; ++i) Submit("bot", "room", "m" + std::to_string(i));
  EXPECT_EQ(parking_->parked.size(), 3u);  // two wait for a room slot
  EXPECT_EQ(dispatcher_->depth(), 5u);
  parking_->parked[0].ctx.Finish();
  EXPECT_EQ(parking_->parked.size(), 4u);
  dispatcher_->SweepIdle();  // busy rooms survive a sweep
  EXPECT_EQ(dispatcher_->tracked_rooms(), 1u);
}

TEST_F(DispatcherTest, BotConcurrencyLimitsAcrossRooms) {
  Make({.capacity = 100, .bot_concurrency = 2, .room_concurrency = 3}, true);
  Submit("bot", "a", "1");
  Submit("bot", "b", "2");
  Submit("bot", "c", "3");
  Submit("other", "a", "4");  // another bot is not held back
  EXPECT_EQ(parking_->parked.size(), 3u);
  EXPECT_EQ(parking_->parked[2].text, "4");
  parking_->parked[0].ctx.Finish();
  ASSERT_EQ(parking_->parked.size(), 4u);
  EXPECT_EQ(parking_->parked[3].text, "3");
}

TEST_F(DispatcherTest, RepliesLeaveInArrivalOrderWithinARoom) {
  Make({.capacity = 100, .bot_concurrency = 30, .room_concurrency = 3}, true);
  Submit("bot", "room", "first");
  Submit("bot", "room", "second");
  Submit("bot", "other", "elsewhere");
  // The second finishes first: its reply is held until the first is done.
  parking_->parked[1].ctx.ReplyText("reply-2");
  parking_->parked[1].ctx.Finish();
  parking_->parked[2].ctx.ReplyText("reply-other");
  parking_->parked[2].ctx.Finish();
  EXPECT_EQ(outlet_.delivered, (std::vector<std::string>{"other|reply-other"}));
  parking_->parked[0].ctx.ReplyText("reply-1");
  parking_->parked[0].ctx.Finish();
  EXPECT_EQ(outlet_.delivered,
            (std::vector<std::string>{"other|reply-other", "room|reply-1", "room|reply-2"}));
  EXPECT_EQ(dispatcher_->depth(), 0u);
}

TEST_F(DispatcherTest, CapacityCountsHeldMessagesAndSignalsWhenFreed) {
  Make({.capacity = 2, .bot_concurrency = 30, .room_concurrency = 3}, true);
  int signals = 0;
  dispatcher_->set_on_capacity_available([&] { ++signals; });
  Submit("bot", "room", "1");
  Submit("bot", "room", "2");
  EXPECT_FALSE(dispatcher_->HasCapacity());
  parking_->parked[1].ctx.Finish();  // held behind message 1: still counted
  EXPECT_FALSE(dispatcher_->HasCapacity());
  EXPECT_EQ(signals, 0);
  parking_->parked[0].ctx.Finish();
  EXPECT_TRUE(dispatcher_->HasCapacity());
  EXPECT_EQ(signals, 1);
}

TEST_F(DispatcherTest, OverdueMessagesGetATimeoutErrorAndLateRepliesAreIgnored) {
  Make({.capacity = 10, .bot_concurrency = 30, .room_concurrency = 1,
        .deadline = std::chrono::milliseconds(50)},
       true);
  Submit("bot", "room", "slow");
  Submit("bot", "room", "queued");  // waits for the room slot, expires too
  dispatcher_->ExpireOverdue(std::chrono::steady_clock::now() + std::chrono::seconds(1));
  EXPECT_EQ(dispatcher_->stats().timed_out, 2u);
  EXPECT_EQ(dispatcher_->depth(), 0u);
  parking_->parked[0].ctx.ReplyText("too late");
  parking_->parked[0].ctx.Finish();
  EXPECT_EQ(outlet_.delivered, (std::vector<std::string>{"room|error:processing_timeout",
                                                         "room|error:processing_timeout"}));
  EXPECT_EQ(outlet_.done, 2);
}

TEST_F(DispatcherTest, FailedProcessingSendsAnError) {
  Make({}, true);
  Submit("bot", "room", "x");
  parking_->parked[0].ctx.Fail("downstream unavailable");
  EXPECT_EQ(outlet_.delivered, (std::vector<std::string>{"room|error:processing_failed"}));
  EXPECT_EQ(dispatcher_->stats().failed, 1u);
}

TEST_F(DispatcherTest, FailureWithACodeSendsThatErrorWhenItHappens) {
  Make({}, true);
  Submit("bot", "room", "first");
  Submit("bot", "room", "second");
  // Errors are not held for room order (protocol.md 8.1); replies are.
  parking_->parked[1].ctx.Fail(protocol::ErrorCode::kUpstreamUnavailable, "breaker open");
  EXPECT_EQ(outlet_.delivered, (std::vector<std::string>{"room|error:upstream_unavailable"}));
  parking_->parked[0].ctx.ReplyText("one");
  parking_->parked[0].ctx.Finish();
  EXPECT_EQ(outlet_.delivered,
            (std::vector<std::string>{"room|error:upstream_unavailable", "room|one"}));
  EXPECT_EQ(dispatcher_->stats().failed, 1u);
}

TEST_F(DispatcherTest, ManyRoomsAndBotsDrainCompletely) {
  Make({.capacity = 100000, .bot_concurrency = 4, .room_concurrency = 2}, true);
  for (int i = 0; i < 2000; ++i) {
    Submit("bot" + std::to_string(i % 7), "room" + std::to_string(i % 13), std::to_string(i));
  }
  // Finish in whatever order they start until nothing is left.
  size_t finished = 0;
  while (finished < parking_->parked.size()) parking_->parked[finished++].ctx.Finish();
  EXPECT_EQ(finished, 2000u);
  EXPECT_EQ(dispatcher_->depth(), 0u);
  EXPECT_EQ(outlet_.done, 2000);
  EXPECT_EQ(dispatcher_->tracked_rooms(), 13u * 7u);  // kept for reuse until swept
  dispatcher_->SweepIdle();
  EXPECT_EQ(dispatcher_->tracked_rooms(), 0u);
}

}  // namespace
}  // namespace botrelay::processing
