// A run of rows of one lake table, column by column (shredded as Parquet stores them):
// what the Avro reader fills, the Parquet writer writes as one row group and the
// data-quality collector reads. Column i is schema.leaves[i].
//
// A flat leaf (max_rep = max_def = 0) has exactly `rows` values and no levels. A leaf
// under a list has one level entry per list element, and one (rep 0, def 0, no value)
// for an empty list: rep[k] = 0 starts a row's list, 1 continues it; def[k] = 1 when
// the entry carries a value. So its values are the entries with def == 1.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "controlplane/lake/lake_schema.h"

namespace txscreen {

struct column_batch {
    lake_type type = lake_type::int64;
    int max_rep = 0;
    int max_def = 0;
    std::vector<uint8_t> rep, def;   // levels (empty for flat leaves)
    // Values, in the vector of the leaf's type:
    std::vector<uint8_t> b;          // boolean (0/1)
    std::vector<int32_t> i32;        // int32
    std::vector<int64_t> i64;        // int64, timestamp_ms, decimal18_4 (unscaled)
    std::vector<float> f32;          // float32
    std::vector<double> f64;         // float64
    std::vector<uint32_t> str_end;   // string k is str_data[str_end[k-1] (0 for k = 0), str_end[k])
    std::string str_data;

    std::size_t values() const noexcept;  // values held (entries with def == max_def)
    std::size_t levels() const noexcept { return max_rep || max_def ? def.size() : values(); }
    std::string_view str(std::size_t k) const noexcept {
        const uint32_t from = k ? str_end[k - 1] : 0;
        return std::string_view(str_data).substr(from, str_end[k] - from);
    }
    void clear() noexcept;
};

struct row_batch {
    const lake_table_schema* schema = nullptr;
    std::vector<column_batch> columns;  // one per schema->leaves, same order
    std::size_t rows = 0;

    // Empty columns typed and levelled for `s`.
    explicit row_batch(const lake_table_schema& s);
    row_batch() = default;
    void clear() noexcept;  // rows = 0, columns emptied, capacity kept
};

}  // namespace txscreen
