#include "bench/soak_scenario.h"

#include <algorithm>
#include <charconv>

#include "absl/strings/str_cat.h"
#include "bench/wire.h"
#include "bench/worker.h"

namespace botrelay::bench {
namespace {

// A takeover waits this long after the victim's last line before the
// successor connects, so that every line the victim sent has been read
// before relayd closes it (a line read after relayd half-closed it would be
// discarded, not answered).
constexpr int64_t kTakeoverQuietNs = 200'000'000;
// A reconnect follows a close after U(min, max).
constexpr int64_t kReconnectMinNs = 50'000'000;
constexpr int64_t kReconnectMaxNs = 500'000'000;
// Sends due longer ago than this (the generator was stalled) are skipped, not burst out.
constexpr int64_t kCatchUpNs = 1'000'000'000;
// A replayed frame must still be inside relayd's auth skew window.
constexpr int64_t kReplayMaxAgeNs = 60'000'000'000;
// relayd closes after auth-failure-limit (5) failures in a row; stay well below.
constexpr int kMaxForgedInRow = 2;
// Probes of unknown devices and oversize lines speak as one of this many devices.
constexpr uint64_t kProbeDevices = 128;
constexpr std::string_view kProbeBot = "soak-probe";
constexpr std::string_view kSessionReplaced = "session_replaced";
// A line without '}': relayd cannot find a JSON object in it.
constexpr std::string_view kMalformedLine = "{\"event\":\"message\",\"data\":{\"room\":\"soak\"\n";

bool ClosesTheConnection(std::string_view code) {
  return code == "line_too_long" || code == "handshake_invalid" || code == "handshake_timeout" ||
         code == kSessionReplaced;
}

int64_t IntervalNs(double rate) { return rate > 0 ? static_cast<int64_t>(1e9 / rate) : 0; }

// "k<index>s<seq>" and nothing else.
bool ParseSoakToken(std::string_view token, int* index, uint64_t* seq) {
  if (token.size() < 4 || token[0] != 'k') return false;
  const char* end = token.data() + token.size();
  auto [after_index, ec1] = std::from_chars(token.data() + 1, end, *index);
  if (ec1 != std::errc() || after_index == end || *after_index != 's') return false;
  auto [after_seq, ec2] = std::from_chars(after_index + 1, end, *seq);
  return ec2 == std::errc() && after_seq == end;
}

}  // namespace

SoakScenario::SoakScenario(const SoakSettings& settings, RunClock& clock, SoakTally& tally)
    : EstablishedScenario(ScenarioSettings{settings.duration_ns, settings.setup_timeout_ns,
                                           settings.drain_timeout_ns},
                          clock),
      settings_(settings),
      tally_(tally),
      random_(settings.seed) {
  // One byte over the limit, then the LF.
  oversize_line_.assign(settings_.max_line_bytes + 1, 'a');
  oversize_line_ += '\n';
}

void SoakScenario::Bind(Worker& worker) {
  const int slots = static_cast<int>(worker.connections().size());
  slots_.assign(slots, Slot{});
  keys_.assign(std::min(settings_.keys, slots), Key{});
  for (int s = 0; s < slots; ++s) {
    const Connection& c = worker.connections()[s];
    if (s < static_cast<int>(keys_.size())) {
      slots_[s].role = Role::kKey;
      slots_[s].key = s;
      keys_[s].index = c.index;
      keys_[s].identity = c.identity;
      key_of_index_[c.index] = s;
    } else {
      spares_.push_back(s);
    }
  }
}

size_t SoakScenario::ConnectionsToOpen(const Worker&) const { return keys_.size(); }

// --- the schedule -----------------------------------------------------------

int64_t SoakScenario::OnMeasurementStart(Worker& worker, int64_t now_ns) {
  next_echo_ns_ = now_ns;
  next_churn_ns_ = now_ns + IntervalNs(settings_.churn_rate);
  next_bad_ns_ = now_ns + IntervalNs(settings_.bad_rate) / 2;
  return OnMeasurementTick(worker, now_ns);
}

int64_t SoakScenario::OnMeasurementTick(Worker& worker, int64_t now_ns) {
  RunReconnects(worker, now_ns);
  AdvanceLeaving(worker, now_ns);
  ExpireProbes(worker, now_ns);
  if (!Running(now_ns)) return now_ns + 10'000'000;
  SendDueEchoes(worker, now_ns);
  StartDueChurn(worker, now_ns);
  StartDueBadInputs(worker, now_ns);
  int64_t wake = end_ns();
  if (settings_.echo_rate > 0) wake = std::min(wake, next_echo_ns_);
  if (settings_.churn_rate > 0) wake = std::min(wake, next_churn_ns_);
  if (settings_.bad_rate > 0) wake = std::min(wake, next_bad_ns_);
  if (!reconnects_.empty()) wake = std::min(wake, reconnects_.top().due_ns);
  if (!leaving_.empty() || !probes_.empty()) wake = std::min(wake, now_ns + 20'000'000);
  return wake;
}

void SoakScenario::SendDueEchoes(Worker& worker, int64_t now_ns) {
  const int64_t interval = IntervalNs(settings_.echo_rate);
  if (interval <= 0 || keys_.empty()) return;
  for (; next_echo_ns_ <= now_ns; next_echo_ns_ += interval) {
    if (next_echo_ns_ < now_ns - kCatchUpNs) {
      SoakTally::Add(tally_.echo_skipped);
      continue;
    }
    Key& key = keys_[next_key_++ % keys_.size()];
    const bool usable = key.holder >= 0 && slots_[key.holder].leaving == Leaving::kNo &&
                        worker.connections()[key.holder].state == ConnectionState::kReady;
    if (usable) {
      SendEcho(worker, key, next_echo_ns_, now_ns);
    } else {
      SoakTally::Add(tally_.echo_skipped);
    }
  }
}

void SoakScenario::SendEcho(Worker& worker, Key& key, int64_t due_ns, int64_t now_ns) {
  Connection& c = worker.connections()[key.holder];
  const uint64_t seq = key.ledger.Add(due_ns);
  text_.assign(kEchoPrefix);
  absl::StrAppend(&text_, "k", key.index, "s", seq);
  const std::string_view frame =
      worker.SendChat(c, text_, static_cast<int>(seq % static_cast<uint64_t>(settings_.rooms)), seq);
  captured_frame_.assign(frame);
  captured_slot_ = key.holder;
  captured_generation_ = c.generation;
  captured_ns_ = now_ns;
  Slot& slot = slots_[key.holder];
  slot.last_send_ns = now_ns;
  slot.forged_in_row = 0;
  SoakTally::Add(tally_.echo_sent);
  ++worker.stats().requests_sent;
  if (now_ns > due_ns) worker.stats().send_lag.Record(now_ns - due_ns);
}

void SoakScenario::StartDueChurn(Worker& worker, int64_t now_ns) {
  const int64_t interval = IntervalNs(settings_.churn_rate);
  if (interval <= 0) return;
  for (; next_churn_ns_ <= now_ns; next_churn_ns_ += interval) {
    const auto kind = static_cast<ChurnKind>(churn_count_++ % kChurnKinds);
    const int k = PickSteadyKey(worker);
    if (k < 0) {
      SoakTally::Add(tally_.churn_skipped);
      continue;
    }
    Key& key = keys_[k];
    const int s = key.holder;
    Slot& slot = slots_[s];
    Connection& c = worker.connections()[s];
    if (kind == ChurnKind::kTakeover) {
      const int successor = TakeSpare();
      if (successor < 0) {
        SoakTally::Add(tally_.churn_skipped);
        continue;
      }
      slots_[successor].role = Role::kKey;
      slots_[successor].key = k;
      slot.successor = successor;
      slot.successor_opened = false;
      key.victim = s;
      key.victim_closed = false;
    }
    key.busy = true;
    key.churn = kind;
    SoakTally::Add(tally_.churn_started[static_cast<int>(kind)]);
    switch (kind) {
      case ChurnKind::kReset:
        // Whatever is outstanding now may still be answered on the
        // reconnected socket; if not, it was abandoned by this side.
        key.abandoned_below = key.ledger.next_seq();
        key.abandoned_outstanding = key.ledger.outstanding();
        DropHolder(key, s);
        worker.Reset(c);
        ScheduleReconnect(s, now_ns);
        break;
      case ChurnKind::kClean:
        slot.leaving = Leaving::kClean;
        slot.leaving_since_ns = now_ns;
        leaving_.push_back(s);
        break;
      case ChurnKind::kTakeover:
        slot.leaving = Leaving::kTakeover;
        slot.leaving_since_ns = now_ns;
        leaving_.push_back(s);
        break;
    }
  }
}

void SoakScenario::StartDueBadInputs(Worker& worker, int64_t now_ns) {
  const int64_t interval = IntervalNs(settings_.bad_rate);
  if (interval <= 0) return;
  for (; next_bad_ns_ <= now_ns; next_bad_ns_ += interval) {
    const auto kind = static_cast<BadInput>(bad_count_++ % kBadInputKinds);
    if (!StartBadInput(worker, kind, now_ns)) SoakTally::Add(tally_.bad_skipped);
  }
}

bool SoakScenario::StartBadInput(Worker& worker, BadInput kind, int64_t now_ns) {
  int s = -1;
  switch (kind) {
    case BadInput::kOversizeLine:
    case BadInput::kUnknownDevice:
    case BadInput::kGarbage:
    case BadInput::kHalfOpen:
      return StartProbe(worker, kind, now_ns);
    case BadInput::kReplay: {
      // Only on the socket the frame was sent on: relayd's replay cache is
      // per event loop, and the frame's auth binds the socket's address.
      if (captured_slot_ < 0 || now_ns - captured_ns_ > kReplayMaxAgeNs) return false;
      s = captured_slot_;
      const Slot& slot = slots_[s];
      const Connection& c = worker.connections()[s];
      if (c.generation != captured_generation_ || c.state != ConnectionState::kReady ||
          slot.role != Role::kKey || slot.leaving != Leaving::kNo || keys_[slot.key].busy ||
          !slot.expected.empty()) {
        return false;
      }
      break;
    }
    case BadInput::kMalformedJson:
    case BadInput::kBadSignature: {
      const int k = PickSteadyKey(worker);
      if (k < 0) return false;
      s = keys_[k].holder;
      if (kind == BadInput::kBadSignature && slots_[s].forged_in_row >= kMaxForgedInRow) return false;
      break;
    }
  }
  Slot& slot = slots_[s];
  Connection& c = worker.connections()[s];
  switch (kind) {
    case BadInput::kMalformedJson:
      worker.SendRaw(c, kMalformedLine);
      break;
    case BadInput::kBadSignature:
      // The x-token names no request: a reply to it means relayd processed a refused frame.
      text_.assign(kEchoPrefix);
      absl::StrAppend(&text_, "x", bad_count_);
      worker.SendChat(c, text_, 0, bad_count_, /*forge_signature=*/true);
      ++slot.forged_in_row;
      break;
    case BadInput::kReplay:
      worker.SendRaw(c, captured_frame_);
      captured_slot_ = -1;  // one replay per captured frame
      break;
    default:
      break;
  }
  slot.expected.push_back({ExpectedCode(kind), static_cast<int>(kind)});
  slot.last_send_ns = now_ns;
  SoakTally::Add(tally_.bad_sent[static_cast<int>(kind)]);
  return true;
}

bool SoakScenario::StartProbe(Worker& worker, BadInput kind, int64_t now_ns) {
  const int s = TakeSpare();
  if (s < 0) return false;
  Slot& slot = slots_[s];
  slot.role = Role::kProbe;
  slot.probe = kind;
  slot.expected.push_back({ExpectedCode(kind), static_cast<int>(kind)});
  slot.probe_deadline_ns = now_ns + (kind == BadInput::kHalfOpen
                                         ? settings_.server_handshake_timeout_ns + 5'000'000'000
                                         : settings_.answer_deadline_ns);
  Connection& c = worker.connections()[s];
  const bool handshakes = kind == BadInput::kUnknownDevice || kind == BadInput::kOversizeLine;
  if (handshakes) {
    // Devices the store does not approve: relayd registers them as pending.
    worker.Assume(c, Identity{std::string(kProbeBot),
                              absl::StrCat("soak-", std::string(BadInputName(kind)), "-",
                                           probe_count_ % kProbeDevices)});
  }
  ++probe_count_;
  c.send_handshake = handshakes;
  c.accept_pending = handshakes;
  worker.Open(c);
  c.expect_close = kind != BadInput::kUnknownDevice;
  probes_.push_back(s);
  SoakTally::Add(tally_.bad_sent[static_cast<int>(kind)]);
  return true;
}

// --- churn in progress ------------------------------------------------------

void SoakScenario::AdvanceLeaving(Worker& worker, int64_t now_ns) {
  // Index loop over a copy: handling may end a churn and edit leaving_.
  const std::vector<int> leaving = leaving_;
  for (const int s : leaving) {
    Slot& slot = slots_[s];
    Key& key = keys_[slot.key];
    Connection& c = worker.connections()[s];
    const int64_t waited = now_ns - slot.leaving_since_ns;
    if (slot.leaving == Leaving::kClean) {
      if (slot.fin_sent) {
        if (waited > 2 * settings_.answer_deadline_ns) {
          Fail("clean_close_unanswered");
          MissOutcomes(slot);
          std::erase(leaving_, s);
          DropHolder(key, s);
          worker.Reset(c);
          ScheduleReconnect(s, now_ns);
        }
        continue;
      }
      const bool quiet = key.ledger.outstanding() == 0 && slot.expected.empty();
      if (quiet || waited > settings_.answer_deadline_ns) {
        worker.HalfClose(c);
        slot.fin_sent = true;
      }
    } else if (slot.leaving == Leaving::kTakeover) {
      if (!slot.successor_opened &&
          now_ns - std::max(slot.last_send_ns, slot.leaving_since_ns) >= kTakeoverQuietNs &&
          slot.expected.empty()) {
        Connection& successor = worker.connections()[slot.successor];
        worker.Assume(successor, key.identity);
        successor.send_handshake = true;
        successor.accept_pending = false;
        worker.Open(successor);
              slot.expected.push_back({kSessionReplaced, -1});
        c.expect_close = true;
        slot.successor_opened = true;
      } else if (waited > settings_.answer_deadline_ns + kTakeoverQuietNs) {
        Fail("takeover_incomplete");
        MissOutcomes(slot);
        std::erase(leaving_, s);
        DropHolder(key, s);
        worker.Reset(c);
        const int successor = slot.successor;
        key.victim = -1;
        key.busy = false;
        if (key.holder == successor) {
          ReleaseToSpares(worker, s);
        } else {
          // The successor never took over: the key stays with the old slot, which reconnects.
          worker.Reset(worker.connections()[successor]);
          ReleaseToSpares(worker, successor);
          slot.leaving = Leaving::kNo;
          slot.successor = -1;
          ScheduleReconnect(s, now_ns);
        }
      }
    }
  }
}

void SoakScenario::FinishTakeoverIfDone(Key& key, int successor) {
  if (!key.victim_closed || key.holder != successor) return;
  key.victim = -1;
  key.busy = false;
  SoakTally::Add(tally_.churn_completed[static_cast<int>(ChurnKind::kTakeover)]);
}

void SoakScenario::ExpireProbes(Worker& worker, int64_t now_ns) {
  const std::vector<int> probes = probes_;
  for (const int s : probes) {
    Slot& slot = slots_[s];
    if (now_ns < slot.probe_deadline_ns) continue;
    MissOutcomes(slot);
    std::erase(probes_, s);
    worker.Reset(worker.connections()[s]);
    ReleaseToSpares(worker, s);
  }
}

void SoakScenario::RunReconnects(Worker& worker, int64_t now_ns) {
  while (!reconnects_.empty() && reconnects_.top().due_ns <= now_ns) {
    const int s = reconnects_.top().slot;
    reconnects_.pop();
    Connection& c = worker.connections()[s];
    if (!Running(now_ns) || slots_[s].role != Role::kKey || c.fd >= 0) continue;
    worker.Open(c);
    }
}

void SoakScenario::ScheduleReconnect(int slot, int64_t now_ns) {
  if (!Running(now_ns)) return;
  std::uniform_int_distribution<int64_t> delay(kReconnectMinNs, kReconnectMaxNs);
  reconnects_.push({now_ns + delay(random_), slot});
}

// --- what the worker reports ------------------------------------------------

void SoakScenario::OnConnected(Worker& worker, Connection& c, int64_t now_ns) {
  SoakTally::Add(tally_.connections_established);
  const Slot& slot = slots_[c.slot];
  if (slot.role != Role::kProbe || slot.probe != BadInput::kGarbage) return;
  // Random bytes and an LF; no LF inside, and not blank (a blank line is
  // another case).
  std::uniform_int_distribution<int> size(16, 256);
  std::uniform_int_distribution<int> byte(0, 255);
  garbage_.resize(static_cast<size_t>(size(random_)));
  for (char& b : garbage_) {
    b = static_cast<char>(byte(random_));
    if (b == '\n') b = '\x80';
  }
  garbage_[0] = '\x81';
  garbage_ += '\n';
  worker.SendRaw(c, garbage_);
}

void SoakScenario::OnReady(Worker& worker, Connection& c, int64_t now_ns) {
  const int s = static_cast<int>(c.slot);
  Slot& slot = slots_[s];
  SoakTally::Add(c.approved ? tally_.handshakes_approved : tally_.handshakes_pending);
  if (slot.role == Role::kProbe) {
    if (c.approved) {
      Fail(absl::StrCat("probe_device_approved:", std::string(BadInputName(slot.probe))));
      MissOutcomes(slot);
      std::erase(probes_, s);
      worker.Close(c);
      ReleaseToSpares(worker, s);
    } else if (slot.probe == BadInput::kUnknownDevice) {
      text_.assign(kEchoPrefix);
      absl::StrAppend(&text_, "x", probe_count_);
      worker.SendChat(c, text_, 0, probe_count_);
    } else if (slot.probe == BadInput::kOversizeLine) {
      worker.SendRaw(c, oversize_line_);
    }
    return;
  }
  if (slot.role != Role::kKey) {
    Fail("spare_connected");
    worker.Close(c);
    return;
  }
  Key& key = keys_[slot.key];
  if (!c.approved) {
    Fail("key_not_approved");  // see `relaybench approve-db`
    worker.Close(c);
    return;
  }
  if (key.holder < 0) SoakTally::Add(tally_.held);
  key.holder = s;
  if (key.victim >= 0 && slots_[key.victim].successor == s) {
    key.successor_slot = s;
    key.successor_from_seq = key.ledger.next_seq();
    FinishTakeoverIfDone(key, s);
    return;
  }
  slot.leaving = Leaving::kNo;
  key.successor_slot = -1;
  if (key.busy) {
    key.busy = false;
    SoakTally::Add(tally_.churn_completed[static_cast<int>(key.churn)]);
  }
}

void SoakScenario::OnLost(Worker& worker, Connection& c, int64_t now_ns) {
  const int s = static_cast<int>(c.slot);
  Slot& slot = slots_[s];
  switch (slot.role) {
    case Role::kSpare:
      return;
    case Role::kProbe:
      // A closing probe saw its code first; anything still expected is missing.
      MissOutcomes(slot);
      std::erase(probes_, s);
      ReleaseToSpares(worker, s);
      return;
    case Role::kKey:
      break;
  }
  Key& key = keys_[slot.key];
  MissOutcomes(slot);
  DropHolder(key, s);
  std::erase(leaving_, s);
  if (slot.leaving == Leaving::kTakeover && key.victim == s && !slot.successor_opened) {
    // Lost before its successor connected: the takeover is off.
    Fail("connection_lost");
    ReleaseToSpares(worker, slot.successor);
    key.victim = -1;
    key.busy = false;
    slot.leaving = Leaving::kNo;
    slot.successor = -1;
    ScheduleReconnect(s, now_ns);
    return;
  }
  if (slot.leaving == Leaving::kTakeover && key.victim == s) {
    key.victim_closed = true;
    const int successor = slot.successor;
    ReleaseToSpares(worker, s);
    FinishTakeoverIfDone(key, successor);
    return;
  }
  if (!(slot.leaving == Leaving::kClean && slot.fin_sent)) {
    Fail("connection_lost");  // the worker's errors say why
    if (key.victim >= 0 && slots_[key.victim].successor == s) {
      // A takeover's successor failed: the victim's deadline cleans up.
      return;
    }
  }
  slot.leaving = Leaving::kNo;
  slot.fin_sent = false;
  if (key.holder < 0 && key.victim < 0) ScheduleReconnect(s, now_ns);
}

bool SoakScenario::TakeReply(Worker& worker, Connection& c, std::string_view text,
                             int64_t now_ns) {
  if (!text.starts_with(kEchoReplyPrefix)) {
    SoakTally::Add(tally_.echo_unknown);
    Fail("wrong_reply");
    return true;
  }
  const std::string_view token = text.substr(kEchoReplyPrefix.size());
  if (token.starts_with("x")) {
    SoakTally::Add(tally_.refused_input_answered);
    Fail("refused_input_answered");
    return true;
  }
  int index = -1;
  uint64_t seq = 0;
  if (!ParseSoakToken(token, &index, &seq)) {
    SoakTally::Add(tally_.echo_unknown);
    Fail("wrong_reply");
    return true;
  }
  const Slot& slot = slots_[c.slot];
  const auto found = key_of_index_.find(index);
  if (found == key_of_index_.end() || slot.role != Role::kKey || slot.key != found->second) {
    SoakTally::Add(tally_.echo_misrouted);
    Fail("misrouted_reply");
    return true;
  }
  Key& key = keys_[found->second];
  int64_t sent_ns = 0;
  switch (key.ledger.Resolve(seq, &sent_ns)) {
    case RequestWindow::Match::kDuplicate:
      SoakTally::Add(tally_.echo_duplicate);
      Fail("duplicate_reply");
      return true;
    case RequestWindow::Match::kNeverSent:
      SoakTally::Add(tally_.echo_unknown);
      Fail("reply_to_unsent_request");
      return true;
    case RequestWindow::Match::kAnswered:
      break;
  }
  SoakTally::Add(tally_.echo_answered);
  ++worker.stats().replies;
  worker.stats().reply_latency.Record(now_ns - sent_ns);
  if (now_ns - sent_ns > settings_.answer_deadline_ns) {
    SoakTally::Add(tally_.echo_answered_late);
    Fail("late_reply");
  }
  if (seq < key.abandoned_below && key.abandoned_outstanding > 0) --key.abandoned_outstanding;
  if (static_cast<int>(c.slot) == key.successor_slot && seq < key.successor_from_seq) {
    SoakTally::Add(tally_.echo_answered_on_successor);
  }
  return true;
}

bool SoakScenario::TakeServerError(Worker& worker, Connection& c, std::string_view code,
                                   int64_t now_ns) {
  const int s = static_cast<int>(c.slot);
  Slot& slot = slots_[s];
  if (!slot.expected.empty() && slot.expected.front().code == code) {
    const Expectation expectation = slot.expected.front();
    slot.expected.pop_front();
    if (expectation.bad >= 0) SoakTally::Add(tally_.bad_verified[expectation.bad]);
    if (ClosesTheConnection(code)) slot.closing_seen = true;
    if (slot.role == Role::kProbe && slot.probe == BadInput::kUnknownDevice) {
      std::erase(probes_, s);
      worker.Close(c);
      ReleaseToSpares(worker, s);
    }
    return true;
  }
  if (slot.role == Role::kKey) {
    // Errors name no frame. One that no bad input explains refused an echo
    // (shutting_down, or a code this tool does not know, such as a rate limit).
    tally_.AddRefusal(code);
    ++keys_[slot.key].refused;
    return true;
  }
  Fail(absl::StrCat("unexpected_error:", std::string(code)));
  return true;
}

bool SoakScenario::Finished(const Worker& worker, int64_t now_ns) const {
  if (setup().timed_out()) return true;
  if (setup().start_ns() == 0 || now_ns < end_ns()) return false;
  if (now_ns >= end_ns() + settings_.drain_timeout_ns) return true;
  if (!probes_.empty() || !leaving_.empty() || worker.in_progress() > 0) return false;
  for (const Key& key : keys_) {
    // Only a key that is held can still get its answers.
    if (key.holder >= 0 && key.ledger.outstanding() > key.abandoned_outstanding) return false;
  }
  return true;
}

void SoakScenario::Settle() {
  for (Key& key : keys_) {
    const int64_t unanswered = key.ledger.outstanding();
    const int64_t abandoned = std::clamp<int64_t>(key.abandoned_outstanding, 0, unanswered);
    const int64_t refused = std::min(key.refused, unanswered - abandoned);
    const int64_t lost = unanswered - abandoned - refused;
    SoakTally::Add(tally_.echo_abandoned, abandoned);
    SoakTally::Add(tally_.echo_lost, lost);
    Fail("lost_reply", lost);
  }
  for (Slot& slot : slots_) MissOutcomes(slot);
}

// --- bookkeeping ------------------------------------------------------------

int SoakScenario::PickSteadyKey(Worker& worker) {
  if (keys_.empty()) return -1;
  std::uniform_int_distribution<size_t> pick(0, keys_.size() - 1);
  for (int attempt = 0; attempt < 8; ++attempt) {
    const int k = static_cast<int>(pick(random_));
    const Key& key = keys_[k];
    if (key.holder < 0 || key.busy) continue;
    const Slot& slot = slots_[key.holder];
    if (slot.leaving != Leaving::kNo || !slot.expected.empty()) continue;
    if (worker.connections()[key.holder].state != ConnectionState::kReady) continue;
    return k;
  }
  return -1;
}

int SoakScenario::TakeSpare() {
  if (spares_.empty()) return -1;
  const int s = spares_.back();
  spares_.pop_back();
  return s;
}

void SoakScenario::ReleaseToSpares(Worker& worker, int s) {
  slots_[s] = Slot{};
  Connection& c = worker.connections()[s];
  c.send_handshake = true;
  c.accept_pending = false;
  spares_.push_back(s);
}

void SoakScenario::DropHolder(Key& key, int slot) {
  if (key.holder != slot) return;
  key.holder = -1;
  SoakTally::Add(tally_.held, -1);
}

void SoakScenario::MissOutcomes(Slot& slot) {
  for (const Expectation& e : slot.expected) {
    Fail(absl::StrCat("outcome_missing:", std::string(e.bad >= 0
                                                          ? BadInputName(static_cast<BadInput>(e.bad))
                                                          : kSessionReplaced)));
  }
  slot.expected.clear();
}

}  // namespace botrelay::bench
