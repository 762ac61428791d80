#include "controlplane/metrics_http_server.h"

#include <utility>  // before Asio: Boost 1.74 needs it

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <chrono>
#include <optional>
#include <string_view>
#include <thread>

#include "absl/strings/str_cat.h"
#include "controlplane/host_port.h"
#include "dataplane/log/logger.h"
#include "dataplane/log/thread_name.h"

namespace botrelay::controlplane {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

constexpr uint32_t kMaxHeaderBytes = 8 * 1024;
// Scrapes and probes carry no body; a small allowance keeps odd clients working.
constexpr uint64_t kMaxBodyBytes = 4 * 1024;
constexpr std::chrono::seconds kIdleTimeout{30};
// How long a closing connection may keep sending before it is cut off.
constexpr std::chrono::seconds kLingerTimeout{2};
constexpr std::chrono::milliseconds kAcceptRetryDelay{100};
constexpr const char* kPrometheusContentType = "text/plain; version=0.0.4; charset=utf-8";
constexpr const char* kTextContentType = "text/plain; charset=utf-8";

using Request = http::request<http::string_body>;
using Response = http::response<http::string_body>;

// What the endpoints read; owned by the server, shared by every session.
struct Endpoints {
  const metrics::Registry& registry;
  std::function<bool()> is_serving;
};

Response MakeResponse(http::status status, unsigned version, bool keep_alive,
                      const char* content_type, std::string body) {
  Response response{status, version};
  response.set(http::field::server, "relayd");
  response.set(http::field::content_type, content_type);
  response.keep_alive(keep_alive);
  response.body() = std::move(body);
  response.prepare_payload();
  return response;
}

Response Answer(const Request& request, const Endpoints& endpoints) {
  std::string_view target(request.target().data(), request.target().size());
  target = target.substr(0, target.find('?'));
  const unsigned version = request.version();
  const bool keep_alive = request.keep_alive();
  const bool metrics = target == "/metrics";
  if (!metrics && target != "/healthz") {
    return MakeResponse(http::status::not_found, version, keep_alive, kTextContentType,
                        "not found\n");
  }
  if (request.method() != http::verb::get && request.method() != http::verb::head) {
    Response response = MakeResponse(http::status::method_not_allowed, version, keep_alive,
                                     kTextContentType, "method not allowed\n");
    response.set(http::field::allow, "GET, HEAD");
    return response;
  }
  if (metrics) {
    return MakeResponse(http::status::ok, version, keep_alive, kPrometheusContentType,
                        endpoints.registry.RenderPrometheus());
  }
  const bool serving = endpoints.is_serving();
  return MakeResponse(serving ? http::status::ok : http::status::service_unavailable, version,
                      keep_alive, kTextContentType, serving ? "ok\n" : "not serving\n");
}

Response Route(const Request& request, const Endpoints& endpoints) {
  Response response = Answer(request, endpoints);
  // A HEAD response carries the headers (Content-Length included) a GET would, without the body.
  if (request.method() == http::verb::head) response.body().clear();
  return response;
}

bool IsHttpParseError(const beast::error_code& ec) {
  return ec.category() == make_error_code(http::error::bad_method).category();
}

// One HTTP connection: read a request, answer it, and repeat while the client
// keeps the connection alive.
class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(tcp::socket socket, const Endpoints& endpoints)
      : stream_(std::move(socket)), endpoints_(endpoints) {}

  void Run() { ReadRequest(); }

 private:
  void ReadRequest() {
    parser_.emplace();
    parser_->header_limit(kMaxHeaderBytes);
    parser_->body_limit(kMaxBodyBytes);
    stream_.expires_after(kIdleTimeout);
    http::async_read(stream_, buffer_, *parser_,
                     beast::bind_front_handler(&Session::OnRead, shared_from_this()));
  }

  void OnRead(beast::error_code ec, std::size_t) {
    if (ec == http::error::end_of_stream) return Close();
    if (ec == http::error::header_limit) {
      return Reject(http::status::request_header_fields_too_large, "request head too large\n");
    }
    if (ec == http::error::body_limit) {
      return Reject(http::status::payload_too_large, "request body too large\n");
    }
    if (IsHttpParseError(ec)) return Reject(http::status::bad_request, "bad request\n");
    if (ec) return;  // timeout or reset: dropping the session closes the socket
    Send(Route(parser_->get(), endpoints_));
  }

  void Reject(http::status status, const char* body) {
    Send(MakeResponse(status, 11, /*keep_alive=*/false, kTextContentType, body));
  }

  void Send(Response response) {
    response_ = std::move(response);  // must live until the write completes
    stream_.expires_after(kIdleTimeout);
    http::async_write(stream_, response_,
                      beast::bind_front_handler(&Session::OnWrite, shared_from_this()));
  }

  void OnWrite(beast::error_code ec, std::size_t) {
    if (ec) return;
    if (!response_.keep_alive()) return Close();
    ReadRequest();
  }

  // Half-closes, then discards whatever the client still sends until it
  // closes too: closing with unread input would make the kernel answer with
  // a reset, which can destroy the response before the client reads it.
  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ec);
    if (ec) return;
    stream_.expires_after(kLingerTimeout);
    DiscardInput();
  }

  void DiscardInput() {
    stream_.async_read_some(asio::buffer(discard_),
                            beast::bind_front_handler(&Session::OnDiscarded, shared_from_this()));
  }

  void OnDiscarded(beast::error_code ec, std::size_t) {
    if (!ec) DiscardInput();
  }

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;  // fresh per request
  Response response_;
  std::array<char, 1024> discard_;
  const Endpoints& endpoints_;
};

// Accepts connections and starts a session for each.
class Listener : public std::enable_shared_from_this<Listener> {
 public:
  Listener(asio::io_context& ioc, tcp::acceptor acceptor, const Endpoints& endpoints)
      : acceptor_(std::move(acceptor)), retry_timer_(ioc), endpoints_(endpoints) {}

  void Run() { Accept(); }

 private:
  void Accept() {
    acceptor_.async_accept(beast::bind_front_handler(&Listener::OnAccept, shared_from_this()));
  }

  void OnAccept(beast::error_code ec, tcp::socket socket) {
    if (ec == asio::error::operation_aborted) return;
    if (ec) {
      // Typically EMFILE: pause instead of spinning on an accept that keeps failing.
      RELAY_LOG(kWarn, "%s", absl::StrCat("metrics endpoint: accept failed: ", ec.message()));
      retry_timer_.expires_after(kAcceptRetryDelay);
      retry_timer_.async_wait(beast::bind_front_handler(&Listener::OnRetry, shared_from_this()));
      return;
    }
    std::make_shared<Session>(std::move(socket), endpoints_)->Run();
    Accept();
  }

  void OnRetry(beast::error_code ec) {
    if (!ec) Accept();
  }

  tcp::acceptor acceptor_;
  asio::steady_timer retry_timer_;
  const Endpoints& endpoints_;
};

absl::StatusOr<tcp::endpoint> ResolveListenAddress(const std::string& address) {
  absl::StatusOr<HostPort> host_port = ParseHostPort(address);
  if (!host_port.ok()) return host_port.status();
  const std::string host = host_port->host == "localhost" ? "127.0.0.1" : host_port->host;
  beast::error_code ec;
  const asio::ip::address ip = asio::ip::make_address(host, ec);
  if (ec) {
    return absl::InvalidArgumentError(absl::StrCat(
        "metrics address '", address, "': host must be an IP address or localhost"));
  }
  return tcp::endpoint(ip, host_port->port);
}

}  // namespace

class MetricsHttpServer::Impl {
 public:
  Impl(const metrics::Registry& registry, std::function<bool()> is_serving)
      : endpoints_{registry, std::move(is_serving)}, ioc_(std::make_unique<asio::io_context>(1)) {}

  ~Impl() { Stop(); }

  absl::Status Start(const std::string& address) {
    if (!ioc_ || thread_.joinable()) {
      return absl::FailedPreconditionError("metrics server was already started");
    }
    absl::StatusOr<tcp::endpoint> endpoint = ResolveListenAddress(address);
    if (!endpoint.ok()) return endpoint.status();
    tcp::acceptor acceptor(*ioc_);
    const auto failed = [&](const char* step, const beast::error_code& ec) {
      return absl::UnavailableError(
          absl::StrCat("metrics address '", address, "': ", step, ": ", ec.message()));
    };
    beast::error_code ec;
    acceptor.open(endpoint->protocol(), ec);
    if (ec) return failed("open", ec);
    acceptor.set_option(asio::socket_base::reuse_address(true), ec);
    if (ec) return failed("set SO_REUSEADDR", ec);
    acceptor.bind(*endpoint, ec);
    if (ec) return failed("bind", ec);
    acceptor.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) return failed("listen", ec);
    port_ = acceptor.local_endpoint(ec).port();
    if (ec) return failed("local address", ec);

    std::make_shared<Listener>(*ioc_, std::move(acceptor), endpoints_)->Run();
    thread_ = std::thread([ioc = ioc_.get()] {
      log::NameThisThread("relayd-metrics");
      ioc->run();
    });
    return absl::OkStatus();
  }

  uint16_t port() const { return port_; }

  void Stop() {
    if (!ioc_) return;
    ioc_->stop();
    if (thread_.joinable()) thread_.join();
    // Destroying the context destroys the listener and every session with
    // their sockets, which only its pending handlers own.
    ioc_.reset();
  }

 private:
  Endpoints endpoints_;
  std::unique_ptr<asio::io_context> ioc_;
  std::thread thread_;
  uint16_t port_ = 0;
};

MetricsHttpServer::MetricsHttpServer(const metrics::Registry& registry,
                                     std::function<bool()> is_serving)
    : impl_(std::make_unique<Impl>(registry, std::move(is_serving))) {}

MetricsHttpServer::~MetricsHttpServer() = default;

absl::Status MetricsHttpServer::Start(const std::string& address) { return impl_->Start(address); }

uint16_t MetricsHttpServer::port() const { return impl_->port(); }

void MetricsHttpServer::Stop() { impl_->Stop(); }

}  // namespace botrelay::controlplane
