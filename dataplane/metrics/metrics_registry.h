#pragma once
// A small metrics registry: counters, gauges and histograms, registered once
// at startup and updated lock-free from any thread. Counters and histograms
// are sharded per thread (cache-line-sized slots) so the event loops never
// contend on a shared cache line; reads sum the shards.
//
// The same registry feeds the Prometheus endpoint and the admin Stats RPC,
// so the two always agree.

#include <array>
#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace botrelay::metrics {

// Threads that update metrics call this once; each gets a distinct slot
// (event-loop threads first). Threads that never call it share slot 0.
void BindThreadToShard(int shard);
inline constexpr int kMaxShards = 16;

namespace internal {
// Defined here, constant-initialised, rather than `extern`: an extern
// thread_local is reached through a TLS wrapper call, and under GCC 12's
// UBSan that path intermittently reported "load of null pointer" in
// Counter::Inc (seen in the sanitizer stage of scripts/dev.sh test).
inline constinit thread_local int tls_shard = 0;
struct alignas(64) Slot {
  std::atomic<uint64_t> value{0};
};
}  // namespace internal

using Labels = std::vector<std::pair<std::string, std::string>>;

class Counter {
 public:
  void Inc(uint64_t n = 1) {
    slots_[internal::tls_shard].value.fetch_add(n, std::memory_order_relaxed);
  }
  uint64_t Value() const;

 private:
  std::array<internal::Slot, kMaxShards> slots_;
};

class Gauge {
 public:
  void Set(int64_t v) { value_.store(v, std::memory_order_relaxed); }
  void Add(int64_t d) { value_.fetch_add(d, std::memory_order_relaxed); }
  int64_t Value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<int64_t> value_{0};
};

// Cumulative buckets with fixed upper bounds (seconds for latencies).
class Histogram {
 public:
  explicit Histogram(std::vector<double> upper_bounds);
  void Observe(double v);
  struct Snapshot {
    std::vector<double> upper_bounds;
    std::vector<uint64_t> cumulative_counts;  // one per bound, then +Inf
    uint64_t count = 0;
    double sum = 0;
  };
  Snapshot Read() const;

 private:
  struct alignas(64) Shard {
    std::unique_ptr<std::atomic<uint64_t>[]> buckets;  // bounds.size() + 1
    std::atomic<uint64_t> sum_micros{0};
  };
  std::vector<double> bounds_;
  std::array<Shard, kMaxShards> shards_;
};

// One flat sample, as returned by Snapshot(): histogram series expand into
// _bucket{le=...}, _sum and _count samples.
struct Sample {
  std::string name;
  Labels labels;
  double value = 0;
};

class Registry {
 public:
  Counter& AddCounter(const std::string& name, const std::string& help, Labels labels = {});
  Gauge& AddGauge(const std::string& name, const std::string& help, Labels labels = {});
  // A gauge computed when read (e.g. process RSS, connections by state).
  void AddCallbackGauge(const std::string& name, const std::string& help, Labels labels,
                        std::function<double()> read);
  // A counter kept elsewhere and read when scraped (e.g. process CPU seconds).
  void AddCallbackCounter(const std::string& name, const std::string& help, Labels labels,
                          std::function<double()> read);
  Histogram& AddHistogram(const std::string& name, const std::string& help,
                          std::vector<double> upper_bounds, Labels labels = {});

  std::vector<Sample> Snapshot() const;
  // Prometheus text exposition format 0.0.4.
  std::string RenderPrometheus() const;

 private:
  enum class Kind { kCounter, kGauge, kCallbackGauge, kCallbackCounter, kHistogram };
  struct Series {
    std::string name;
    std::string help;
    Labels labels;
    Kind kind;
    std::unique_ptr<Counter> counter;
    std::unique_ptr<Gauge> gauge;
    std::function<double()> read;
    std::unique_ptr<Histogram> histogram;
  };
  Series& Add(const std::string& name, const std::string& help, Labels labels, Kind kind);

  mutable std::mutex mu_;  // guards registration vs. reads, never updates
  std::vector<std::unique_ptr<Series>> series_;
};

// Latency buckets in seconds, 50us .. 10s.
std::vector<double> LatencyBucketsSeconds();

}  // namespace botrelay::metrics
