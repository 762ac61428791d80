#include "dataplane/processing/dispatcher.h"

#include <algorithm>

namespace botrelay::processing {

Dispatcher::Dispatcher(const DispatcherSettings& settings, const ProcessorChain& chain,
                       ReplyOutlet& outlet)
    : settings_(settings), chain_(chain), outlet_(outlet) {}

Dispatcher::~Dispatcher() { by_deadline_.clear(); }

ChatMessage* Dispatcher::Acquire() {
  if (free_messages_.empty()) {
    messages_.push_back(std::make_unique<ChatMessage>());
    return messages_.back().get();
  }
  ChatMessage* message = free_messages_.back();
  free_messages_.pop_back();
  return message;
}

void Dispatcher::Release(ChatMessage* message) { free_messages_.push_back(message); }

void Dispatcher::Submit(ChatMessage* message) {
  uint32_t slot;
  if (free_slots_.empty()) {
    slot = static_cast<uint32_t>(jobs_.size());
    jobs_.push_back(std::make_unique<Job>());
    jobs_.back()->slot = slot;
  } else {
    slot = free_slots_.back();
    free_slots_.pop_back();
  }
  Job& job = *jobs_[slot];
  job.generation = next_generation_++;
  job.message = message;
  job.started = false;
  job.finished = false;
  job.deadline = message->accepted_at + settings_.deadline;

  auto bot_it = bots_.find(message->bot_name);
  if (bot_it == bots_.end()) {
    auto bot = std::make_unique<Bot>();
    bot->name = message->bot_name;
    bot_it = bots_.emplace(message->bot_name, std::move(bot)).first;
  }
  Bot& bot = *bot_it->second;
  // Messages without a channel id are ordered by room name instead.
  const std::string& room_key = message->channel_id.empty() ? message->room : message->channel_id;
  auto room_it = bot.rooms.find(room_key);
  if (room_it == bot.rooms.end()) {
    auto room = std::make_unique<Room>();
    room->key = room_key;
    room_it = bot.rooms.emplace(room_key, std::move(room)).first;
  }
  Room& room = *room_it->second;

  job.bot = &bot;
  job.room = &room;
  room.arrival.push_back(&job);
  room.waiting.push_back(&job);
  by_deadline_.push_back(job);
  ++depth_;
  to_pump_.emplace_back(&bot, &room);
  Pump();
}

void Dispatcher::Pump() {
  // Processors may finish synchronously inside StartWaiting; completions
  // then only queue more work here instead of recursing.
  if (pumping_) return;
  pumping_ = true;
  while (!to_pump_.empty()) {
    auto [bot, room] = to_pump_.back();
    to_pump_.pop_back();
    StartWaiting(*bot, *room);
  }
  pumping_ = false;
}

void Dispatcher::StartWaiting(Bot& bot, Room& room) {
  while (!room.waiting.empty() && room.running < settings_.room_concurrency) {
    if (bot.running >= settings_.bot_concurrency) {
      if (!room.blocked_on_bot) {
        bot.blocked_rooms.push_back(&room);
        room.blocked_on_bot = true;
      }
      return;
    }
    Job* job = room.waiting.front();
    room.waiting.pop_front();
    job->started = true;
    ++room.running;
    ++bot.running;
    chain_.Process(*job->message, ProcessingContext(this, job->slot, job->generation));
  }
}

Dispatcher::Job* Dispatcher::LiveJob(uint32_t slot, uint64_t generation) {
  if (slot >= jobs_.size()) return nullptr;
  Job* job = jobs_[slot].get();
  if (job->generation != generation || job->finished) return nullptr;
  return job;
}

void Dispatcher::ReplyText(Job& job, std::string_view text) {
  if (IsNextInRoom(job)) {
    outlet_.DeliverText(*job.message, text);
    return;
  }
  HeldReply& held = job.held.emplace_back();
  held.text_or_type.assign(text);
}

void Dispatcher::ReplyMedia(Job& job, std::string_view media_type,
                            std::span<const std::string_view> sources, int32_t media_wait_ms) {
  if (IsNextInRoom(job)) {
    outlet_.DeliverMedia(*job.message, media_type, sources, media_wait_ms);
    return;
  }
  HeldReply& held = job.held.emplace_back();
  held.media = true;
  held.text_or_type.assign(media_type);
  held.sources.assign(sources.begin(), sources.end());
  held.media_wait_ms = media_wait_ms;
}

void Dispatcher::Complete(Job& job, std::optional<protocol::ErrorCode> failure,
                          std::string_view why) {
  if (failure) {
    ++stats_.failed;
    outlet_.DeliverError(*job.message, *failure, why);
  } else {
    ++stats_.processed;
  }
  job.finished = true;
  by_deadline_.erase(by_deadline_.iterator_to(job));
  Bot& bot = *job.bot;
  Room& room = *job.room;
  if (job.started) {
    --room.running;
    --bot.running;
  } else {
    room.waiting.erase(std::find(room.waiting.begin(), room.waiting.end(), &job));
  }
  ReleaseInOrder(room);
  to_pump_.emplace_back(&bot, &room);
  while (bot.running < settings_.bot_concurrency && !bot.blocked_rooms.empty()) {
    Room* unblocked = bot.blocked_rooms.front();
    bot.blocked_rooms.pop_front();
    unblocked->blocked_on_bot = false;
    to_pump_.emplace_back(&bot, unblocked);
  }
  Pump();
}

void Dispatcher::ReleaseInOrder(Room& room) {
  const bool was_full = !HasCapacity();
  while (!room.arrival.empty() && room.arrival.front()->finished) {
    Job* job = room.arrival.front();
    room.arrival.pop_front();
    Recycle(*job);
  }
  // The new head may have answered early; its replies can go now.
  if (!room.arrival.empty()) DeliverHeld(*room.arrival.front());
  if (was_full && HasCapacity() && on_capacity_available_) on_capacity_available_();
}

void Dispatcher::DeliverHeld(Job& job) {
  for (const HeldReply& reply : job.held) {
    if (reply.media) {
      std::vector<std::string_view> views(reply.sources.begin(), reply.sources.end());
      outlet_.DeliverMedia(*job.message, reply.text_or_type, views, reply.media_wait_ms);
    } else {
      outlet_.DeliverText(*job.message, reply.text_or_type);
    }
  }
  job.held.clear();
}

void Dispatcher::Recycle(Job& job) {
  DeliverHeld(job);
  outlet_.OnMessageDone(*job.message);
  Release(job.message);
  job.message = nullptr;
  job.generation = 0;
  free_slots_.push_back(job.slot);
  --depth_;
}

void Dispatcher::ExpireOverdue(std::chrono::steady_clock::time_point now) {
  while (!by_deadline_.empty() && by_deadline_.front().deadline <= now) {
    Job& job = by_deadline_.front();
    ++stats_.timed_out;
    outlet_.DeliverError(*job.message, protocol::ErrorCode::kProcessingTimeout,
                         "the message was not processed in time");
    // Complete() counts it as processed; undo that so each message lands
    // in exactly one outcome.
    Complete(job, std::nullopt, {});
    --stats_.processed;
  }
}

size_t Dispatcher::tracked_rooms() const {
  size_t rooms = 0;
  for (const auto& [name, bot] : bots_) rooms += bot->rooms.size();
  return rooms;
}

void Dispatcher::SweepIdle() {
  // Idle rooms and bots are kept between sweeps so that steady traffic
  // reuses them instead of re-creating them per message, and forgotten here
  // so state stays proportional to recent traffic (the old server leaked a
  // semaphore per room forever).
  for (auto bot_it = bots_.begin(); bot_it != bots_.end();) {
    Bot& bot = *bot_it->second;
    std::erase_if(bot.rooms, [](const auto& entry) {
      const Room& room = *entry.second;
      return room.arrival.empty() && room.running == 0 && !room.blocked_on_bot;
    });
    if (bot.rooms.empty() && bot.running == 0 && bot.blocked_rooms.empty()) {
      bot_it = bots_.erase(bot_it);
    } else {
      ++bot_it;
    }
  }
}

// ------------------------------------------------------------ context

void ProcessingContext::ReplyText(std::string_view text) const {
  if (auto* job = dispatcher_->LiveJob(slot_, generation_)) dispatcher_->ReplyText(*job, text);
}

void ProcessingContext::ReplyMedia(std::string_view media_type,
                                   std::span<const std::string_view> sources,
                                   int32_t media_wait_ms) const {
  if (auto* job = dispatcher_->LiveJob(slot_, generation_)) {
    dispatcher_->ReplyMedia(*job, media_type, sources, media_wait_ms);
  }
}

void ProcessingContext::Fail(std::string_view why) const {
  Fail(protocol::ErrorCode::kProcessingFailed, why);
}

void ProcessingContext::Fail(protocol::ErrorCode code, std::string_view why) const {
  if (auto* job = dispatcher_->LiveJob(slot_, generation_)) dispatcher_->Complete(*job, code, why);
}

void ProcessingContext::Finish() const {
  if (auto* job = dispatcher_->LiveJob(slot_, generation_)) {
    dispatcher_->Complete(*job, std::nullopt, {});
  }
}

std::optional<dataplane::ConnectionInfo> ProcessingContext::Connection() const {
  auto* job = dispatcher_->LiveJob(slot_, generation_);
  if (job == nullptr) return std::nullopt;
  return dispatcher_->outlet_.DescribeConnection(job->message->connection_id);
}

}  // namespace botrelay::processing
