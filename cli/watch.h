#pragma once
// Shared by the --watch modes of drain and migrate: print one line per
// streamed progress update until the server ends the stream.

#include <functional>
#include <ostream>
#include <string>

#include <grpcpp/support/sync_stream.h>

#include "cli/command.h"
#include "cli/output.h"

namespace botrelay::cli {

template <typename Progress>
int PrintProgressStream(
    Invocation& invocation, grpc::ClientReaderInterface<Progress>& reader,
    const std::function<std::string(const Progress&)>& format_line) {
  Progress progress;
  while (reader.Read(&progress)) {
    if (invocation.json()) {
      PrintJson(invocation.out(), progress, JsonStyle::kOneLine);
    } else {
      invocation.out() << format_line(progress) << "\n";
    }
    // Each update is news to whoever is watching, even through a pipe.
    invocation.out().flush();
  }
  if (grpc::Status status = reader.Finish(); !status.ok()) {
    return invocation.RpcError(status);
  }
  return kExitOk;
}

}  // namespace botrelay::cli
