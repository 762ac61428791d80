#include "controlplane/process_metrics.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <cmath>
#include <fstream>
#include <map>
#include <string>

namespace botrelay::controlplane {
namespace {

TEST(ParseProcStat, CountsFieldsFromTheLastParenthesis) {
  // A command name with spaces and parentheses must not shift the fields.
  const std::string text =
      "4242 (relayd (x) y) S 1 4242 4242 0 -1 4194560 100 0 0 0 "
      "1234 567 0 0 20 0 3 0 98765 123456789 2048 18446744073709551615\n";
  absl::StatusOr<ProcStat> stat = ParseProcStat(text);
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_EQ(stat->utime_ticks, 1234u);
  EXPECT_EQ(stat->stime_ticks, 567u);
  EXPECT_EQ(stat->start_time_ticks, 98765u);
}

TEST(ParseProcStat, RejectsTruncatedOrGarbledText) {
  EXPECT_FALSE(ParseProcStat("").ok());
  EXPECT_FALSE(ParseProcStat("4242 relayd S 1").ok());
  EXPECT_FALSE(ParseProcStat("4242 (relayd) S 1 4242 4242 0 -1 4194560 100 0 0 0 12").ok());
  EXPECT_FALSE(
      ParseProcStat("4242 (relayd) S 1 4242 4242 0 -1 4194560 100 0 0 0 x 567 0 0 20 0 3 0 9")
          .ok());
}

TEST(ParseProcStat, ParsesThisProcess) {
  std::ifstream in("/proc/self/stat");
  std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  absl::StatusOr<ProcStat> stat = ParseProcStat(text);
  ASSERT_TRUE(stat.ok()) << stat.status();
  EXPECT_GT(stat->start_time_ticks, 0u);
}

std::map<std::string, double> ProcessSamples() {
  metrics::Registry registry;
  RegisterProcessMetrics(registry);
  std::map<std::string, double> values;
  for (const metrics::Sample& sample : registry.Snapshot()) values[sample.name] = sample.value;
  return values;
}

TEST(ProcessMetrics, ReportsThisProcess) {
  // Burn a little CPU so the tick counters cannot be zero.
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(50);
  volatile uint64_t spin = 0;
  while (std::chrono::steady_clock::now() < until) spin = spin + 1;

  const std::map<std::string, double> values = ProcessSamples();
  ASSERT_EQ(values.size(), 6u);
  EXPECT_GT(values.at("process_cpu_seconds_total"), 0);
  // Resident memory: at least the test binary's pages, below the virtual size.
  EXPECT_GT(values.at("process_resident_memory_bytes"), 1024 * 1024);
  EXPECT_GT(values.at("process_virtual_memory_bytes"), values.at("process_resident_memory_bytes"));
  EXPECT_GE(values.at("process_open_fds"), 3);  // stdin, stdout, stderr
  EXPECT_GE(values.at("process_max_fds"), values.at("process_open_fds"));

  const double now = std::chrono::duration<double>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
  const double start = values.at("process_start_time_seconds");
  EXPECT_LE(start, now + 1);
  EXPECT_GT(start, now - 3600);  // this test process started less than an hour ago
}

TEST(ProcessMetrics, OpenFdsFollowsDescriptorsOpenedAndClosed) {
  metrics::Registry registry;
  RegisterProcessMetrics(registry);
  const auto open_fds = [&registry] {
    for (const metrics::Sample& sample : registry.Snapshot()) {
      if (sample.name == "process_open_fds") return sample.value;
    }
    return std::nan("");
  };
  const double before = open_fds();
  const int extra = ::dup(STDERR_FILENO);
  ASSERT_GE(extra, 0);
  EXPECT_EQ(open_fds(), before + 1);
  ::close(extra);
  EXPECT_EQ(open_fds(), before);
}

TEST(ProcessMetrics, RenderAsPrometheusText) {
  metrics::Registry registry;
  RegisterProcessMetrics(registry);
  const std::string text = registry.RenderPrometheus();
  EXPECT_NE(text.find("# TYPE process_cpu_seconds_total counter\n"), std::string::npos);
  for (const char* family : {"process_resident_memory_bytes",
                             "process_virtual_memory_bytes", "process_open_fds",
                             "process_max_fds", "process_start_time_seconds"}) {
    EXPECT_NE(text.find(std::string("# TYPE ") + family + " gauge\n"), std::string::npos)
        << family;
  }
  EXPECT_EQ(text.find("nan"), std::string::npos) << text;
}

}  // namespace
}  // namespace botrelay::controlplane
