// relayctl drain: tell every phone to leave and reconnect later, and follow
// the drain's progress.

#include <algorithm>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/clock.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/watch.h"

namespace botrelay::cli {
namespace {

using admin::v1::DrainProgress;

std::string ProgressLine(const DrainProgress& p) {
  if (p.done()) {
    return absl::StrCat("drain done: ", p.connections_remaining(), "/",
                        p.connections_total(), " connections remaining");
  }
  if (!p.draining()) return "not draining";
  const int64_t seconds_left = std::max<int64_t>(
      0, (p.deadline_unix_ms() - absl::ToUnixMillis(absl::Now()) + 999) / 1000);
  return absl::StrCat("draining: ", p.connections_remaining(), "/",
                      p.connections_total(), " connections remaining, ",
                      p.messages_in_flight(), " messages in flight, deadline in ",
                      seconds_left, "s");
}

int Watch(Invocation& invocation) {
  grpc::ClientContext context;
  invocation.connection().PrepareWatch(&context);
  auto reader = invocation.connection().admin().WatchDrain(
      &context, admin::v1::GetDrainProgressRequest());
  return PrintProgressStream<DrainProgress>(invocation, *reader, ProgressLine);
}

int Drain(Invocation& invocation) {
  const ParsedArgs& args = invocation.args();
  admin::v1::DrainRequest request;
  request.set_reason(args.GetOr("reason", ""));
  request.set_deadline_seconds(args.GetInt32("deadline").value_or(0));
  request.set_reconnect_spread_seconds(args.GetInt32("spread").value_or(0));
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::DrainResponse response;
  grpc::Status status =
      invocation.connection().admin().Drain(&context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (args.Has("watch")) return Watch(invocation);
  return PrintProgressOnce(invocation, response, ProgressLine(response.progress()));
}

int Status(Invocation& invocation) {
  if (invocation.args().Has("watch")) return Watch(invocation);
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  DrainProgress progress;
  grpc::Status status = invocation.connection().admin().GetDrainProgress(
      &context, admin::v1::GetDrainProgressRequest(), &progress);
  if (!status.ok()) return invocation.RpcError(status);
  return PrintProgressOnce(invocation, progress, ProgressLine(progress));
}

OptionSpec WatchOption() {
  return {.name = "watch",
          .type = ValueType::kSwitch,
          .help = "print a line per progress update until the drain is done"};
}

}  // namespace

Command DrainCommand() {
  Command status{.name = "status",
                 .summary = "Show the progress of the drain",
                 .options = {WatchOption()},
                 .run = Status};
  return {
      .name = "drain",
      .summary =
          "Drain relayd: tell every phone to leave and reconnect after a spread delay",
      .options = {{.name = "reason",
                   .value_name = "REASON",
                   .help = "sent to the phones in serverShutdown"},
                  {.name = "deadline",
                   .type = ValueType::kInt32,
                   .value_name = "SECONDS",
                   .help = "close what is left after this long (default: configured)"},
                  {.name = "spread",
                   .type = ValueType::kInt32,
                   .value_name = "SECONDS",
                   .help = "spread of the reconnect delay among bots (default: configured)"},
                  WatchOption()},
      .run = Drain,
      .subcommands = {std::move(status)}};
}

}  // namespace botrelay::cli
