#include "dataplane/metrics/metrics_registry.h"

#include <cmath>
#include <map>
#include <sstream>

namespace botrelay::metrics {

void BindThreadToShard(int shard) { internal::tls_shard = shard % kMaxShards; }

uint64_t Counter::Value() const {
  uint64_t total = 0;
  for (const auto& slot : slots_) total += slot.value.load(std::memory_order_relaxed);
  return total;
}

Histogram::Histogram(std::vector<double> upper_bounds) : bounds_(std::move(upper_bounds)) {
  for (auto& shard : shards_) {
    shard.buckets = std::make_unique<std::atomic<uint64_t>[]>(bounds_.size() + 1);
  }
}

void Histogram::Observe(double v) {
  size_t i = 0;
  while (i < bounds_.size() && v > bounds_[i]) ++i;
  Shard& shard = shards_[internal::tls_shard];
  shard.buckets[i].fetch_add(1, std::memory_order_relaxed);
  // Sums are kept in micro-units so they stay lock-free integers.
  shard.sum_micros.fetch_add(static_cast<uint64_t>(std::llround(v * 1e6)),
                             std::memory_order_relaxed);
}

Histogram::Snapshot Histogram::Read() const {
  Snapshot snap;
  snap.upper_bounds = bounds_;
  std::vector<uint64_t> per_bucket(bounds_.size() + 1, 0);
  uint64_t sum_micros = 0;
  for (const auto& shard : shards_) {
    for (size_t i = 0; i <= bounds_.size(); ++i) {
      per_bucket[i] += shard.buckets[i].load(std::memory_order_relaxed);
    }
    sum_micros += shard.sum_micros.load(std::memory_order_relaxed);
  }
  uint64_t running = 0;
  for (uint64_t c : per_bucket) {
    running += c;
    snap.cumulative_counts.push_back(running);
  }
  snap.count = running;
  snap.sum = static_cast<double>(sum_micros) / 1e6;
  return snap;
}

Registry::Series& Registry::Add(const std::string& name, const std::string& help, Labels labels,
                                Kind kind) {
  std::lock_guard lock(mu_);
  auto series = std::make_unique<Series>();
  series->name = name;
  series->help = help;
  series->labels = std::move(labels);
  series->kind = kind;
  series_.push_back(std::move(series));
  return *series_.back();
}

Counter& Registry::AddCounter(const std::string& name, const std::string& help, Labels labels) {
  Series& s = Add(name, help, std::move(labels), Kind::kCounter);
  s.counter = std::make_unique<Counter>();
  return *s.counter;
}

Gauge& Registry::AddGauge(const std::string& name, const std::string& help, Labels labels) {
  Series& s = Add(name, help, std::move(labels), Kind::kGauge);
  s.gauge = std::make_unique<Gauge>();
  return *s.gauge;
}

void Registry::AddCallbackGauge(const std::string& name, const std::string& help, Labels labels,
                                std::function<double()> read) {
  Series& s = Add(name, help, std::move(labels), Kind::kCallbackGauge);
  s.read = std::move(read);
}

void Registry::AddCallbackCounter(const std::string& name, const std::string& help, Labels labels,
                                  std::function<double()> read) {
  Series& s = Add(name, help, std::move(labels), Kind::kCallbackCounter);
  s.read = std::move(read);
}

Histogram& Registry::AddHistogram(const std::string& name, const std::string& help,
                                  std::vector<double> upper_bounds, Labels labels) {
  Series& s = Add(name, help, std::move(labels), Kind::kHistogram);
  s.histogram = std::make_unique<Histogram>(std::move(upper_bounds));
  return *s.histogram;
}

namespace {

std::string FormatDouble(double v) {
  if (std::isinf(v)) return v > 0 ? "+Inf" : "-Inf";
  if (v == std::floor(v) && std::fabs(v) < 1e15) {
    return std::to_string(static_cast<int64_t>(v));
  }
  std::ostringstream os;
  os.precision(10);
  os << v;
  return os.str();
}

std::string EscapeLabelValue(const std::string& v) {
  std::string out;
  for (char c : v) {
    if (c == '\\' || c == '"') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out;
}

std::string RenderLabels(const Labels& labels) {
  if (labels.empty()) return "";
  std::string out = "{";
  for (size_t i = 0; i < labels.size(); ++i) {
    if (i) out += ',';
    out += labels[i].first + "=\"" + EscapeLabelValue(labels[i].second) + "\"";
  }
  return out + "}";
}

}  // namespace

std::vector<Sample> Registry::Snapshot() const {
  std::lock_guard lock(mu_);
  std::vector<Sample> out;
  for (const auto& s : series_) {
    switch (s->kind) {
      case Kind::kCounter:
        out.push_back({s->name, s->labels, static_cast<double>(s->counter->Value())});
        break;
      case Kind::kGauge:
        out.push_back({s->name, s->labels, static_cast<double>(s->gauge->Value())});
        break;
      case Kind::kCallbackGauge:
      case Kind::kCallbackCounter:
        out.push_back({s->name, s->labels, s->read()});
        break;
      case Kind::kHistogram: {
        Histogram::Snapshot h = s->histogram->Read();
        for (size_t i = 0; i <= h.upper_bounds.size(); ++i) {
          Labels labels = s->labels;
          labels.emplace_back("le", i < h.upper_bounds.size() ? FormatDouble(h.upper_bounds[i])
                                                              : "+Inf");
          out.push_back({s->name + "_bucket", std::move(labels),
                         static_cast<double>(h.cumulative_counts[i])});
        }
        out.push_back({s->name + "_sum", s->labels, h.sum});
        out.push_back({s->name + "_count", s->labels, static_cast<double>(h.count)});
        break;
      }
    }
  }
  return out;
}

std::string Registry::RenderPrometheus() const {
  // Group series by family so HELP/TYPE appear once per metric name.
  std::map<std::string, std::pair<std::string, std::string>> family_meta;
  {
    std::lock_guard lock(mu_);
    for (const auto& s : series_) {
      const char* type = (s->kind == Kind::kCounter || s->kind == Kind::kCallbackCounter)
                             ? "counter"
                         : s->kind == Kind::kHistogram ? "histogram"
                                                       : "gauge";
      family_meta.emplace(s->name, std::make_pair(s->help, type));
    }
  }
  std::map<std::string, std::vector<const Sample*>> by_family;
  std::vector<Sample> samples = Snapshot();
  for (const Sample& sample : samples) {
    std::string family = sample.name;
    for (const char* suffix : {"_bucket", "_sum", "_count"}) {
      std::string_view sv(sample.name);
      std::string_view suf(suffix);
      if (sv.size() > suf.size() && sv.substr(sv.size() - suf.size()) == suf) {
        std::string base(sv.substr(0, sv.size() - suf.size()));
        auto it = family_meta.find(base);
        if (it != family_meta.end() && it->second.second == std::string("histogram")) {
          family = base;
        }
      }
    }
    by_family[family].push_back(&sample);
  }
  std::string out;
  for (const auto& [family, list] : by_family) {
    const auto& meta = family_meta[family];
    out += "# HELP " + family + " " + meta.first + "\n";
    out += "# TYPE " + family + " " + meta.second + "\n";
    for (const Sample* sample : list) {
      out += sample->name + RenderLabels(sample->labels) + " " + FormatDouble(sample->value) + "\n";
    }
  }
  return out;
}

std::vector<double> LatencyBucketsSeconds() {
  return {0.00005, 0.0001, 0.00025, 0.0005, 0.001, 0.0025, 0.005, 0.01,
          0.025,   0.05,   0.1,     0.25,   0.5,   1,      2.5,   5,     10};
}

}  // namespace botrelay::metrics
