#pragma once
// Translation between the data plane's structs and the admin API's messages.
// Pure functions: no I/O, no validation beyond recognising enum values
// (request validation lives in request_validation.h).

#include <optional>

#include "botrelay/admin/v1/admin.pb.h"
#include "dataplane/data_plane.h"
#include "dataplane/metrics/metrics_registry.h"
#include "dataplane/store/device_record.h"

namespace botrelay::controlplane {

namespace v1 = ::botrelay::admin::v1;

v1::DeviceStatus ToProto(store::DeviceStatus status);
// nullopt for DEVICE_STATUS_UNSPECIFIED and for values this build does not know.
std::optional<store::DeviceStatus> DeviceStatusFromProto(int status);

v1::ConnectionState ToProto(dataplane::ConnectionState state);
// nullopt for CONNECTION_STATE_UNSPECIFIED and for unknown values.
std::optional<dataplane::ConnectionState> ConnectionStateFromProto(int state);

v1::ClientGeneration ToProto(protocol::ClientGeneration generation);

void ToProto(const store::DeviceRecord& record, v1::Device* out);
void ToProto(const store::DeviceHistoryEntry& entry, v1::DeviceHistoryEntry* out);
void ToProto(const store::PingSample& sample, v1::PingRecord* out);
void ToProto(const dataplane::ConnectionInfo& info, v1::Connection* out);
void ToProto(const dataplane::DrainProgress& progress, v1::DrainProgress* out);
void ToProto(const dataplane::BanInfo& ban, v1::Ban* out);
void ToProto(const dataplane::MigrationProgress& progress, v1::MigrationProgress* out);
void ToProto(const metrics::Sample& sample, v1::MetricSample* out);

}  // namespace botrelay::controlplane
