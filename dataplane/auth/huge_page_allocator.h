#pragma once
// An allocator for large tables read at random, such as the replay cache's
// (tens of MiB per event-loop thread): allocations of 2 MiB or more are
// aligned to 2 MiB and marked MADV_HUGEPAGE before their first touch, so
// that with transparent huge pages in `madvise` mode (Debian's default) the
// kernel backs them with 2 MiB pages. A random lookup then costs a cache
// miss but no TLB miss, which on a VM means a two-level page walk. Without
// THP the hint is ignored and this is ordinary memory.

#include <sys/mman.h>

#include <cstddef>
#include <cstdlib>
#include <new>

namespace botrelay::auth {

template <typename T>
class HugePageAllocator {
 public:
  using value_type = T;
  static constexpr size_t kHugePage = size_t{2} << 20;

  HugePageAllocator() = default;
  template <typename U>
  explicit HugePageAllocator(const HugePageAllocator<U>&) {}

  T* allocate(size_t n) {
    const size_t bytes = n * sizeof(T);
    if (bytes < kHugePage) return static_cast<T*>(::operator new(bytes));
    const size_t rounded = (bytes + kHugePage - 1) / kHugePage * kHugePage;
    void* memory = std::aligned_alloc(kHugePage, rounded);
    if (memory == nullptr) throw std::bad_alloc();
    ::madvise(memory, rounded, MADV_HUGEPAGE);
    return static_cast<T*>(memory);
  }

  void deallocate(T* memory, size_t n) {
    if (n * sizeof(T) < kHugePage) {
      ::operator delete(memory);
    } else {
      std::free(memory);
    }
  }

  friend bool operator==(const HugePageAllocator&, const HugePageAllocator&) { return true; }
};

}  // namespace botrelay::auth
