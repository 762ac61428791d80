#pragma once
// The soak: long-lived handshaken connections with open-loop echo traffic,
// continual churn (resets, clean closes, device takeovers) and a trickle of
// bad inputs, each of which must get the outcome docs/protocol.md
// documents. Every echo is accounted per (bot, device) key, not per socket,
// because relayd routes a reply to whichever connection holds the key when
// the reply is produced: a reply to a request sent on a connection that a
// takeover replaced arrives on its successor.
//
// A worker's first `keys` connections hold one key each; the rest are spare
// slots, used for takeover successors (a takeover's victim becomes a spare)
// and for the probes of bad inputs that need a connection of their own.

#include <cstdint>
#include <deque>
#include <queue>
#include <random>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "bench/established_scenario.h"
#include "bench/identity.h"
#include "bench/request_window.h"
#include "bench/soak_tally.h"

namespace botrelay::bench {

struct SoakSettings {
  int64_t duration_ns = 0;
  int64_t setup_timeout_ns = 0;
  int64_t drain_timeout_ns = 0;          // after the end: outstanding answers, probes still waiting
  int keys = 0;                          // this worker's connections that hold a key
  int rooms = 4;
  // This worker's share of the run's rates, per second.
  double echo_rate = 0;
  double churn_rate = 0;
  double bad_rate = 0;
  int64_t answer_deadline_ns = 30'000'000'000;
  int64_t server_handshake_timeout_ns = 10'000'000'000;  // relayd's handshake-timeout
  size_t max_line_bytes = 1'048'576;                     // relayd's max-line-bytes
  uint64_t seed = 1;
};

class SoakScenario final : public EstablishedScenario {
 public:
  SoakScenario(const SoakSettings& settings, RunClock& clock, SoakTally& tally);
  // Learns the worker's connections (call once, before it runs): the first
  // `keys` hold keys, the rest are spares.
  void Bind(Worker& worker);

  void OnConnected(Worker& worker, Connection& c, int64_t now_ns) override;
  void OnReady(Worker& worker, Connection& c, int64_t now_ns) override;
  void OnLost(Worker& worker, Connection& c, int64_t now_ns) override;
  bool TakeReply(Worker& worker, Connection& c, std::string_view text, int64_t now_ns) override;
  bool TakeServerError(Worker& worker, Connection& c, std::string_view code,
                       int64_t now_ns) override;
  bool Finished(const Worker& worker, int64_t now_ns) const override;

  // After the worker has stopped: what was never answered is lost (or
  // abandoned, if this side reset its connection), what never got its
  // outcome is missing. Adds both to the tally.
  void Settle();

 private:
  enum class Role : uint8_t { kSpare, kKey, kProbe };
  enum class Leaving : uint8_t { kNo, kReset, kClean, kTakeover };

  // An error code the server owes this slot, in line order. `bad` is the
  // bad input it answers, or -1 for a takeover's session_replaced.
  struct Expectation {
    std::string_view code;
    int bad;
  };

  struct Slot {
    Role role = Role::kSpare;
    int key = -1;                    // kKey: the key it serves
    Leaving leaving = Leaving::kNo;  // kKey: why it is on its way out / came back
    int64_t leaving_since_ns = 0;
    int successor = -1;              // takeover victim: the slot taking over
    bool successor_opened = false;
    bool fin_sent = false;           // clean close: this side has sent its FIN
    bool closing_seen = false;       // the closing error the slot waits for arrived
    BadInput probe = BadInput::kGarbage;
    int64_t probe_deadline_ns = 0;
    int64_t last_send_ns = 0;
    int forged_in_row = 0;           // bad signatures since its last good frame
    std::deque<Expectation> expected;
  };

  struct Key {
    int index = 0;                   // run-wide number: names its tokens
    Identity identity;
    RequestWindow ledger;
    int holder = -1;                 // the slot holding the key, -1 while none does
    bool busy = false;               // a churn action is under way
    ChurnKind churn = ChurnKind::kReset;
    uint64_t abandoned_below = 0;    // requests below this were outstanding at a reset
    int64_t abandoned_outstanding = 0;
    int64_t refused = 0;             // echoes refused with an error event
    int victim = -1;                 // a takeover under way: the slot being replaced
    bool victim_closed = false;
    int successor_slot = -1;         // the last takeover's successor
    uint64_t successor_from_seq = 0; // requests below this were sent before it took over
  };

  struct Reconnect {
    int64_t due_ns;
    int slot;
    bool operator>(const Reconnect& other) const { return due_ns > other.due_ns; }
  };

  int64_t OnMeasurementStart(Worker& worker, int64_t now_ns) override;
  int64_t OnMeasurementTick(Worker& worker, int64_t now_ns) override;
  size_t ConnectionsToOpen(const Worker& worker) const override;

  void SendDueEchoes(Worker& worker, int64_t now_ns);
  void SendEcho(Worker& worker, Key& key, int64_t due_ns, int64_t now_ns);
  void StartDueChurn(Worker& worker, int64_t now_ns);
  void StartDueBadInputs(Worker& worker, int64_t now_ns);
  bool StartBadInput(Worker& worker, BadInput kind, int64_t now_ns);
  bool StartProbe(Worker& worker, BadInput kind, int64_t now_ns);
  void AdvanceLeaving(Worker& worker, int64_t now_ns);
  void ExpireProbes(Worker& worker, int64_t now_ns);
  void RunReconnects(Worker& worker, int64_t now_ns);

  // A key whose holder is ready, not leaving and owes no outcome; -1 if a
  // few random picks find none.
  int PickSteadyKey(Worker& worker);
  int TakeSpare();
  void ReleaseToSpares(Worker& worker, int slot);
  void ScheduleReconnect(int slot, int64_t now_ns);
  void DropHolder(Key& key, int slot);
  void FinishTakeoverIfDone(Key& key, int victim);
  void MissOutcomes(Slot& slot);
  void Fail(std::string_view kind, int64_t n = 1) { tally_.AddFailure(kind, n); }
  bool Running(int64_t now_ns) const { return now_ns < end_ns(); }

  SoakSettings settings_;
  SoakTally& tally_;
  std::mt19937_64 random_;
  std::vector<Slot> slots_;
  std::vector<Key> keys_;
  std::unordered_map<int, int> key_of_index_;
  std::vector<int> spares_;
  std::vector<int> leaving_;  // slots with a churn action under way
  std::vector<int> probes_;   // slots probing a bad input
  std::priority_queue<Reconnect, std::vector<Reconnect>, std::greater<>> reconnects_;
  int64_t next_echo_ns_ = 0;
  int64_t next_churn_ns_ = 0;
  int64_t next_bad_ns_ = 0;
  uint64_t next_key_ = 0;
  uint64_t churn_count_ = 0;
  uint64_t bad_count_ = 0;
  uint64_t probe_count_ = 0;
  // The last echo frame sent, resent verbatim on the same socket as a replay.
  std::string captured_frame_;
  int captured_slot_ = -1;
  uint32_t captured_generation_ = 0;
  int64_t captured_ns_ = 0;
  std::string text_;           // echo text, reused
  std::string oversize_line_;  // built once
  std::string garbage_;        // reused
};

}  // namespace botrelay::bench
