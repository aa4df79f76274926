// Avro object container files (Avro 1.11 spec, "Object Container Files"), written and
// checked without libavro's file I/O so the spool can send the bytes through io_uring:
//
//   header = "Obj" 0x01, metadata map {avro.schema: <json>, avro.codec: "null"}, sync[16]
//   block  = record count (long), byte size (long), records, sync[16]
//
// Any Avro reader (libavro, python3-avro, Spark, Trino) reads these files. A block is
// only counted when it ends in the file's sync marker, which is how recovery tells the
// complete blocks of a torn file from a cut tail.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "controlplane/avro_records.h"

namespace txscreen {

inline constexpr std::size_t avro_sync_bytes = 16;
// Room a block needs in front of its records for count + size (two varints).
inline constexpr std::size_t avro_block_header_max = 20;

// Writes the container header for `schema_json` with sync marker `sync` into out
// (capacity `cap`). Returns its length, or 0 when it does not fit.
std::size_t avro_write_header(std::string_view schema_json, const uint8_t sync[avro_sync_bytes], uint8_t* out,
                              std::size_t cap) noexcept;

// Finishes a block whose `records` encoded records occupy
// buf[avro_block_header_max, avro_block_header_max + data_len): writes count and size
// right before the data and the sync marker after it. Returns the offset in buf where
// the block starts; the block ends at avro_block_header_max + data_len + 16. `buf` needs
// 16 bytes of room after the data.
std::size_t avro_seal_block(uint8_t* buf, std::size_t data_len, uint64_t records,
                            const uint8_t sync[avro_sync_bytes]) noexcept;

// What a scan of a container file's bytes found.
struct avro_scan_result {
    bool header_ok = false;       // magic, metadata and sync marker were read
    std::size_t header_len = 0;   // bytes of the header
    std::size_t valid_end = 0;    // end of the last complete, well-formed block (>= header_len when header_ok)
    uint64_t blocks = 0;          // complete blocks before valid_end
    uint64_t records = 0;         // records in those blocks
    char schema_name[16] = {};    // the table whose schema the header carries ("scored"...), "" when unknown
    const char* error = nullptr;  // why the scan stopped before the end of the data; nullptr when it did not
};

// Scans `len` bytes of an Avro container file. Each block must carry the header's sync
// marker, and when `validate_records` its byte size must be exactly `count` records of
// the table whose schema the header holds (catches blocks with holes after a crash).
// Returns what it found; never reads past data + len.
avro_scan_result avro_scan_container(const uint8_t* data, std::size_t len, bool validate_records) noexcept;

}  // namespace txscreen
