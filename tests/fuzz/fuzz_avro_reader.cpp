// libFuzzer target: the lake's Avro reader (controlplane/lake/avro_reader.h) on arbitrary
// bytes, for every table's schema: open_bytes + read must end in rows or an error naming
// the input, never a crash, a leak or a column whose levels disagree with its rows.
#include <cstddef>
#include <cstdint>
#include <cstdlib>

#include "controlplane/lake/avro_reader.h"
#include "controlplane/lake/column_batch.h"
#include "controlplane/lake/lake_schema.h"

using namespace txscreen;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, std::size_t size) {
    // The first byte picks the table, so one corpus covers every schema.
    if (size == 0) return 0;
    const auto table = static_cast<spool_table>(data[0] % spool_table_count);
    const lake_table_schema& schema = lake_schema(table);
    avro_file_reader reader(schema);
    if (!reader.open_bytes(data + 1, size - 1, "fuzz.avro")) {
        if (reader.error().empty()) std::abort();
        return 0;
    }
    row_batch batch(schema);
    long n;
    while ((n = reader.read(batch, 64)) > 0) {
        if (batch.rows > 4096) batch.clear();
    }
    if (n < 0 && reader.error().find("fuzz.avro") == std::string::npos) std::abort();
    for (const column_batch& c : batch.columns) {
        if (c.max_rep == 0 && c.values() != batch.rows) std::abort();
        if (c.max_rep != 0 && c.rep.size() != c.def.size()) std::abort();
    }
    return 0;
}
