#pragma once
// Names the calling thread (at most 15 characters), so that `top -H`, `perf`
// and gdb tell relayd's event loops, store writer and helpers apart.

#include <pthread.h>

#include <string>

namespace botrelay::log {

inline void NameThisThread(const std::string& name) {
  ::pthread_setname_np(::pthread_self(), name.substr(0, 15).c_str());
}

}  // namespace botrelay::log
