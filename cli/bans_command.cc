// relayctl bans: source-address bans (list, lift, add).

#include <cstdint>
#include <optional>
#include <string>

#include "absl/strings/str_cat.h"
#include "absl/time/time.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace botrelay::cli {
namespace {

using admin::v1::Ban;
using admin::v1::BanOrigin_descriptor;

constexpr std::string_view kOriginPrefix = "BAN_ORIGIN_";

void PrintBanTable(std::ostream& out, const admin::v1::ListBansResponse& response) {
  Table table({"ADDRESS", "ORIGIN", "SINCE", "EXPIRES", "REFUSED", "REASON"});
  for (const Ban& ban : response.bans()) {
    table.AddRow({ban.address(), EnumLabel(BanOrigin_descriptor(), ban.origin(), kOriginPrefix),
                  FormatUnixMs(ban.banned_at_unix_ms()), FormatUnixMs(ban.expires_at_unix_ms()),
                  absl::StrCat(ban.connections_refused()), ban.reason()});
  }
  out << table.Render();
}

void PrintBan(std::ostream& out, const Ban& ban) {
  KeyValueList details;
  details.Add("Address", ban.address());
  details.Add("Origin", EnumLabel(BanOrigin_descriptor(), ban.origin(), kOriginPrefix));
  details.Add("Reason", ban.reason());
  details.Add("Banned at", FormatUnixMs(ban.banned_at_unix_ms()));
  details.Add("Expires at", FormatUnixMs(ban.expires_at_unix_ms()));
  details.Add("Connections refused", absl::StrCat(ban.connections_refused()));
  out << details.Render();
}

int List(Invocation& invocation) {
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::ListBansResponse response;
  grpc::Status status =
      invocation.connection().admin().ListBans(&context, admin::v1::ListBansRequest(), &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    PrintBanTable(invocation.out(), response);
  }
  return kExitOk;
}

int Lift(Invocation& invocation) {
  admin::v1::LiftBanRequest request;
  request.set_address(invocation.args().positionals()[0]);
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::LiftBanResponse response;
  grpc::Status status = invocation.connection().admin().LiftBan(&context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    invocation.out() << request.address() << ": ban lifted\n";
  }
  return kExitOk;
}

int Add(Invocation& invocation) {
  const std::optional<std::string> given = invocation.args().Get("for");
  if (!given) return invocation.UsageError("--for is required");
  const std::string& text = *given;
  absl::Duration duration;
  if (!absl::ParseDuration(text, &duration) || duration < absl::Seconds(1)) {
    return invocation.UsageError(absl::StrCat(
        "invalid --for '", text, "': expected a duration of at least 1s, e.g. 90s, 10m, 2h"));
  }
  admin::v1::AddBanRequest request;
  request.set_address(invocation.args().positionals()[0]);
  request.set_duration_seconds(absl::ToInt64Seconds(duration));
  request.set_reason(invocation.args().GetOr("reason", ""));
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::AddBanResponse response;
  grpc::Status status = invocation.connection().admin().AddBan(&context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    PrintBan(invocation.out(), response.ban());
    invocation.out() << PluralCount(response.connections_closed(), "open connection")
                     << " closed\n";
  }
  return kExitOk;
}

}  // namespace

Command BansCommand() {
  Command list{.name = "list", .summary = "List active bans (the default)", .run = List};
  Command lift{.name = "lift",
               .summary = "Lift the ban of an address",
               .arguments = "ADDRESS",
               .min_arguments = 1,
               .max_arguments = 1,
               .run = Lift};
  Command add{.name = "add",
              .summary = "Ban an address for a while",
              .arguments = "ADDRESS",
              .options = {{.name = "for",
                           .value_name = "DURATION",
                           .help = "how long, e.g. 90s, 10m, 2h (required)"},
                          {.name = "reason",
                           .value_name = "REASON",
                           .help = "recorded with the ban"}},
              .min_arguments = 1,
              .max_arguments = 1,
              .run = Add};
  return {.name = "bans",
          .summary = "Source-address bans: list, lift, add",
          .run = List,
          .subcommands = {std::move(list), std::move(lift), std::move(add)}};
}

}  // namespace botrelay::cli
