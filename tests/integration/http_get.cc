#include "tests/integration/http_get.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>

#include "absl/strings/ascii.h"
#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"

namespace botrelay::integration {
namespace {

absl::string_view View(std::string_view s) { return absl::string_view(s.data(), s.size()); }

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

absl::Status Errno(const std::string& what) {
  return absl::UnavailableError(absl::StrCat(what, ": ", std::strerror(errno)));
}

absl::StatusOr<sockaddr_in> ParseAddress(const std::string& address) {
  const size_t colon = address.rfind(':');
  int port = 0;
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  if (colon == std::string::npos ||
      !absl::SimpleAtoi(View(std::string_view(address).substr(colon + 1)), &port) || port <= 0 ||
      port > 65535 || ::inet_pton(AF_INET, address.substr(0, colon).c_str(), &addr.sin_addr) != 1) {
    return absl::InvalidArgumentError(absl::StrCat("not an IPv4 host:port: ", address));
  }
  addr.sin_port = htons(static_cast<uint16_t>(port));
  return addr;
}

absl::StatusOr<HttpResponse> ParseResponse(const std::string& raw) {
  const size_t head_end = raw.find("\r\n\r\n");
  if (head_end == std::string::npos) {
    return absl::DataLossError(absl::StrCat("no end of the response head in: ", raw));
  }
  std::vector<std::string> lines = absl::StrSplit(raw.substr(0, head_end), "\r\n");
  HttpResponse response;
  // "HTTP/1.1 200 OK"
  std::vector<std::string> status_line = absl::StrSplit(lines[0], absl::MaxSplits(' ', 2));
  if (status_line.size() < 2 || !absl::StartsWith(status_line[0], "HTTP/1.") ||
      !absl::SimpleAtoi(status_line[1], &response.status)) {
    return absl::DataLossError(absl::StrCat("bad status line: ", lines[0]));
  }
  for (size_t i = 1; i < lines.size(); ++i) {
    const size_t colon = lines[i].find(':');
    if (colon == std::string::npos) {
      return absl::DataLossError(absl::StrCat("bad header line: ", lines[i]));
    }
    response.headers[absl::AsciiStrToLower(lines[i].substr(0, colon))] =
        std::string(absl::StripAsciiWhitespace(lines[i].substr(colon + 1)));
  }
  response.body = raw.substr(head_end + 4);
  auto length = response.headers.find("content-length");
  size_t expected = 0;
  if (length == response.headers.end() || !absl::SimpleAtoi(length->second, &expected)) {
    return absl::DataLossError("response without a valid Content-Length");
  }
  if (expected != response.body.size()) {
    return absl::DataLossError(absl::StrCat("Content-Length ", expected, " but ",
                                            response.body.size(), " body bytes"));
  }
  return response;
}

// Reads one quoted label value starting after the opening quote; advances
// `at` past the closing quote.
absl::StatusOr<std::string> ReadLabelValue(std::string_view line, size_t& at) {
  std::string value;
  while (at < line.size()) {
    const char c = line[at++];
    if (c == '"') return value;
    if (c != '\\') {
      value.push_back(c);
      continue;
    }
    if (at >= line.size()) break;
    const char escaped = line[at++];
    value.push_back(escaped == 'n' ? '\n' : escaped);
  }
  return absl::DataLossError(absl::StrCat("unterminated label value: ", View(line)));
}

}  // namespace

absl::StatusOr<HttpResponse> HttpGet(const std::string& address, const std::string& target,
                                     std::chrono::milliseconds timeout) {
  absl::StatusOr<sockaddr_in> addr = ParseAddress(address);
  if (!addr.ok()) return addr.status();
  Fd fd(::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0));
  if (fd.get() < 0) return Errno("socket");
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  ::setsockopt(fd.get(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof tv);
  if (::connect(fd.get(), reinterpret_cast<const sockaddr*>(&*addr), sizeof *addr) != 0) {
    return Errno(absl::StrCat("connect ", address));
  }
  const std::string request = absl::StrCat("GET ", target, " HTTP/1.1\r\nHost: ", address,
                                           "\r\nConnection: close\r\n\r\n");
  for (size_t sent = 0; sent < request.size();) {
    const ssize_t n = ::send(fd.get(), request.data() + sent, request.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return Errno("send");
    sent += static_cast<size_t>(n);
  }
  std::string raw;
  char buffer[16384];
  while (true) {
    const ssize_t n = ::recv(fd.get(), buffer, sizeof buffer, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return Errno(absl::StrCat("recv from ", address, " after ", raw.size(), " bytes"));
    if (n == 0) break;
    raw.append(buffer, static_cast<size_t>(n));
  }
  return ParseResponse(raw);
}

std::string SeriesKey(const std::string& name, const std::map<std::string, std::string>& labels) {
  if (labels.empty()) return name;
  std::string key = name + "{";
  bool first = true;
  for (const auto& [label, value] : labels) {
    absl::StrAppend(&key, first ? "" : ",", label, "=\"", value, "\"");
    first = false;
  }
  return key + "}";
}

absl::StatusOr<std::map<std::string, double>> ParsePrometheusText(const std::string& text) {
  std::map<std::string, double> samples;
  for (absl::string_view raw_line : absl::StrSplit(text, '\n')) {
    const std::string_view line(raw_line.data(), raw_line.size());
    if (line.empty() || line.front() == '#') continue;
    const size_t name_end = line.find_first_of("{ ");
    if (name_end == std::string_view::npos || name_end == 0) {
      return absl::DataLossError(absl::StrCat("bad sample line: ", raw_line));
    }
    const std::string name(line.substr(0, name_end));
    std::map<std::string, std::string> labels;
    size_t at = name_end;
    if (line[at] == '{') {
      ++at;
      while (at < line.size() && line[at] != '}') {
        const size_t eq = line.find("=\"", at);
        if (eq == std::string_view::npos) {
          return absl::DataLossError(absl::StrCat("bad labels: ", raw_line));
        }
        const std::string label(line.substr(at, eq - at));
        at = eq + 2;
        absl::StatusOr<std::string> value = ReadLabelValue(line, at);
        if (!value.ok()) return value.status();
        labels[label] = *std::move(value);
        if (at < line.size() && line[at] == ',') ++at;
      }
      if (at >= line.size()) return absl::DataLossError(absl::StrCat("unclosed labels: ", raw_line));
      ++at;  // '}'
    }
    const std::string value_text(absl::StripAsciiWhitespace(View(line.substr(at))));
    char* end = nullptr;
    const double value = std::strtod(value_text.c_str(), &end);
    if (value_text.empty() || end != value_text.c_str() + value_text.size()) {
      return absl::DataLossError(absl::StrCat("bad sample value: ", raw_line));
    }
    if (!samples.emplace(SeriesKey(name, labels), value).second) {
      return absl::DataLossError(absl::StrCat("repeated series: ", raw_line));
    }
  }
  return samples;
}

}  // namespace botrelay::integration
