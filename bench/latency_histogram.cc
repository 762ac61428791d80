#include "bench/latency_histogram.h"

#include <algorithm>
#include <bit>
#include <cmath>

namespace botrelay::bench {

int LatencyHistogram::BucketOf(int64_t value) {
  if (value < 0) value = 0;
  const uint64_t v = static_cast<uint64_t>(value);
  if (v < kSubBuckets) return static_cast<int>(v);
  const int exponent = std::bit_width(v) - 1;  // >= kSubBucketBits
  const int shift = exponent - kSubBucketBits;
  const int bucket = (shift + 1) * kSubBuckets + static_cast<int>((v >> shift) - kSubBuckets);
  return std::min(bucket, kBucketCount - 1);
}

int64_t LatencyHistogram::UpperBoundOf(int bucket) {
  if (bucket < kSubBuckets) return bucket;
  const int shift = bucket / kSubBuckets - 1;
  const int64_t sub = bucket % kSubBuckets + kSubBuckets;
  return ((sub + 1) << shift) - 1;
}

void LatencyHistogram::Record(int64_t value_ns) {
  ++counts_[BucketOf(value_ns)];
  ++count_;
  sum_ += value_ns;
  min_ = std::min(min_, value_ns);
  max_ = std::max(max_, value_ns);
}

void LatencyHistogram::Merge(const LatencyHistogram& other) {
  for (int i = 0; i < kBucketCount; ++i) counts_[i] += other.counts_[i];
  count_ += other.count_;
  sum_ += other.sum_;
  min_ = std::min(min_, other.min_);
  max_ = std::max(max_, other.max_);
}

int64_t LatencyHistogram::Percentile(double quantile) const {
  if (count_ == 0) return 0;
  const int64_t rank =
      std::max<int64_t>(1, static_cast<int64_t>(std::ceil(quantile * static_cast<double>(count_))));
  int64_t seen = 0;
  for (int i = 0; i < kBucketCount; ++i) {
    seen += counts_[i];
    if (seen >= rank) return std::min(UpperBoundOf(i), max_);
  }
  return max_;
}

}  // namespace botrelay::bench
