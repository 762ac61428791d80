#pragma once
// A minimal epoll wrapper: level-triggered interest per descriptor, one
// 64-bit cookie per registration, and waits with a nanosecond timeout
// (epoll_pwait2), which an open-loop schedule at tens of thousands of sends
// per second needs.

#include <sys/epoll.h>

#include <cstdint>
#include <span>
#include <vector>

namespace botrelay::bench {

class EventLoop {
 public:
  explicit EventLoop(int max_events = 1024);
  ~EventLoop();
  EventLoop(const EventLoop&) = delete;
  EventLoop& operator=(const EventLoop&) = delete;

  bool Add(int fd, uint32_t events, uint64_t cookie);
  bool Modify(int fd, uint32_t events, uint64_t cookie);
  void Remove(int fd);
  // Waits at most `timeout_ns` (negative: forever). Interrupted waits return
  // no events.
  std::span<const epoll_event> Wait(int64_t timeout_ns);

 private:
  int epoll_fd_;
  std::vector<epoll_event> events_;
};

}  // namespace botrelay::bench
