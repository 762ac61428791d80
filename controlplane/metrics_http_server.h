#pragma once
// relayd's HTTP endpoint for Prometheus and load-balancer probes, on its own
// io_context and thread so a slow scrape never touches the data plane's
// event loops:
//   GET /metrics  -> 200, the registry in Prometheus text format 0.0.4
//   GET /healthz  -> 200 "ok\n" while serving, 503 "not serving\n" otherwise
// Other paths get 404, other methods 405. HTTP/1.1 keep-alive is supported;
// request heads above 8 KiB get 431 and bodies above 4 KiB get 413, and the
// connection is closed; idle connections are closed after 30 seconds.

#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "dataplane/metrics/metrics_registry.h"

namespace botrelay::controlplane {

class MetricsHttpServer {
 public:
  // `is_serving` answers /healthz; it is called on the server's thread.
  MetricsHttpServer(const metrics::Registry& registry, std::function<bool()> is_serving);
  ~MetricsHttpServer();  // Stop()
  MetricsHttpServer(const MetricsHttpServer&) = delete;
  MetricsHttpServer& operator=(const MetricsHttpServer&) = delete;

  // Binds `address` (host:port with an IP literal or "localhost"; port 0
  // picks a free port) and starts the server thread. Call once.
  absl::Status Start(const std::string& address);
  // The bound port; 0 before Start.
  uint16_t port() const;
  // Closes the listener and every connection and joins the thread. Idempotent.
  void Stop();

 private:
  class Impl;
  std::unique_ptr<Impl> impl_;
};

}  // namespace botrelay::controlplane
