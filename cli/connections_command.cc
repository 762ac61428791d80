// relayctl connections: the live phone connections (list, get, kick).

#include <cstdint>
#include <string>

#include "absl/status/statusor.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "cli/commands.h"
#include "cli/output.h"

namespace botrelay::cli {
namespace {

using admin::v1::ClientGeneration;
using admin::v1::Connection;
using admin::v1::ConnectionState_descriptor;

constexpr std::string_view kStatePrefix = "CONNECTION_STATE_";

std::string StateLabel(int state) {
  return EnumLabel(ConnectionState_descriptor(), state, kStatePrefix);
}

std::string GenerationLabel(ClientGeneration generation) {
  switch (generation) {
    case admin::v1::CLIENT_GENERATION_V32:
      return "v3.2";
    case admin::v1::CLIENT_GENERATION_V33:
      return "v3.3";
    default:
      return "-";
  }
}

std::string RttText(const admin::v1::RttStats& rtt) {
  return rtt.samples() == 0 ? "-" : FormatNumber(rtt.avg_ms());
}

void PrintConnectionTable(std::ostream& out,
                          const admin::v1::ListConnectionsResponse& response) {
  Table table({"ID", "BOT", "DEVICE", "STATE", "GEN", "PEER", "SINCE",
               "RTT_MS", "IN/OUT MSGS", "QUEUE"});
  for (const Connection& c : response.connections()) {
    table.AddRow({absl::StrCat(c.id()), c.bot_name(), c.device_id(),
                  StateLabel(c.state()), GenerationLabel(c.generation()),
                  c.peer_address(), FormatUnixMs(c.connected_since_unix_ms()),
                  RttText(c.rtt()),
                  absl::StrCat(c.messages_in(), "/", c.messages_out()),
                  absl::StrCat(c.queue_depth())});
  }
  out << table.Render();
}

void PrintConnectionDetails(std::ostream& out, const Connection& c) {
  KeyValueList details;
  details.Add("ID", absl::StrCat(c.id()));
  details.Add("Bot", c.bot_name());
  details.Add("Device", c.device_id());
  details.Add("State", StateLabel(c.state()));
  details.Add("Peer", c.peer_address());
  details.Add("Client", absl::StrCat(GenerationLabel(c.generation()), " ",
                                     c.client_version()));
  details.Add("Connected since", FormatUnixMs(c.connected_since_unix_ms()));
  details.Add("Last activity", FormatUnixMs(c.last_activity_unix_ms()));
  const admin::v1::RttStats& rtt = c.rtt();
  details.Add("RTT ms (last/avg/min/max)",
              rtt.samples() == 0
                  ? "-"
                  : absl::StrCat(FormatNumber(rtt.last_ms()), " / ",
                                 FormatNumber(rtt.avg_ms()), " / ",
                                 FormatNumber(rtt.min_ms()), " / ",
                                 FormatNumber(rtt.max_ms()), " (",
                                 rtt.samples(), " samples)"));
  details.Add("Bytes in/out", absl::StrCat(c.bytes_in(), " / ", c.bytes_out()));
  details.Add("Messages in/out",
              absl::StrCat(c.messages_in(), " / ", c.messages_out()));
  details.Add("Queue depth", absl::StrCat(c.queue_depth()));
  details.Add("Outbound buffered bytes",
              absl::StrCat(c.outbound_buffered_bytes()));
  if (c.has_monitoring()) {
    const admin::v1::ClientMonitoring& m = c.monitoring();
    details.Add("Client memory MB (used/total)",
                absl::StrCat(FormatNumber(m.memory_usage_mb()), " / ",
                             FormatNumber(m.total_memory_mb()), " (",
                             FormatNumber(m.memory_percent()), "%)"));
    details.Add("Client message queue", absl::StrCat(m.message_queue_size()));
    details.Add("Client active rooms", absl::StrCat(m.active_rooms()));
  }
  out << details.Render();
}

int List(Invocation& invocation) {
  const ParsedArgs& args = invocation.args();
  admin::v1::ListConnectionsRequest request;
  request.set_bot_name(args.GetOr("bot", ""));
  request.set_device_id(args.GetOr("device", ""));
  if (std::optional<std::string> state = args.Get("state")) {
    int value;
    if (!ParseEnumLabel(ConnectionState_descriptor(), *state, kStatePrefix,
                        &value)) {
      return invocation.UsageError(absl::StrCat(
          "invalid --state '", *state, "': expected one of ",
          EnumLabels(ConnectionState_descriptor(), kStatePrefix)));
    }
    request.set_state(static_cast<admin::v1::ConnectionState>(value));
  }
  request.set_limit(args.GetInt32("limit").value_or(0));

  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::ListConnectionsResponse response;
  grpc::Status status = invocation.connection().admin().ListConnections(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
    return kExitOk;
  }
  PrintConnectionTable(invocation.out(), response);
  const auto shown = static_cast<uint32_t>(response.connections_size());
  if (response.total_matching() > shown) {
    invocation.err() << "showing " << shown << " of "
                     << response.total_matching()
                     << " matching connections (raise --limit)\n";
  }
  return kExitOk;
}

absl::StatusOr<uint64_t> ConnectionId(const Invocation& invocation) {
  const std::string& text = invocation.args().positionals()[0];
  uint64_t id;
  if (!absl::SimpleAtoi(text, &id)) {
    return absl::InvalidArgumentError(
        absl::StrCat("invalid connection ID '", text, "': expected a number"));
  }
  return id;
}

int Get(Invocation& invocation) {
  absl::StatusOr<uint64_t> id = ConnectionId(invocation);
  if (!id.ok()) return invocation.UsageError(std::string(id.status().message()));
  admin::v1::GetConnectionRequest request;
  request.set_id(*id);
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  Connection response;
  grpc::Status status = invocation.connection().admin().GetConnection(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    PrintConnectionDetails(invocation.out(), response);
  }
  return kExitOk;
}

int Kick(Invocation& invocation) {
  absl::StatusOr<uint64_t> id = ConnectionId(invocation);
  if (!id.ok()) return invocation.UsageError(std::string(id.status().message()));
  admin::v1::DisconnectRequest request;
  request.set_id(*id);
  request.set_reason(invocation.args().GetOr("reason", ""));
  grpc::ClientContext context;
  invocation.connection().PrepareCall(&context);
  admin::v1::DisconnectResponse response;
  grpc::Status status = invocation.connection().admin().Disconnect(
      &context, request, &response);
  if (!status.ok()) return invocation.RpcError(status);
  if (invocation.json()) {
    PrintJson(invocation.out(), response);
  } else {
    invocation.out() << "connection " << *id << ": disconnected\n";
  }
  return kExitOk;
}

}  // namespace

Command ConnectionsCommand() {
  Command list{
      .name = "list",
      .summary = "List live connections",
      .options = {{.name = "bot", .value_name = "BOT", .help = "only this bot"},
                  {.name = "device",
                   .value_name = "DEVICE",
                   .help = "only this device"},
                  {.name = "state",
                   .value_name = "STATE",
                   .help = absl::StrCat(
                       "only connections in this state: ",
                       EnumLabels(ConnectionState_descriptor(), kStatePrefix))},
                  {.name = "limit",
                   .type = ValueType::kInt32,
                   .value_name = "N",
                   .help = "at most N connections (server default 1000)"}},
      .run = List};
  Command get{.name = "get",
              .summary = "Show one connection in detail",
              .arguments = "ID",
              .min_arguments = 1,
              .max_arguments = 1,
              .run = Get};
  Command kick{.name = "kick",
               .summary = "Disconnect a connection",
               .arguments = "ID",
               .options = {{.name = "reason",
                            .value_name = "REASON",
                            .help = "sent to the phone in the error event"}},
               .min_arguments = 1,
               .max_arguments = 1,
               .run = Kick};
  return {.name = "connections",
          .summary = "Inspect and close live phone connections",
          .subcommands = {std::move(list), std::move(get), std::move(kick)}};
}

}  // namespace botrelay::cli
