// A Parquet file writer, written here against the Apache Parquet format specification
// (parquet.thrift, Thrift compact protocol for the metadata), no library: the lake's
// columnar copy of the Avro spool (docs/lake.md).
//
// What it writes: "PAR1", then per row group (one write_row_group call) one column chunk
// per leaf: an optional dictionary page (PLAIN) and data pages (v1) whose values are
// RLE_DICTIONARY indices when the dictionary pays (fewer bytes than PLAIN and at most
// dictionary_max_bytes), PLAIN otherwise; booleans PLAIN (bit-packed); repetition and
// definition levels in the RLE/bit-packed hybrid. Pages are compressed with the codec.
// Statistics (min_value, max_value, null_count 0, distinct_count when dictionary-encoded)
// per column chunk, with TypeDefinedOrder column orders so readers use them. Logical
// types: STRING, TIMESTAMP(MILLIS, UTC), DECIMAL(18,4) on INT64, LIST. Footer:
// FileMetaData (version 2, schema, row groups, key/value metadata, created_by) and
// its length, then "PAR1".
//
// The file is written to `path` + ".tmp" and close() fsyncs it and renames it to `path`
// (then fsyncs the directory), so a reader never sees half a file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <utility>
#include <vector>

#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/lake_schema.h"

namespace txscreen {

enum class parquet_codec : uint8_t { none, snappy, zstd };

// "none"/"uncompressed", "snappy", "zstd" -> codec; false when unknown.
bool parquet_codec_from_name(std::string_view name, parquet_codec& out) noexcept;
std::string_view parquet_codec_name(parquet_codec c) noexcept;

struct parquet_options {
    parquet_codec codec = parquet_codec::snappy;
    int zstd_level = 3;
    std::size_t page_bytes = 1 << 20;            // a data page closes past this many value bytes
    bool dictionary = true;
    std::size_t dictionary_max_bytes = 1 << 20;  // PLAIN when the dictionary page would be larger
    std::vector<std::pair<std::string, std::string>> metadata;  // footer key/value pairs
    std::string created_by = "txscreen";
};

struct parquet_write_stats {
    uint64_t rows = 0;
    uint64_t row_groups = 0;
    uint64_t bytes = 0;                // file size after close()
    uint64_t uncompressed_bytes = 0;   // page bytes before compression
};

class parquet_writer {
public:
    parquet_writer(const lake_table_schema& schema, parquet_options options);
    ~parquet_writer();  // abandons an unclosed file (removes the .tmp)
    parquet_writer(const parquet_writer&) = delete;
    parquet_writer& operator=(const parquet_writer&) = delete;

    // Creates path + ".tmp" and writes the magic. False with error() on failure.
    bool open(const std::string& path);
    // Writes `batch` (batch.schema must be this writer's schema) as one row group.
    // An empty batch writes nothing. False with error() on failure.
    bool write_row_group(const row_batch& batch);
    // Footer, fsync, rename to path, fsync of the directory. False with error().
    bool close();

    const std::string& error() const noexcept { return _error; }
    const parquet_write_stats& stats() const noexcept { return _stats; }

private:
    struct impl;
    impl* _impl;
    std::string _error;
    parquet_write_stats _stats;
};

}  // namespace txscreen
