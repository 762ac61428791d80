// relayctl migrate: move phones to another relayd (they are told to
// reconnect to the target), and follow the migration's progress.

#include <cstdint>
#include <string>
#include <string_view>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/output.h"
#include "cli/watch.h"

namespace botrelay::cli {
namespace {

using admin::v1::MigrationProgress;

struct HostPort {
  std::string host;
  uint32_t port = 0;
};

// "host:port" or "[v6-address]:port".
absl::StatusOr<HostPort> ParseHostPort(std::string_view text) {
  const size_t colon = text.rfind(':');
  auto invalid = [&] {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid --to '", std::string(text), "': expected HOST:PORT"));
  };
  if (colon == std::string_view::npos) return invalid();
  std::string_view host = text.substr(0, colon);
  if (host.starts_with("[") && host.ends_with("]")) {
    host = host.substr(1, host.size() - 2);
  }
  uint32_t port;
  const std::string_view port_text = text.substr(colon + 1);
  if (host.empty() ||
      !absl::SimpleAtoi(absl::string_view(port_text.data(), port_text.size()),
                        &port) ||
      port == 0 || port > 65535) {
    return invalid();
  }
  return HostPort{std::string(host), port};
}

// "BOT/DEVICE"; the device id (an Android ID) never holds a '/', so the
// last one separates.
absl::StatusOr<admin::v1::DeviceKey> ParseDeviceKey(std::string_view text) {
  const size_t slash = text.rfind('/');
  if (slash == std::string_view::npos || slash == 0 ||
      slash + 1 == text.size()) {
    return absl::InvalidArgumentError(absl::StrCat(
        "invalid --device '", std::string(text), "': expected BOT/DEVICE"));
  }
  admin::v1::DeviceKey key;
  key.set_bot_name(std::string(text.substr(0, slash)));
  key.set_device_id(std::string(text.substr(slash + 1)));
  return key;
}

// Fills the selection of request from exactly one of --all, --bot, --device
// and --fraction.
absl::Status SetSelection(const ParsedArgs& args,
                          admin::v1::MigrateRequest* request) {
  const int given = args.Has("all") + args.Has("bot") + args.Has("device") +
                    args.Has("fraction");
  if (given != 1) {
    return absl::InvalidArgumentError(
        "give exactly one of --all, --bot, --device and --fraction");
  }
  if (args.Has("all")) {
    request->set_all(true);
  } else if (std::optional<std::string> bot = args.Get("bot")) {
    request->set_bot_name(*bot);
  } else if (args.Has("device")) {
    for (const std::string& text : args.GetAll("device")) {
      absl::StatusOr<admin::v1::DeviceKey> key = ParseDeviceKey(text);
      if (!key.ok()) return key.status();
      *request->add_devices() = *std::move(key);
    }
  } else {
    const double fraction = *args.GetDouble("fraction");
    if (!(fraction > 0 && fraction <= 1)) {
      return absl::InvalidArgumentError("--fraction must be in (0, 1]");
    }
    request->set_fraction(fraction);
  }
  return absl::OkStatus();
}

std::string ProgressLine(const MigrationProgress& p) {
  return absl::StrCat("migration ", p.migration_id(), " to ", p.target(), ": ",
                      p.selected(), " selected, ", p.notified(), " notified, ",
                      p.closed(), " closed, ", p.remaining(), " remaining",
                      p.done() ? " (done)" : "");
}

int Watch(Invocation& invocation, const std::string& migration_id) {
  admin::v1::GetMigrationRequest request;
  request.set_migration_id(migration_id);
  grpc::ClientContext context;
  invocation.connection().PrepareWatch(&context);
  auto reader = invocation.connection().admin().WatchMigration(&context, request);
  return PrintProgressStream<MigrationProgress>(invocation, *reader,
                                                ProgressLine);
}

int Migrate(Invocation& invocation) {
  const ParsedArgs& args = invocation.args();
  std::optional<std::string> to = args.Get("to");
  if (!to) return invocation.UsageError("--to is required");
  absl::StatusOr<HostPort> target = ParseHostPort(*to);
  if (!target.ok()) {
    return invocation.UsageError(std::string(target.status().message()));
  }
  admin::v1::MigrateRequest request;
  request.set_target_host(target->host);
  request.set_target_port(target->port);
  if (absl::Status s = SetSelection(args, &request); !s.ok()) {
    return invocation.UsageError(std::string(s.message()));
  }
  request.set_connections_per_second(args.GetDouble("rate").value_or(0));
  request.set_migrate_after_seconds(args.GetInt32("after").value_or(0));

  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::MigrateResponse response;
  grpc::Status status =
      invocation.connection().admin().Migrate(&context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (args.Has("watch")) {
    return Watch(invocation, response.progress().migration_id());
  }
  return PrintProgressOnce(invocation, response, ProgressLine(response.progress()));
}

int Status(Invocation& invocation) {
  const std::vector<std::string>& positionals = invocation.args().positionals();
  const std::string id = positionals.empty() ? "" : positionals[0];
  if (invocation.args().Has("watch")) return Watch(invocation, id);
  admin::v1::GetMigrationRequest request;
  request.set_migration_id(id);
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  MigrationProgress progress;
  grpc::Status status = invocation.connection().admin().GetMigration(
      &context, request, &progress);
  if (!status.ok()) return invocation.RpcError(status);
  return PrintProgressOnce(invocation, progress, ProgressLine(progress));
}

OptionSpec WatchOption() {
  return {.name = "watch",
          .type = ValueType::kSwitch,
          .help = "print a line per progress update until the migration is done"};
}

}  // namespace

Command MigrateCommand() {
  Command status{.name = "status",
                 .summary = "Show a migration's progress (default: the latest)",
                 .arguments = "[ID]",
                 .options = {WatchOption()},
                 .max_arguments = 1,
                 .run = Status};
  return {
      .name = "migrate",
      .summary = "Move phones to another relayd",
      .options =
          {{.name = "to",
            .value_name = "HOST:PORT",
            .help = "the relayd the phones reconnect to (required)"},
           {.name = "all", .type = ValueType::kSwitch, .help = "every connection"},
           {.name = "bot", .value_name = "BOT", .help = "every connection of a bot"},
           {.name = "device",
            .value_name = "BOT/DEVICE",
            .help = "these devices; several may follow",
            .multi_value = true},
           {.name = "fraction",
            .type = ValueType::kDouble,
            .value_name = "F",
            .help = "this fraction (0 < F <= 1) of all connections"},
           {.name = "rate",
            .type = ValueType::kDouble,
            .value_name = "N",
            .help = "connections told per second (default 100)"},
           {.name = "after",
            .type = ValueType::kInt32,
            .value_name = "SECONDS",
            .help = "delay before the phones move (default 5)"},
           WatchOption()},
      .run = Migrate,
      .subcommands = {std::move(status)}};
}

}  // namespace botrelay::cli
