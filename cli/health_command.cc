// relayctl health: grpc.health.v1 Check, usable as a liveness probe. The
// exit code is 0 only when the service reports SERVING.

#include <string>

#include "cli/commands.h"
#include "cli/health_check.h"

namespace botrelay::cli {
namespace {

int Health(Invocation& invocation) {
  grpc::ClientContext context;
  invocation.connection().PrepareHealthCheck(&context);
  absl::StatusOr<int> status =
      CheckHealth(invocation.connection().channel(), &context,
                  invocation.args().GetOr("service", ""));
  if (!status.ok()) return invocation.RpcError(status.status());
  const std::string name = ServingStatusName(*status);
  if (invocation.json()) {
    invocation.out() << "{\"status\": \"" << name << "\"}\n";
  } else {
    invocation.out() << name << "\n";
  }
  return *status == static_cast<int>(ServingStatus::kServing) ? kExitOk
                                                              : kExitFailure;
}

}  // namespace

Command HealthCommand() {
  return {.name = "health",
          .summary = "Check relayd's health (exit 0 only when SERVING)",
          .options = {{.name = "service",
                       .value_name = "NAME",
                       .help = "service to check (default: the whole server)"}},
          .run = Health};
}

}  // namespace botrelay::cli
