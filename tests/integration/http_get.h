#pragma once
// A minimal HTTP/1.1 client over a raw loopback socket, for relayd's metrics
// port (/metrics, /healthz), and a parser for the Prometheus text format it
// serves. Independent of relayd's Beast server on purpose.

#include <chrono>
#include <map>
#include <string>

#include "absl/status/statusor.h"

namespace botrelay::integration {

struct HttpResponse {
  int status = 0;                              // 200, 503, ...
  std::map<std::string, std::string> headers;  // names lower-cased
  std::string body;
};

// GET `target` from "host:port" with Connection: close; reads to EOF and
// checks Content-Length.
absl::StatusOr<HttpResponse> HttpGet(const std::string& address, const std::string& target,
                                     std::chrono::milliseconds timeout = std::chrono::seconds(5));

// name{label="value",...} with labels sorted by name: the key of one series.
std::string SeriesKey(const std::string& name, const std::map<std::string, std::string>& labels);

// Every sample of a Prometheus text exposition, by SeriesKey. Comments are
// skipped; a malformed line or a repeated series is DATA_LOSS.
absl::StatusOr<std::map<std::string, double>> ParsePrometheusText(const std::string& text);

}  // namespace botrelay::integration
