// Avro spool files of one table partition -> one Parquet file: what the lake compactor
// runs when an hour partition closes and what `txscreen lake compact DIR` runs by hand.
// Streams: rows_per_group rows at a time go from the Avro reader to a Parquet row group,
// so memory stays bounded whatever the hour's size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/parquet_writer.h"

namespace txscreen {

struct lake_convert_result {
    bool ok = false;
    std::string error;       // names the file that failed
    uint64_t rows = 0;
    uint64_t input_files = 0;
    uint64_t input_bytes = 0;
    uint64_t output_bytes = 0;
    double seconds = 0;
};

// Sees every row batch before it is written (the data-quality collector).
using lake_batch_observer = std::function<void(const row_batch&)>;

// Converts `avro_paths` (all of table `schema`) into `parquet_path` (written as .tmp,
// fsynced, renamed). The files are read in the order given. Footer metadata gets
// "txscreen.table", "txscreen.schema_version", "txscreen.inputs" (the input file names,
// comma-separated) besides options.metadata.
lake_convert_result convert_avro_to_parquet(const lake_table_schema& schema, const std::vector<std::string>& avro_paths,
                                            const std::string& parquet_path, const parquet_options& options,
                                            const lake_batch_observer& observer = {},
                                            std::size_t rows_per_group = 131072);

// One group of a lake directory to convert: the Avro files of (table, dt, hour, host).
struct lake_partition_group {
    spool_table table;
    std::string partition;              // "table=scored/dt=2024-03-01/hour=12"
    std::string host;                   // file name prefix before "-<seq>.avro"
    std::vector<std::string> avro_files;  // relative to the directory, oldest sequence first
    std::string parquet_file() const { return partition + "/" + host + ".parquet"; }
};

// Lists the groups of a lake or spool directory (complete `.avro` files only; tables
// the lake does not know are skipped).
std::vector<lake_partition_group> lake_list_groups(const std::string& dir);

}  // namespace txscreen
