#include "cli/command.h"

#include <algorithm>
#include <ostream>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace botrelay::cli {
namespace {

std::string CommandPath(std::span<const Command* const> path) {
  std::vector<std::string> names;
  for (const Command* command : path) names.push_back(command->name);
  return absl::StrJoin(names, " ");
}

std::string FlagSynopsis(const OptionSpec& spec) {
  std::string text = spec.short_name != 0
                         ? absl::StrCat("-", std::string(1, spec.short_name),
                                        ", --", spec.name)
                         : absl::StrCat("    --", spec.name);
  if (spec.type != ValueType::kSwitch) absl::StrAppend(&text, " ", spec.value_name);
  if (spec.repeatable || spec.multi_value) absl::StrAppend(&text, " ...");
  return text;
}

size_t SynopsisWidth(std::span<const OptionSpec> specs) {
  size_t width = 0;
  for (const OptionSpec& spec : specs) {
    width = std::max(width, FlagSynopsis(spec).size());
  }
  return width;
}

void AppendFlags(std::string* out, std::string_view title,
                 std::span<const OptionSpec> specs, size_t width) {
  if (specs.empty()) return;
  absl::StrAppend(out, "\n", std::string(title), ":\n");
  for (const OptionSpec& spec : specs) {
    std::string synopsis = FlagSynopsis(spec);
    synopsis.resize(width, ' ');
    absl::StrAppend(out, "  ", synopsis, "   ", spec.help, "\n");
  }
}

void AppendCommands(std::string* out, const Command& command) {
  if (command.subcommands.empty()) return;
  size_t width = 0;
  for (const Command& sub : command.subcommands) {
    width = std::max(width, sub.name.size());
  }
  absl::StrAppend(out, "\nCommands:\n");
  for (const Command& sub : command.subcommands) {
    std::string name = sub.name;
    name.resize(width, ' ');
    absl::StrAppend(out, "  ", name, "   ", sub.summary, "\n");
  }
}

int ReportUsageError(std::span<const Command* const> path,
                     std::string_view message, std::ostream& err) {
  err << "relayctl: " << message << "\n\n" << Usage(path);
  return kExitUsage;
}

bool IsHelpWord(std::string_view word) {
  return word == "-h" || word == "--help";
}

const Command* FindSubcommand(const Command& command, std::string_view name) {
  for (const Command& sub : command.subcommands) {
    if (sub.name == name) return &sub;
  }
  return nullptr;
}

// Checks the positional arguments left after the flags were parsed.
absl::Status CheckArguments(const Command& command,
                            std::span<const Command* const> path,
                            const std::vector<std::string>& positionals) {
  if (command.run == nullptr) {
    if (positionals.empty()) {
      return absl::InvalidArgumentError(
          absl::StrCat("'", CommandPath(path), "' needs a command"));
    }
    return absl::InvalidArgumentError(absl::StrCat(
        "unknown command '", positionals[0], "' for '", CommandPath(path), "'"));
  }
  if (positionals.size() > command.max_arguments) {
    const std::string& extra = positionals[command.max_arguments];
    if (command.max_arguments == 0 && !command.subcommands.empty()) {
      return absl::InvalidArgumentError(absl::StrCat(
          "unknown command '", extra, "' for '", CommandPath(path), "'"));
    }
    return absl::InvalidArgumentError(
        absl::StrCat("unexpected argument '", extra, "'"));
  }
  if (positionals.size() < command.min_arguments) {
    return absl::InvalidArgumentError(
        absl::StrCat("'", CommandPath(path), "' needs ", command.arguments));
  }
  return absl::OkStatus();
}

}  // namespace

Invocation::Invocation(std::vector<const Command*> path, ParsedArgs args,
                       GlobalOptions globals, std::ostream& out,
                       std::ostream& err)
    : path_(std::move(path)),
      args_(std::move(args)),
      globals_(std::move(globals)),
      out_(out),
      err_(err) {}

AdminConnection& Invocation::connection() {
  if (connection_ == nullptr) {
    connection_ = std::make_unique<AdminConnection>(globals_.client);
  }
  return *connection_;
}

int Invocation::UsageError(std::string_view message) {
  return ReportUsageError(path_, message, err_);
}

int Invocation::RpcError(const grpc::Status& status) {
  // gRPC and Abseil share the numbering of status codes.
  return RpcError(absl::Status(static_cast<absl::StatusCode>(status.error_code()),
                               status.error_message()));
}

int Invocation::RpcError(const absl::Status& status) {
  err_ << "relayctl: " << absl::StatusCodeToString(status.code()) << ": "
       << status.message() << "\n";
  return kExitFailure;
}

std::string Usage(std::span<const Command* const> path) {
  const Command& command = *path.back();
  const std::string name = CommandPath(path);
  std::string out = "Usage:\n";
  if (command.run != nullptr) {
    absl::StrAppend(&out, "  ", name,
                    command.arguments.empty() ? "" : " ", command.arguments,
                    " [flags]\n");
  }
  if (!command.subcommands.empty()) {
    absl::StrAppend(&out, "  ", name, " COMMAND [flags]\n");
  }
  if (!command.summary.empty()) absl::StrAppend(&out, "\n", command.summary, "\n");
  AppendCommands(&out, command);
  // One width for both lists so their help texts line up.
  const size_t width = std::max(SynopsisWidth(command.options),
                                SynopsisWidth(GlobalOptionSpecs()));
  AppendFlags(&out, "Flags", command.options, width);
  AppendFlags(&out, "Global flags", GlobalOptionSpecs(), width);
  if (!command.subcommands.empty()) {
    absl::StrAppend(&out, "\nRun '", name,
                    " COMMAND --help' for the flags of a command.\n");
  }
  return out;
}

int RunCommandLine(const Command& root, std::span<const std::string> args,
                   std::ostream& out, std::ostream& err) {
  std::vector<const Command*> path = {&root};
  ParsedArgs parsed;

  // Walk the command words; global flags may come before or between them.
  size_t i = 0;
  while (i < args.size()) {
    const std::string& word = args[i];
    if (IsHelpWord(word)) {
      out << Usage(path);
      return kExitOk;
    }
    if (FindOption(GlobalOptionSpecs(), word) != nullptr) {
      if (absl::Status s = ParseOption(GlobalOptionSpecs(), args, &i, &parsed);
          !s.ok()) {
        return ReportUsageError(path, std::string(s.message()), err);
      }
      continue;
    }
    const Command* sub = FindSubcommand(*path.back(), word);
    if (sub == nullptr) break;
    path.push_back(sub);
    ++i;
  }

  // The rest belongs to the command reached: its flags, the global flags
  // and its positional arguments.
  const Command& command = *path.back();
  std::vector<OptionSpec> specs = command.options;
  specs.insert(specs.end(), GlobalOptionSpecs().begin(),
               GlobalOptionSpecs().end());
  if (absl::Status s = ParseOptions(specs, args.subspan(i), &parsed); !s.ok()) {
    return ReportUsageError(path, std::string(s.message()), err);
  }
  if (parsed.Has("help")) {
    out << Usage(path);
    return kExitOk;
  }
  if (absl::Status s = CheckArguments(command, path, parsed.positionals());
      !s.ok()) {
    return ReportUsageError(path, std::string(s.message()), err);
  }
  absl::StatusOr<GlobalOptions> globals = ResolveGlobalOptions(parsed);
  if (!globals.ok()) {
    return ReportUsageError(path, std::string(globals.status().message()), err);
  }
  Invocation invocation(std::move(path), std::move(parsed), *std::move(globals),
                        out, err);
  return command.run(invocation);
}

}  // namespace botrelay::cli
