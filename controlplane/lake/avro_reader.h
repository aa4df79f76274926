// Reads the spool's Avro object container files (avro_container.h) back into row
// batches of a lake table (column_batch.h): the input of the Parquet conversion and of
// the data-quality reports. Only what the spool writes is needed: codec "null", the
// types of lake_schema.h.
//
// Schema resolution as Avro specifies it, by field name: the file's own schema (its
// header) is the writer schema, the table's current schema the reader schema; a field
// the file lacks takes its .avsc default (files written before the field existed), a
// field the reader schema lacks is skipped. Derived columns (`amount`) are computed.
//
// Bounded and checked: a truncated file, a block whose size disagrees with its records,
// a length beyond the block, an unknown codec: read() stops with error() naming the
// file and the byte offset; the rows decoded before stay in the batch.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/lake_schema.h"

namespace txscreen {

class avro_file_reader {
public:
    // Rows are decoded into batches of `target` (normally lake_schema(table)).
    explicit avro_file_reader(const lake_table_schema& target);
    ~avro_file_reader();
    avro_file_reader(const avro_file_reader&) = delete;
    avro_file_reader& operator=(const avro_file_reader&) = delete;

    // Opens `path` and reads its header. False with error() ("avro: /x/y.avro: bad magic").
    bool open(const std::string& path);
    // The same from bytes in memory (kept by the caller until the reader is done).
    bool open_bytes(const uint8_t* data, std::size_t len, std::string name);
    // Appends up to max_rows records to `batch` (whose schema is the target). Returns the
    // rows appended: 0 at the end of the file; -1 on error (error() says where).
    long read(row_batch& batch, std::size_t max_rows);

    const std::string& writer_schema_json() const noexcept;
    const std::string& error() const noexcept;
    uint64_t rows_read() const noexcept;

private:
    struct impl;
    impl* _impl;
};

}  // namespace txscreen
