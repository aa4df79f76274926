// Avro encoding of the records the controlplane derives (controlplane/analytics/
// analytics_records.h) for the spool: aggregate rows (table `aggregates`,
// controlplane/schemas/aggregates.avsc) and spike events (table `spikes`,
// spikes.avsc). Field order here must match the .avsc files and the walker in
// avro_records.cpp (skip_avro_record); test_spool reads the rows back with
// python3-avro and compares every field.
#pragma once

#include <cstddef>
#include <cstdint>

#include "controlplane/analytics/analytics_records.h"

namespace txscreen {

// Upper bounds of one encoded row, even with every key byte invalid UTF-8 (each a
// 3-byte U+FFFD) and every number at its widest.
inline constexpr std::size_t avro_aggregate_max_bytes = 1024;
inline constexpr std::size_t avro_spike_max_bytes = 512;

// Encodes `r` as one record of the aggregates schema (out: avro_aggregate_max_bytes of
// room). Returns the bytes written.
std::size_t encode_aggregate_avro(const aggregate_record& r, uint8_t* out) noexcept;

// Encodes `s` as one record of the spikes schema (out: avro_spike_max_bytes of room).
// Returns the bytes written.
std::size_t encode_spike_avro(const spike_event& s, uint8_t* out) noexcept;

}  // namespace txscreen
