#pragma once
// Shared by drain and migrate: print a progress message once, or one line
// per streamed update (--watch) until the server ends the stream.

#include <functional>
#include <ostream>
#include <string>

#include <grpcpp/support/sync_stream.h>

#include "cli/command.h"
#include "cli/output.h"

namespace botrelay::cli {

// The whole message as JSON with -o json, else the one-line summary.
template <typename Message>
int PrintProgressOnce(Invocation& invocation, const Message& message, const std::string& line) {
  if (invocation.json()) {
    PrintJson(invocation.out(), message);
  } else {
    invocation.out() << line << "\n";
  }
  return kExitOk;
}

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
