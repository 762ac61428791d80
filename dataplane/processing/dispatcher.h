#pragma once
// The processing queue of one event-loop thread (shard). Sessions submit
// accepted chat messages; the dispatcher runs them through the processor
// chain under three limits:
//   * capacity: messages accepted and not yet answered (sessions stop
//     reading while HasCapacity() is false: backpressure, never a drop);
//   * per-bot concurrency: messages of one bot being processed at once;
//   * per-room concurrency: messages of one room being processed at once.
// Replies of a room are released in arrival order. A message that misses
// its deadline is answered with a processing_timeout error and counted.
//
// Every bot is owned by exactly one shard, so all of this is single-threaded
// and lock-free. Jobs and messages are pooled.

#include <boost/intrusive/list.hpp>
#include <chrono>
#include <cstdint>
#include <deque>
#include <functional>
#include <span>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

#include "dataplane/processing/chat_message.h"
#include "dataplane/processing/processor.h"
#include "dataplane/processing/reply_outlet.h"

namespace botrelay::processing {

struct DispatcherSettings {
  size_t capacity = 10000;
  int bot_concurrency = 30;
  int room_concurrency = 3;
  std::chrono::milliseconds deadline{300'000};
};

struct DispatcherStats {
  uint64_t processed = 0;   // finished with replies or none
  uint64_t failed = 0;      // processor reported failure
  uint64_t timed_out = 0;   // missed the deadline
};

class Dispatcher {
 public:
  Dispatcher(const DispatcherSettings& settings, const ProcessorChain& chain, ReplyOutlet& outlet);
  ~Dispatcher();
  Dispatcher(const Dispatcher&) = delete;
  Dispatcher& operator=(const Dispatcher&) = delete;

  // Accepted and not yet answered, including those held for room order.
  size_t depth() const { return depth_; }
  bool HasCapacity() const { return depth_ < settings_.capacity; }

  // A pooled message to fill, then hand to Submit (or Release if unused).
  ChatMessage* Acquire();
  void Release(ChatMessage* message);
  // Takes the message; the caller checked HasCapacity.
  void Submit(ChatMessage* message);

  // Answers overdue messages with processing_timeout; call periodically.
  void ExpireOverdue(std::chrono::steady_clock::time_point now);
  // Forgets rooms and bots with nothing in flight; call periodically, never
  // from inside a processor.
  void SweepIdle();
  size_t tracked_rooms() const;

  // Called whenever depth falls from capacity to below it.
  void set_on_capacity_available(std::function<void()> callback) {
    on_capacity_available_ = std::move(callback);
  }

  const DispatcherStats& stats() const { return stats_; }

 private:
  friend class ProcessingContext;
  struct Room;
  struct Bot;
  // A reply produced before the room's earlier messages were answered.
  struct HeldReply {
    bool media = false;
    std::string text_or_type;
    std::vector<std::string> sources;
    int32_t media_wait_ms = 0;
  };
  struct Job {
    uint32_t slot = 0;
    uint64_t generation = 0;  // 0 while the slot is free
    ChatMessage* message = nullptr;
    Bot* bot = nullptr;
    Room* room = nullptr;
    bool started = false;
    bool finished = false;
    std::chrono::steady_clock::time_point deadline;
    std::vector<HeldReply> held;
    boost::intrusive::list_member_hook<> deadline_hook;
  };
  using DeadlineList = boost::intrusive::list<
      Job, boost::intrusive::member_hook<Job, boost::intrusive::list_member_hook<>,
                                         &Job::deadline_hook>>;
  struct Room {
    std::string key;
    int running = 0;
    bool blocked_on_bot = false;   // queued in bot->blocked_rooms
    std::deque<Job*> arrival;      // every unreleased job, in arrival order
    std::deque<Job*> waiting;      // not yet started
  };
  struct Bot {
    std::string name;
    int running = 0;
    std::deque<Room*> blocked_rooms;  // rooms with waiting jobs held by the bot limit
    std::unordered_map<std::string, std::unique_ptr<Room>> rooms;
  };

  Job* LiveJob(uint32_t slot, uint64_t generation);
  void ReplyText(Job& job, std::string_view text);
  void ReplyMedia(Job& job, std::string_view media_type, std::span<const std::string_view> sources,
                  int32_t media_wait_ms);
  // `failure`: the error event to send instead of more replies, if any.
  void Complete(Job& job, std::optional<protocol::ErrorCode> failure, std::string_view why);
  bool IsNextInRoom(const Job& job) const { return job.room->arrival.front() == &job; }

  void Pump();
  void StartWaiting(Bot& bot, Room& room);
  void ReleaseInOrder(Room& room);
  void DeliverHeld(Job& job);
  void Recycle(Job& job);

  DispatcherSettings settings_;
  const ProcessorChain& chain_;
  ReplyOutlet& outlet_;

  std::vector<std::unique_ptr<Job>> jobs_;  // slot -> job
  std::vector<uint32_t> free_slots_;
  std::vector<ChatMessage*> free_messages_;
  std::vector<std::unique_ptr<ChatMessage>> messages_;
  std::unordered_map<std::string, std::unique_ptr<Bot>> bots_;
  DeadlineList by_deadline_;  // unfinished jobs; arrival order is deadline order

  std::vector<std::pair<Bot*, Room*>> to_pump_;
  bool pumping_ = false;
  size_t depth_ = 0;
  uint64_t next_generation_ = 1;
  DispatcherStats stats_;
  std::function<void()> on_capacity_available_;
};

}  // namespace botrelay::processing
