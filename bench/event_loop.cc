#include "bench/event_loop.h"

#include <time.h>
#include <unistd.h>

namespace botrelay::bench {

EventLoop::EventLoop(int max_events)
    : epoll_fd_(::epoll_create1(EPOLL_CLOEXEC)), events_(max_events) {}

EventLoop::~EventLoop() {
  if (epoll_fd_ >= 0) ::close(epoll_fd_);
}

bool EventLoop::Add(int fd, uint32_t events, uint64_t cookie) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = cookie;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_ADD, fd, &event) == 0;
}

bool EventLoop::Modify(int fd, uint32_t events, uint64_t cookie) {
  epoll_event event{};
  event.events = events;
  event.data.u64 = cookie;
  return ::epoll_ctl(epoll_fd_, EPOLL_CTL_MOD, fd, &event) == 0;
}

void EventLoop::Remove(int fd) { ::epoll_ctl(epoll_fd_, EPOLL_CTL_DEL, fd, nullptr); }

std::span<const epoll_event> EventLoop::Wait(int64_t timeout_ns) {
  timespec timeout{};
  timespec* timeout_ptr = nullptr;
  if (timeout_ns >= 0) {
    timeout.tv_sec = timeout_ns / 1'000'000'000;
    timeout.tv_nsec = timeout_ns % 1'000'000'000;
    timeout_ptr = &timeout;
  }
  const int n = ::epoll_pwait2(epoll_fd_, events_.data(), static_cast<int>(events_.size()),
                               timeout_ptr, nullptr);
  if (n <= 0) return {};
  return std::span<const epoll_event>(events_.data(), static_cast<size_t>(n));
}

}  // namespace botrelay::bench
