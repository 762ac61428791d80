#pragma once
// The control plane's log output until relayd's logger exists: one line per
// call on stderr, written with a single write so concurrent lines never
// interleave. Replace the body of LogLine to route elsewhere.

#include <string_view>

namespace botrelay::controlplane {

void LogLine(std::string_view message);

}  // namespace botrelay::controlplane
