#include "tests/dataplane/upstream/upstream_test_backend.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <utility>
#include <boost/asio/connect.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <simdjson.h>

#include "absl/strings/str_cat.h"

namespace botrelay::upstream::testing {

namespace http = boost::beast::http;
using tcp = boost::asio::ip::tcp;

namespace {

// One blocking request on a fresh connection (the backend's control
// endpoints; the test thread may block).
absl::StatusOr<std::string> Request(uint16_t port, http::verb verb, const std::string& target,
                                    const std::string& body) {
  boost::asio::io_context io;
  tcp::socket socket(io);
  boost::system::error_code ec;
  socket.connect(tcp::endpoint(boost::asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return absl::UnavailableError(absl::StrCat("test backend: connect: ", ec.message()));
  http::request<http::string_body> request(verb, target, 11);
  request.set(http::field::host, "127.0.0.1");
  request.keep_alive(false);
  request.body() = body;
  request.prepare_payload();
  http::write(socket, request, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("test backend: write: ", ec.message()));
  boost::beast::flat_buffer buffer;
  http::response<http::string_body> response;
  http::read(socket, buffer, response, ec);
  if (ec) return absl::UnavailableError(absl::StrCat("test backend: read: ", ec.message()));
  if (response.result_int() != 200) {
    return absl::InternalError(absl::StrCat("test backend: HTTP ", response.result_int()));
  }
  return response.body();
}

}  // namespace

absl::StatusOr<std::unique_ptr<TestBackend>> TestBackend::Start(uint16_t port) {
  int to_child[2], from_child[2];
  if (pipe2(to_child, O_CLOEXEC) != 0 || pipe2(from_child, O_CLOEXEC) != 0) {
    return absl::InternalError("pipe failed");
  }
  pid_t pid = fork();
  if (pid < 0) return absl::InternalError("fork failed");
  if (pid == 0) {
    dup2(to_child[0], STDIN_FILENO);
    dup2(from_child[1], STDOUT_FILENO);
    const std::string port_arg = std::to_string(port);
    execlp("python3", "python3", BOTRELAY_UPSTREAM_TEST_BACKEND, port_arg.c_str(),
           static_cast<char*>(nullptr));
    _exit(127);
  }
  close(to_child[0]);
  close(from_child[1]);
  auto backend = std::unique_ptr<TestBackend>(new TestBackend());
  backend->pid_ = pid;
  backend->stdin_fd_ = to_child[1];

  // "PORT <n>\n", within 10 s.
  std::string line;
  const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  while (line.find('\n') == std::string::npos) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    pollfd fd{from_child[0], POLLIN, 0};
    if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) <= 0) break;
    char buffer[64];
    ssize_t n = read(from_child[0], buffer, sizeof(buffer));
    if (n <= 0) break;
    line.append(buffer, static_cast<size_t>(n));
  }
  close(from_child[0]);
  if (line.rfind("PORT ", 0) != 0) {
    return absl::InternalError(absl::StrCat("test backend did not start: '", line, "'"));
  }
  backend->port_ = static_cast<uint16_t>(std::stoi(line.substr(5)));
  return backend;
}

TestBackend::~TestBackend() { Stop(); }

void TestBackend::Stop() {
  if (pid_ <= 0) return;
  close(stdin_fd_);  // the script exits when its stdin closes
  kill(pid_, SIGTERM);
  int status = 0;
  waitpid(pid_, &status, 0);
  pid_ = -1;
}

std::string TestBackend::url() const { return absl::StrCat("http://127.0.0.1:", port_, "/bot"); }

absl::Status TestBackend::SetMode(const std::string& mode) {
  return Request(port_, http::verb::post, "/control", mode).status();
}

absl::StatusOr<BackendStats> TestBackend::Stats() {
  absl::StatusOr<std::string> body = Request(port_, http::verb::get, "/stats", "");
  if (!body.ok()) return body.status();
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  int64_t requests = 0, connections = 0;
  if (parser.parse(*body).get(root) || root["requests"].get_int64().get(requests) ||
      root["connections"].get_int64().get(connections)) {
    return absl::InternalError(absl::StrCat("test backend stats: ", *body));
  }
  return BackendStats{static_cast<int>(requests), static_cast<int>(connections)};
}

}  // namespace botrelay::upstream::testing
