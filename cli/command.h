#pragma once
// relayctl's command tree and dispatcher. Each command group file builds one
// Command (devices, connections, drain, ...); RunCommandLine walks the words
// of the command line down the tree, parses the flags of the command it lands
// on together with the global flags, and runs it.

#include <functional>
#include <iosfwd>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include <grpcpp/support/status.h>

#include "absl/status/status.h"
#include "cli/admin_connection.h"
#include "cli/arg_parser.h"
#include "cli/global_options.h"

namespace botrelay::cli {

inline constexpr int kExitOk = 0;
inline constexpr int kExitFailure = 1;  // the RPC failed or reported failure
inline constexpr int kExitUsage = 2;    // the command line is wrong

class Invocation;

struct Command {
  std::string name = {};
  std::string summary = {};    // one line, shown in the parent's command list
  std::string arguments = {};  // positional arguments in usage: "BOT DEVICE"
  std::vector<OptionSpec> options = {};
  size_t min_arguments = 0;
  size_t max_arguments = 0;
  // Empty for a pure group (devices, connections), which needs a subcommand.
  std::function<int(Invocation&)> run = {};
  std::vector<Command> subcommands = {};
};

// What a running command sees: its parsed arguments, the resolved global
// options, the output streams, and a connection made on first use.
class Invocation {
 public:
  Invocation(std::vector<const Command*> path, ParsedArgs args,
             GlobalOptions globals, std::ostream& out, std::ostream& err);

  const ParsedArgs& args() const { return args_; }
  const GlobalOptions& globals() const { return globals_; }
  bool json() const { return globals_.format == OutputFormat::kJson; }
  std::ostream& out() { return out_; }
  std::ostream& err() { return err_; }

  AdminConnection& connection();

  // Prints "relayctl: <message>" and the command's usage to stderr and
  // returns kExitUsage.
  int UsageError(std::string_view message);
  // Prints "relayctl: <CODE>: <message>" to stderr and returns kExitFailure.
  int RpcError(const grpc::Status& status);
  int RpcError(const absl::Status& status);

 private:
  std::vector<const Command*> path_;
  ParsedArgs args_;
  GlobalOptions globals_;
  std::ostream& out_;
  std::ostream& err_;
  std::unique_ptr<AdminConnection> connection_;
};

// The help text of the command at the end of path (path[0] is the root).
std::string Usage(std::span<const Command* const> path);

// Runs the command line (without the program name) against the tree rooted
// at root and returns the process exit code.
int RunCommandLine(const Command& root, std::span<const std::string> args,
                   std::ostream& out, std::ostream& err);

}  // namespace botrelay::cli
