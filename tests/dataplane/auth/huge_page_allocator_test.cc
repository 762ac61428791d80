// HugePageAllocator: large tables are 2 MiB-aligned (what lets the kernel
// back them with huge pages), small ones are ordinary allocations, and both
// hold their values and are freed the way they were allocated (ASan checks
// the pairing in the sanitizer stage).

#include "dataplane/auth/huge_page_allocator.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <vector>

namespace botrelay::auth {
namespace {

TEST(HugePageAllocatorTest, LargeTablesAreAlignedToTwoMebibytes) {
  constexpr size_t kEntries = (4 << 20) / sizeof(uint64_t) + 3;  // a bit over 4 MiB
  std::vector<uint64_t, HugePageAllocator<uint64_t>> table(kEntries);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(table.data()) % HugePageAllocator<uint64_t>::kHugePage, 0u);
  for (size_t i = 0; i < table.size(); i += 4096) table[i] = i;
  table.back() = 42;
  for (size_t i = 0; i + 1 < table.size(); i += 4096) EXPECT_EQ(table[i], i);
  EXPECT_EQ(table.back(), 42u);
}

TEST(HugePageAllocatorTest, SmallTablesAreOrdinaryAllocations) {
  std::vector<uint32_t, HugePageAllocator<uint32_t>> small(16, 7);
  EXPECT_EQ(small[15], 7u);
  small.resize(1 << 20);  // grows past 2 MiB: freed small, allocated large
  EXPECT_EQ(small[15], 7u);
  EXPECT_EQ(reinterpret_cast<uintptr_t>(small.data()) % HugePageAllocator<uint32_t>::kHugePage, 0u);
}

}  // namespace
}  // namespace botrelay::auth
