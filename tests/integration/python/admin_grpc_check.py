#!/usr/bin/python3
"""Talks to relayd's admin port with Python's grpcio: code that shares nothing
with botrelay's C++ client or server.

  * grpc.health.v1.Health/Check with raw bytes: the request for service ""
    serialises to b"", and HealthCheckResponse{status: SERVING} is b"\\x08\\x01".
  * Admin ListConnections and GetStats through stubs generated now, into a
    temporary directory, from the repository's admin.proto with protoc and
    grpc_python_plugin.

Prints one JSON object with what it saw and exits 0; any failed call exits 1
with the gRPC status on stderr; a Python without grpc exits 3 saying so.
Run it with Debian's /usr/bin/python3 (python3-grpcio), not a pyenv python.
"""

import argparse
import json
import subprocess
import sys
import tempfile

SERVING = b"\x08\x01"


def fail(message, code=1):
    print(f"admin_grpc_check: {message}", file=sys.stderr)
    sys.exit(code)


def generate_stubs(protoc, plugin, proto_root, out_dir):
    # Not from grpc-proto's own tree: a generated grpc/ package would shadow
    # the real one. admin.proto lives under botrelay/, which is safe.
    command = [
        protoc,
        f"-I{proto_root}",
        f"--python_out={out_dir}",
        f"--grpc_out={out_dir}",
        f"--plugin=protoc-gen-grpc={plugin}",
        "botrelay/admin/v1/admin.proto",
    ]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        fail(f"{' '.join(command)} failed ({result.returncode}): {result.stderr}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--admin", required=True, help="relayd's admin address, host:port")
    parser.add_argument("--proto-root", required=True, help="directory holding botrelay/admin/v1/admin.proto")
    parser.add_argument("--protoc", default="/usr/bin/protoc")
    parser.add_argument("--grpc-python-plugin", default="/usr/bin/grpc_python_plugin")
    parser.add_argument("--token", help="admin token, sent as 'authorization: Bearer <token>'")
    args = parser.parse_args()

    try:
        import grpc
    except ImportError as error:
        fail(f"{sys.executable} cannot import grpc ({error}); install Debian's python3-grpcio "
             "(scripts/dev.sh does) and run this with /usr/bin/python3", code=3)

    channel = grpc.insecure_channel(args.admin)
    try:
        grpc.channel_ready_future(channel).result(timeout=5)
    except grpc.FutureTimeoutError:
        fail(f"cannot connect to {args.admin}")

    try:
        health = channel.unary_unary("/grpc.health.v1.Health/Check")(b"", timeout=5)
    except grpc.RpcError as error:
        fail(f"Health/Check: {error.code()}: {error.details()}")
    if health != SERVING:
        fail(f"Health/Check answered {health!r}, expected {SERVING!r} (SERVING)")

    metadata = [("authorization", f"Bearer {args.token}")] if args.token else None
    with tempfile.TemporaryDirectory(prefix="botrelay-pystubs-") as out_dir:
        generate_stubs(args.protoc, args.grpc_python_plugin, args.proto_root, out_dir)
        sys.path.insert(0, out_dir)
        from botrelay.admin.v1 import admin_pb2, admin_pb2_grpc

        stub = admin_pb2_grpc.AdminStub(channel)
        try:
            listing = stub.ListConnections(admin_pb2.ListConnectionsRequest(), timeout=5,
                                           metadata=metadata)
            stats = stub.GetStats(admin_pb2.GetStatsRequest(), timeout=5, metadata=metadata)
        except grpc.RpcError as error:
            fail(f"Admin call: {error.code()}: {error.details()}")

        report = {
            "health": "SERVING",
            "connections": [
                {
                    "id": c.id,
                    "bot_name": c.bot_name,
                    "device_id": c.device_id,
                    "state": admin_pb2.ConnectionState.Name(c.state),
                    "generation": admin_pb2.ClientGeneration.Name(c.generation),
                    "messages_in": c.messages_in,
                }
                for c in listing.connections
            ],
            "total_matching": listing.total_matching,
            "unlabelled_samples": {s.name: s.value for s in stats.samples if not s.labels},
        }
    print(json.dumps(report, ensure_ascii=False, sort_keys=True))


if __name__ == "__main__":
    main()
