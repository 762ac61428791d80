// relayctl devices: the device registry (list, get, approve, block, revoke,
// deny, delete).

#include <pwd.h>
#include <unistd.h>

#include <cstdlib>
#include <string>
#include <utility>

#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace botrelay::cli {
namespace {

using admin::v1::DeviceStatus;
using admin::v1::DeviceStatus_descriptor;

constexpr std::string_view kStatusPrefix = "DEVICE_STATUS_";

std::string StatusLabel(int status) {
  return EnumLabel(DeviceStatus_descriptor(), status, kStatusPrefix);
}

// The actor recorded in the device history: the admin's login name.
std::string CurrentUser() {
  if (const char* user = std::getenv("USER"); user != nullptr && *user != '\0') {
    return user;
  }
  if (const passwd* entry = getpwuid(geteuid()); entry != nullptr) {
    return entry->pw_name;
  }
  return "";
}

admin::v1::DeviceKey KeyFrom(const Invocation& invocation) {
  admin::v1::DeviceKey key;
  key.set_bot_name(invocation.args().positionals()[0]);
  key.set_device_id(invocation.args().positionals()[1]);
  return key;
}

std::string KeyText(const admin::v1::DeviceKey& key) {
  return absl::StrCat(key.bot_name(), "/", key.device_id());
}

void PrintDeviceTable(std::ostream& out,
                      const admin::v1::ListDevicesResponse& response) {
  Table table({"BOT", "DEVICE", "STATUS", "VERSION", "LAST_IP", "LAST_SEEN"});
  for (const admin::v1::Device& d : response.devices()) {
    table.AddRow({d.bot_name(), d.device_id(), StatusLabel(d.status()),
                  d.client_version(), d.last_ip(),
                  FormatUnixMs(d.last_seen_unix_ms())});
  }
  out << table.Render();
}

int List(Invocation& invocation) {
  const ParsedArgs& args = invocation.args();
  admin::v1::ListDevicesRequest request;
  request.set_bot_name(args.GetOr("bot", ""));
  if (std::optional<std::string> status = args.Get("status")) {
    int value;
    if (!ParseEnumLabel(DeviceStatus_descriptor(), *status, kStatusPrefix,
                        &value)) {
      return invocation.UsageError(absl::StrCat(
          "invalid --status '", *status, "': expected one of ",
          EnumLabels(DeviceStatus_descriptor(), kStatusPrefix)));
    }
    request.set_status(static_cast<DeviceStatus>(value));
  }
  request.set_page_size(args.GetInt32("page-size").value_or(0));
  request.set_page_token(args.GetOr("page-token", ""));
  const bool all_pages = args.Has("all-pages");

  admin::v1::ListDevicesResponse listing;
  while (true) {
    grpc::ClientContext context;
    invocation.connection().PrepareCall(&context);
    admin::v1::ListDevicesResponse page;
    grpc::Status status =
        invocation.connection().admin().ListDevices(&context, request, &page);
    if (!status.ok()) return invocation.RpcError(status);
    for (admin::v1::Device& device : *page.mutable_devices()) {
      *listing.add_devices() = std::move(device);
    }
    listing.set_next_page_token(page.next_page_token());
    if (!all_pages || page.next_page_token().empty()) break;
    if (page.next_page_token() == request.page_token()) {
      // A server that hands back the token it was given would loop forever.
      return invocation.RpcError(grpc::Status(
          grpc::StatusCode::INTERNAL, "server repeated the same page token"));
    }
    request.set_page_token(page.next_page_token());
  }

  if (invocation.json()) {
    PrintJson(invocation.out(), listing);
    return kExitOk;
  }
  PrintDeviceTable(invocation.out(), listing);
  if (!listing.next_page_token().empty()) {
    invocation.err() << "more devices: --page-token "
                     << listing.next_page_token() << " (or --all-pages)\n";
  }
  return kExitOk;
}

void PrintDeviceDetails(std::ostream& out,
                        const admin::v1::GetDeviceResponse& response) {
  const admin::v1::Device& d = response.device();
  KeyValueList details;
  details.Add("Bot", d.bot_name());
  details.Add("Device", d.device_id());
  details.Add("Status", StatusLabel(d.status()));
  details.Add("Status reason", d.status_reason());
  details.Add("Connected", response.connected() ? "yes" : "no");
  details.Add("Client", absl::StrCat(d.client_type(), " ", d.client_version()));
  details.Add("Last IP", d.last_ip());
  details.Add("Device IP", d.device_ip());
  details.Add("Max message size", d.max_message_size() == 0
                                      ? "server default"
                                      : absl::StrCat(d.max_message_size()));
  details.Add("Created", FormatUnixMs(d.created_at_unix_ms()));
  details.Add("Updated", FormatUnixMs(d.updated_at_unix_ms()));
  details.Add("Last seen", FormatUnixMs(d.last_seen_unix_ms()));
  out << details.Render();

  out << "\nHistory (newest first):\n";
  Table history({"AT", "ACTOR", "ACTION", "FROM", "TO", "REASON"});
  for (const admin::v1::DeviceHistoryEntry& e : response.history()) {
    history.AddRow({FormatUnixMs(e.at_unix_ms()), e.actor(), e.action(),
                    StatusLabel(e.old_status()), StatusLabel(e.new_status()),
                    e.reason()});
  }
  out << history.Render();

  out << "\nPings (newest first):\n";
  Table pings({"AT", "RTT_MS", "MEM_MB", "MEM_USED_MB", "MEM_%", "QUEUE",
               "ROOMS"});
  for (const admin::v1::PingRecord& p : response.pings()) {
    pings.AddRow({FormatUnixMs(p.at_unix_ms()), FormatNumber(p.rtt_ms()),
                  FormatNumber(p.client_total_memory_mb()),
                  FormatNumber(p.client_memory_usage_mb()),
                  FormatNumber(p.client_memory_percent()),
                  absl::StrCat(p.client_message_queue_size()),
                  absl::StrCat(p.client_active_rooms())});
  }
  out << pings.Render();
}

int Get(Invocation& invocation) {
  admin::v1::GetDeviceRequest request;
  *request.mutable_key() = KeyFrom(invocation);
  request.set_history_limit(invocation.args().GetInt32("history").value_or(0));
  request.set_ping_limit(invocation.args().GetInt32("pings").value_or(0));
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::GetDeviceResponse response;
  grpc::Status status =
      invocation.connection().admin().GetDevice(&context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    PrintDeviceDetails(invocation.out(), response);
  }
  return kExitOk;
}

int SetStatus(Invocation& invocation, DeviceStatus new_status) {
  admin::v1::SetDeviceStatusRequest request;
  *request.mutable_key() = KeyFrom(invocation);
  request.set_status(new_status);
  request.set_reason(invocation.args().GetOr("reason", ""));
  request.set_actor(CurrentUser());
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::SetDeviceStatusResponse response;
  grpc::Status status = invocation.connection().admin().SetDeviceStatus(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    invocation.out() << KeyText(request.key()) << ": "
                     << StatusLabel(response.device().status()) << " ("
                     << PluralCount(response.connections_affected(),
                                    "live connection")
                     << " affected)\n";
  }
  return kExitOk;
}

int Delete(Invocation& invocation) {
  admin::v1::DeleteDeviceRequest request;
  *request.mutable_key() = KeyFrom(invocation);
  request.set_reason(invocation.args().GetOr("reason", ""));
  request.set_actor(CurrentUser());
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::DeleteDeviceResponse response;
  grpc::Status status = invocation.connection().admin().DeleteDevice(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    invocation.out() << KeyText(request.key()) << ": deleted ("
                     << PluralCount(response.connections_closed(), "connection")
                     << " closed)\n";
  }
  return kExitOk;
}

OptionSpec ReasonOption() {
  return {.name = "reason",
          .value_name = "REASON",
          .help = "why; recorded in the device history"};
}

Command SetStatusCommand(std::string name, DeviceStatus status,
                         std::string summary) {
  return {.name = std::move(name),
          .summary = std::move(summary),
          .arguments = "BOT DEVICE",
          .options = {ReasonOption()},
          .min_arguments = 2,
          .max_arguments = 2,
          .run = [status](Invocation& inv) { return SetStatus(inv, status); }};
}

}  // namespace

Command DevicesCommand() {
  Command list{
      .name = "list",
      .summary = "List registered devices",
      .options =
          {{.name = "bot", .value_name = "BOT", .help = "only this bot's devices"},
           {.name = "status",
            .value_name = "STATUS",
            .help = absl::StrCat("only devices in this status: ",
                                 EnumLabels(DeviceStatus_descriptor(),
                                            kStatusPrefix))},
           {.name = "page-size",
            .type = ValueType::kInt32,
            .value_name = "N",
            .help = "devices per page (server default 100, maximum 1000)"},
           {.name = "page-token",
            .value_name = "TOKEN",
            .help = "continue a listing where the previous page ended"},
           {.name = "all-pages",
            .type = ValueType::kSwitch,
            .help = "fetch every page"}},
      .run = List};
  Command get{
      .name = "get",
      .summary = "Show a device with its history and recent pings",
      .arguments = "BOT DEVICE",
      .options = {{.name = "history",
                   .type = ValueType::kInt32,
                   .value_name = "N",
                   .help = "history entries to show (server default 20)"},
                  {.name = "pings",
                   .type = ValueType::kInt32,
                   .value_name = "N",
                   .help = "ping records to show (server default 20)"}},
      .min_arguments = 2,
      .max_arguments = 2,
      .run = Get};
  Command remove{.name = "delete",
                 .summary = "Remove a device from the registry and close its connection",
                 .arguments = "BOT DEVICE",
                 .options = {ReasonOption()},
                 .min_arguments = 2,
                 .max_arguments = 2,
                 .run = Delete};
  return {
      .name = "devices",
      .summary = "Manage the device registry",
      .subcommands = {
          std::move(list), std::move(get),
          SetStatusCommand("approve", admin::v1::DEVICE_STATUS_APPROVED,
                           "Approve a device so relayd serves it"),
          SetStatusCommand("block", admin::v1::DEVICE_STATUS_BLOCKED,
                           "Block a device (a stolen or abusive phone)"),
          SetStatusCommand("revoke", admin::v1::DEVICE_STATUS_REVOKED,
                           "Withdraw a device's approval"),
          SetStatusCommand("deny", admin::v1::DEVICE_STATUS_DENIED,
                           "Refuse a pending device"),
          std::move(remove)}};
}

}  // namespace botrelay::cli
