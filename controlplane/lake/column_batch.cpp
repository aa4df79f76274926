#include "controlplane/lake/column_batch.h"

namespace txscreen {

std::size_t column_batch::values() const noexcept {
    switch (type) {
        case lake_type::boolean: return b.size();
        case lake_type::int32: return i32.size();
        case lake_type::int64:
        case lake_type::timestamp_ms:
        case lake_type::decimal18_4: return i64.size();
        case lake_type::float32: return f32.size();
        case lake_type::float64: return f64.size();
        case lake_type::string: return str_end.size();
        case lake_type::list:
        case lake_type::record: return 0;  // never a leaf
    }
    return 0;
}

void column_batch::clear() noexcept {
    rep.clear();
    def.clear();
    b.clear();
    i32.clear();
    i64.clear();
    f32.clear();
    f64.clear();
    str_end.clear();
    str_data.clear();
}

row_batch::row_batch(const lake_table_schema& s) : schema(&s) {
    columns.resize(s.leaves.size());
    for (std::size_t i = 0; i < s.leaves.size(); ++i) {
        columns[i].type = s.leaves[i].type;
        columns[i].max_rep = s.leaves[i].max_rep;
        columns[i].max_def = s.leaves[i].max_def;
    }
}

void row_batch::clear() noexcept {
    rows = 0;
    for (column_batch& c : columns) c.clear();
}

}  // namespace txscreen
