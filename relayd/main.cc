// relayd: the botrelay server. Wires the device registry, the data plane and
// the control plane together and runs the process lifecycle:
//   load config -> open store -> start bot port -> start admin/metrics ports
//   -> write the ready file -> wait for a signal or a Drain RPC -> drain ->
//   stop -> flush the store -> exit 0.
//
// Signals are taken synchronously with sigtimedwait on the main thread (they
// are blocked everywhere else), so no handler runs in async-signal context.

#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "absl/strings/str_format.h"
#include "controlplane/control_plane.h"
#include "dataplane/log/logger.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/net/relay_server.h"
#include "dataplane/processing/client_info_processor.h"
#include "dataplane/processing/echo_processor.h"
#include "dataplane/store/sqlite_device_registry.h"
#include "dataplane/upstream/upstream_processor.h"
#include "relayd/relayd_config.h"

namespace {

using namespace botrelay;

// Exit codes: 0 stopped after a drain, 1 runtime failure at start-up, 2 bad
// configuration, 3 the store file is corrupt or not a database.
constexpr int kExitStoreCorrupt = 3;

bool WriteReadyFile(const std::string& path, const std::string& json) {
  // Atomic: readers never see a half-written file.
  std::string tmp = path + ".tmp";
  {
    std::ofstream out(tmp, std::ios::trunc);
    if (!out) return false;
    out << json << "\n";
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

// Every bot is a descriptor: take the hard limit so max-connections, not a
// login shell's soft default of 1024, decides how many phones fit.
void RaiseDescriptorLimit(size_t max_connections) {
  rlimit limit{};
  if (getrlimit(RLIMIT_NOFILE, &limit) != 0) return;
  if (limit.rlim_cur < limit.rlim_max) {
    limit.rlim_cur = limit.rlim_max;
    setrlimit(RLIMIT_NOFILE, &limit);
  }
  // Listeners, the store, gRPC and metrics need a few dozen more.
  if (limit.rlim_cur != RLIM_INFINITY && limit.rlim_cur < max_connections + 64) {
    RELAY_LOG(kWarn,
              "open-file limit %d is below max-connections %d: connections beyond it will fail "
              "at accept; raise the hard limit (ulimit -Hn, LimitNOFILE=)",
              static_cast<uint64_t>(limit.rlim_cur), max_connections);
  }
}

// "127.0.0.1:0" + bound port 41234 -> "127.0.0.1:41234".
std::string WithPort(const std::string& address, uint16_t port) {
  return absl::StrFormat("%s:%d", address.substr(0, address.rfind(':')), port);
}

int Run(int argc, char** argv) {
  absl::StatusOr<relayd::RelaydConfig> config = relayd::LoadConfig(argc, argv);
  if (!config.ok()) {
    if (absl::IsCancelled(config.status())) {
      std::printf("usage: relayd [options]\n\n%s", std::string(config.status().message()).c_str());
      return 0;
    }
    std::fprintf(stderr, "relayd: %s\n", std::string(config.status().message()).c_str());
    return 2;
  }
  log::Level level;
  if (!log::ParseLevel(config->log_level, &level)) {
    std::fprintf(stderr, "relayd: log-level must be debug, info, warn or error\n");
    return 2;
  }
  log::SetLevel(level);

  // Block the shutdown signals before any thread starts so every thread
  // inherits the mask and only the main loop below ever sees them.
  sigset_t signals;
  sigemptyset(&signals);
  sigaddset(&signals, SIGTERM);
  sigaddset(&signals, SIGINT);
  pthread_sigmask(SIG_BLOCK, &signals, nullptr);
  signal(SIGPIPE, SIG_IGN);

  RaiseDescriptorLimit(config->relay.max_connections);
  auto registry = store::OpenSqliteDeviceRegistry(config->store);
  if (!registry.ok()) {
    if (absl::IsDataLoss(registry.status())) {
      // Restarting cannot help and writing could make it worse: stop with a
      // code of its own so a service manager can stop retrying.
      RELAY_LOG(kError,
                "device store %s is corrupt, not starting on it: %s. Stop here, keep a copy of "
                "the files, recover or restore the store (docs/operations.md, Store failures)",
                config->store.path, std::string(registry.status().message()));
      return kExitStoreCorrupt;
    }
    RELAY_LOG(kError, "cannot open device store %s: %s", config->store.path,
              std::string(registry.status().message()));
    return 1;
  }
  RELAY_LOG(kInfo, "device store %s opened", config->store.path);

  metrics::Registry metrics_registry;
  processing::ProcessorChain processors;
  processors.Add(std::make_unique<processing::EchoProcessor>());
  processors.Add(std::make_unique<processing::ClientInfoProcessor>());
  // Last: the backend gets what no built-in command took.
  if (!config->upstream.url.empty()) {
    auto upstream = upstream::UpstreamProcessor::Create(config->upstream, metrics_registry);
    if (!upstream.ok()) {
      RELAY_LOG(kError, "upstream: %s", std::string(upstream.status().message()));
      return 2;
    }
    processors.Add(*std::move(upstream));
  }

  net::RelayServer relay(config->relay, **registry, metrics_registry, processors);
  auto bot_endpoint = relay.Start();
  if (!bot_endpoint.ok()) {
    RELAY_LOG(kError, "%s", std::string(bot_endpoint.status().message()));
    return 1;
  }

  controlplane::ControlPlaneSettings cp_settings;
  cp_settings.admin_address = config->admin_address;
  cp_settings.metrics_address = config->metrics_address;
  cp_settings.admin_token = config->admin_token;
  controlplane::ControlPlane control(relay, cp_settings);
  if (absl::Status started = control.Start(); !started.ok()) {
    RELAY_LOG(kError, "control plane: %s", std::string(started.message()));
    relay.Stop();
    return 1;
  }

  std::string bot = absl::StrFormat("%s:%d", bot_endpoint->address().to_string(),
                                    bot_endpoint->port());
  std::string admin = WithPort(config->admin_address, control.admin_port());
  std::string metrics_addr = WithPort(config->metrics_address, control.metrics_port());
  RELAY_LOG(kInfo, "relayd ready: bots %s, admin gRPC %s, metrics http://%s/metrics", bot, admin,
            metrics_addr);
  if (!config->ready_file.empty() &&
      !WriteReadyFile(config->ready_file,
                      absl::StrFormat(R"({"bot":"%s","admin":"%s","metrics":"%s","pid":%d})", bot,
                                      admin, metrics_addr, getpid()))) {
    RELAY_LOG(kError, "cannot write ready file %s", config->ready_file);
  }

  // Main loop: a signal or a Drain RPC starts the drain; the drain's end
  // (or a second signal) ends the process.
  while (true) {
    timespec wait{0, 100'000'000};
    int sig = sigtimedwait(&signals, nullptr, &wait);
    if (sig == SIGTERM || sig == SIGINT) {
      if (relay.GetDrainProgress().draining) {
        RELAY_LOG(kWarn, "second signal: stopping without waiting for the drain");
        break;
      }
      RELAY_LOG(kInfo, "signal %d: draining", sig);
      dataplane::DrainOptions options;
      options.reason = sig == SIGTERM ? "server shutdown (SIGTERM)" : "server shutdown (SIGINT)";
      relay.StartDrain(options);
      control.RefreshHealth();
    }
    dataplane::DrainProgress progress = relay.GetDrainProgress();
    if (progress.draining && progress.done) break;
  }
  // Short: idle admin channels would otherwise hold the shutdown to its deadline.
  control.Shutdown(std::chrono::system_clock::now() + std::chrono::milliseconds(500));
  relay.Stop();
  if (absl::Status flushed = (*registry)->Flush(); !flushed.ok()) {
    RELAY_LOG(kError, "store flush failed at exit: %s", std::string(flushed.message()));
  }
  if (!config->ready_file.empty()) std::remove(config->ready_file.c_str());
  RELAY_LOG(kInfo, "relayd stopped");
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return Run(argc, argv); }
