#include "controlplane/lake/parquet_writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <filesystem>

#include "controlplane/lake/parquet_compress.h"
#include "controlplane/lake/parquet_encoding.h"
#include "controlplane/lake/thrift_compact.h"

namespace txscreen {

namespace {

using thrift = thrift_compact_writer;

// parquet.thrift enums, as written on disk.
namespace pq {
enum physical : int32_t { BOOLEAN = 0, INT32 = 1, INT64 = 2, FLOAT = 4, DOUBLE = 5, BYTE_ARRAY = 6 };
enum repetition : int32_t { REQUIRED = 0, REPEATED = 2 };
enum converted : int32_t { UTF8 = 0, LIST = 3, DECIMAL = 5, TIMESTAMP_MILLIS = 9 };
enum encoding : int32_t { PLAIN = 0, RLE = 3, RLE_DICTIONARY = 8 };
enum page_type : int32_t { DATA_PAGE = 0, DICTIONARY_PAGE = 2 };
constexpr int32_t decimal_scale = 4, decimal_precision = 18;
}  // namespace pq

constexpr char magic[] = "PAR1";

int32_t physical_type(lake_type t) noexcept {
    switch (t) {
        case lake_type::boolean: return pq::BOOLEAN;
        case lake_type::int32: return pq::INT32;
        case lake_type::float32: return pq::FLOAT;
        case lake_type::float64: return pq::DOUBLE;
        case lake_type::string: return pq::BYTE_ARRAY;
        default: return pq::INT64;  // int64, timestamp_ms, decimal18_4
    }
}

// Plain bytes of one value (strings: their length prefix and bytes).
std::size_t fixed_width(lake_type t) noexcept {
    switch (t) {
        case lake_type::boolean: return 1;
        case lake_type::int32:
        case lake_type::float32: return 4;
        case lake_type::string: return 0;
        default: return 8;
    }
}

// ---- schema (SchemaElement list, depth first) ----

std::size_t element_count(const lake_field& f) {
    if (f.type == lake_type::list) return 2 + element_count(f.children.front());  // x, list, element
    std::size_t n = 1;
    for (const lake_field& c : f.children) n += element_count(c);
    return n;
}

void put_logical_and_converted(thrift& w, lake_type t) {
    switch (t) {
        case lake_type::string:
            w.field_i32(6, pq::UTF8);
            w.field_struct_begin(10);  // LogicalType
            w.field_struct_begin(1);   // STRING
            w.struct_end();
            w.struct_end();
            return;
        case lake_type::timestamp_ms:
            w.field_i32(6, pq::TIMESTAMP_MILLIS);
            w.field_struct_begin(10);
            w.field_struct_begin(8);  // TIMESTAMP
            w.field_bool(1, true);    // isAdjustedToUTC
            w.field_struct_begin(2);  // unit
            w.field_struct_begin(1);  // MILLIS
            w.struct_end();
            w.struct_end();
            w.struct_end();
            w.struct_end();
            return;
        case lake_type::decimal18_4:
            w.field_i32(6, pq::DECIMAL);
            w.field_i32(7, pq::decimal_scale);
            w.field_i32(8, pq::decimal_precision);
            w.field_struct_begin(10);
            w.field_struct_begin(5);  // DECIMAL
            w.field_i32(1, pq::decimal_scale);
            w.field_i32(2, pq::decimal_precision);
            w.struct_end();
            w.struct_end();
            return;
        default: return;
    }
}

void put_primitive_element(thrift& w, const std::string& name, lake_type t) {
    w.struct_begin();
    w.field_i32(1, physical_type(t));
    w.field_i32(3, pq::REQUIRED);
    w.field_binary(4, name);
    put_logical_and_converted(w, t);
    w.struct_end();
}

void put_group_element(thrift& w, const std::string& name, int32_t repetition, std::size_t children, bool list) {
    w.struct_begin();
    w.field_i32(3, repetition);
    w.field_binary(4, name);
    w.field_i32(5, static_cast<int32_t>(children));
    if (list) {
        w.field_i32(6, pq::LIST);
        w.field_struct_begin(10);
        w.field_struct_begin(3);  // LIST
        w.struct_end();
        w.struct_end();
    }
    w.struct_end();
}

void put_field_elements(thrift& w, const lake_field& f) {
    if (f.type == lake_type::record) {
        put_group_element(w, f.name, pq::REQUIRED, f.children.size(), false);
        for (const lake_field& c : f.children) put_field_elements(w, c);
    } else if (f.type == lake_type::list) {
        // The spec's three-level form: required group x (LIST) { repeated group list { element } }
        put_group_element(w, f.name, pq::REQUIRED, 1, true);
        put_group_element(w, "list", pq::REPEATED, 1, false);
        put_field_elements(w, f.children.front());
    } else {
        put_primitive_element(w, f.name, f.type);
    }
}

void put_schema(thrift& w, const lake_table_schema& s) {
    std::size_t n = 1;
    for (const lake_field& f : s.fields) n += element_count(f);
    w.field_list_begin(2, thrift_type::structure, n);
    w.struct_begin();  // the root
    w.field_binary(4, s.record_name.empty() ? std::string("schema") : s.record_name);
    w.field_i32(5, static_cast<int32_t>(s.fields.size()));
    w.struct_end();
    for (const lake_field& f : s.fields) put_field_elements(w, f);
}

// ---- statistics ----

struct chunk_stats {
    bool has_min_max = false;
    std::string min, max;  // PLAIN bytes of the value (strings: the bytes alone)
};

template <class T>
std::string value_bytes(T v) {
    return std::string(reinterpret_cast<const char*>(&v), sizeof v);
}

template <class T>
void integer_min_max(const std::vector<T>& v, chunk_stats& s) {
    if (v.empty()) return;
    const auto [lo, hi] = std::minmax_element(v.begin(), v.end());
    s = {true, value_bytes(*lo), value_bytes(*hi)};
}

// NaN orders nowhere, so it is left out; a zero bound is written as -0 (min) and +0
// (max) so readers that tell them apart still find every zero (the spec's rule).
template <class T>
void float_min_max(const std::vector<T>& v, chunk_stats& s) {
    bool any = false;
    T lo = 0, hi = 0;
    for (const T x : v) {
        if (std::isnan(x)) continue;
        if (!any || x < lo) lo = x;
        if (!any || x > hi) hi = x;
        any = true;
    }
    if (!any) return;
    if (lo == 0) lo = -T(0);
    if (hi == 0) hi = T(0);
    s = {true, value_bytes(lo), value_bytes(hi)};
}

// Byte-wise unsigned comparison (char_traits<char> compares as unsigned char).
template <class Strings>
void string_min_max(std::size_t n, Strings at, chunk_stats& s) {
    if (!n) return;
    std::string_view lo = at(0), hi = lo;
    for (std::size_t k = 1; k < n; ++k) {
        const std::string_view x = at(k);
        if (x < lo) lo = x;
        if (x > hi) hi = x;
    }
    s = {true, std::string(lo), std::string(hi)};
}

void bool_min_max(const std::vector<uint8_t>& v, chunk_stats& s) {
    if (v.empty()) return;
    const bool any_false = std::find(v.begin(), v.end(), 0) != v.end();
    const bool any_true = std::any_of(v.begin(), v.end(), [](uint8_t x) { return x != 0; });
    s = {true, std::string(1, any_false ? 0 : 1), std::string(1, any_true ? 1 : 0)};
}

// Strings with a dictionary are compared once per distinct value.
chunk_stats column_stats(const column_batch& c, const parquet::dictionary* dict) {
    chunk_stats s;
    switch (c.type) {
        case lake_type::boolean: bool_min_max(c.b, s); break;
        case lake_type::int32: integer_min_max(c.i32, s); break;
        case lake_type::float32: float_min_max(c.f32, s); break;
        case lake_type::float64: float_min_max(c.f64, s); break;
        case lake_type::string:
            if (dict) string_min_max(dict->strings.size(), [&](std::size_t k) { return dict->strings[k]; }, s);
            else string_min_max(c.str_end.size(), [&](std::size_t k) { return c.str(k); }, s);
            break;
        default: integer_min_max(c.i64, s); break;
    }
    return s;
}

// ---- batch checks: a malformed batch is refused, never written ----

std::string check_levels(const column_batch& c, std::size_t rows) {
    if (c.rep.size() != c.def.size()) return "has " + std::to_string(c.rep.size()) + " repetition levels and " +
                                              std::to_string(c.def.size()) + " definition levels";
    std::size_t starts = 0, defined = 0;
    for (std::size_t k = 0; k < c.def.size(); ++k) {
        if (c.rep[k] > c.max_rep || c.def[k] > c.max_def) return "has a level above its maximum";
        if (c.rep[k] && (k == 0 || c.def[k] != c.max_def || c.def[k - 1] != c.max_def))
            return "has a continued list entry without an element before it";
        starts += c.rep[k] == 0;
        defined += c.def[k] == c.max_def;
    }
    if (starts != rows) return "holds " + std::to_string(starts) + " rows, the batch " + std::to_string(rows);
    if (defined != c.values()) return "has " + std::to_string(c.values()) + " values for " +
                                      std::to_string(defined) + " list elements";
    return {};
}

std::string check_column(const column_batch& c, const lake_leaf& leaf, std::size_t rows) {
    if (c.type != leaf.type || c.max_rep != leaf.max_rep || c.max_def != leaf.max_def)
        return "is typed " + std::string(lake_type_name(c.type)) + ", the schema says " +
               std::string(lake_type_name(leaf.type));
    if (c.type == lake_type::string) {
        for (std::size_t k = 1; k < c.str_end.size(); ++k) {
            if (c.str_end[k] < c.str_end[k - 1]) return "has string ends out of order";
        }
        if ((c.str_end.empty() ? 0 : c.str_end.back()) != c.str_data.size()) return "has string ends past its data";
    }
    if (c.max_rep || c.max_def) return check_levels(c, rows);
    if (!c.rep.empty() || !c.def.empty()) return "is not under a list but has levels";
    if (c.values() != rows) return "has " + std::to_string(c.values()) + " values for " + std::to_string(rows) + " rows";
    return {};
}

// ---- pages ----

struct page_range {
    std::size_t level_from, level_to, value_from, value_to;
};

// A page closes once its values pass page_bytes, and only where a row starts (a list's
// elements stay in one page, as readers expect of v1 pages).
std::vector<page_range> split_pages(const column_batch& c, std::size_t page_bytes) {
    std::vector<page_range> pages;
    const bool levelled = c.max_rep || c.max_def;
    const std::size_t levels = c.levels(), width = fixed_width(c.type);
    page_range p{0, 0, 0, 0};
    std::size_t bytes = 0;
    for (std::size_t k = 0; k < levels; ++k) {
        if (!levelled || c.def[k] == c.max_def) {
            bytes += width ? width : 4 + c.str(p.value_to).size();
            ++p.value_to;
        }
        p.level_to = k + 1;
        const bool row_starts_next = !levelled || k + 1 == levels || c.rep[k + 1] == 0;
        if (bytes >= page_bytes && row_starts_next) {
            pages.push_back(p);
            p = {p.level_to, p.level_to, p.value_to, p.value_to};
            bytes = 0;
        }
    }
    if (p.level_to > p.level_from) pages.push_back(p);
    return pages;
}

void put_levels(std::string& out, const std::vector<uint8_t>& levels, const page_range& p, int max) {
    const std::size_t at = out.size();
    out.append(4, '\0');  // the v1 page's 4-byte length prefix, filled in below
    parquet::put_rle_hybrid(out, levels.data() + p.level_from, p.level_to - p.level_from, parquet::bit_width(max));
    const uint32_t len = static_cast<uint32_t>(out.size() - at - 4);
    std::memcpy(out.data() + at, &len, 4);
}

void put_plain_values(std::string& out, const column_batch& c, std::size_t from, std::size_t to) {
    switch (c.type) {
        case lake_type::boolean: parquet::put_plain_bools(out, c.b.data() + from, to - from); break;
        case lake_type::int32: parquet::put_plain(out, c.i32.data() + from, to - from); break;
        case lake_type::float32: parquet::put_plain(out, c.f32.data() + from, to - from); break;
        case lake_type::float64: parquet::put_plain(out, c.f64.data() + from, to - from); break;
        case lake_type::string: parquet::put_plain_strings(out, c, from, to); break;
        default: parquet::put_plain(out, c.i64.data() + from, to - from); break;
    }
}

std::size_t plain_bytes(const column_batch& c) {
    const std::size_t width = fixed_width(c.type);
    return width ? c.values() * width : 4 * c.values() + c.str_data.size();
}

// DataPageHeader or DictionaryPageHeader inside a PageHeader.
void put_page_header(std::string& out, int32_t type, std::size_t raw, std::size_t packed, std::size_t count,
                     int32_t value_encoding) {
    thrift w(out);
    w.struct_begin();
    w.field_i32(1, type);
    w.field_i32(2, static_cast<int32_t>(raw));
    w.field_i32(3, static_cast<int32_t>(packed));
    w.field_struct_begin(type == pq::DICTIONARY_PAGE ? 7 : 5);
    w.field_i32(1, static_cast<int32_t>(count));
    w.field_i32(2, value_encoding);
    if (type == pq::DATA_PAGE) {
        w.field_i32(3, pq::RLE);  // definition levels
        w.field_i32(4, pq::RLE);  // repetition levels
    }
    w.struct_end();
    w.struct_end();
}

struct chunk_meta {
    std::size_t leaf = 0;
    int64_t num_values = 0;
    int64_t raw_bytes = 0, packed_bytes = 0;  // page headers included, as the spec counts
    int64_t data_page_offset = 0;
    int64_t dictionary_page_offset = -1;
    int64_t distinct = -1;
    int64_t nulls = 0;
    chunk_stats stats;
    std::vector<int32_t> encodings;
};

struct row_group_meta {
    std::vector<chunk_meta> chunks;
    int64_t rows = 0, raw_bytes = 0, packed_bytes = 0, file_offset = 0;
};

// ---- footer ----

void put_statistics(thrift& w, const chunk_meta& m) {
    w.field_struct_begin(12);
    w.field_i64(3, m.nulls);
    if (m.distinct >= 0) w.field_i64(4, m.distinct);
    if (m.stats.has_min_max) {
        w.field_binary(5, m.stats.max);
        w.field_binary(6, m.stats.min);
    }
    w.struct_end();
}

void put_column_chunk(thrift& w, const chunk_meta& m, const lake_leaf& leaf, parquet_codec codec) {
    w.struct_begin();
    w.field_i64(2, m.dictionary_page_offset >= 0 ? m.dictionary_page_offset : m.data_page_offset);
    w.field_struct_begin(3);  // ColumnMetaData
    w.field_i32(1, physical_type(leaf.type));
    w.field_list_begin(2, thrift_type::i32, m.encodings.size());
    for (const int32_t e : m.encodings) w.element_i32(e);
    w.field_list_begin(3, thrift_type::binary, leaf.path.size());
    for (const std::string& part : leaf.path) w.element_binary(part);
    w.field_i32(4, parquet::codec_thrift_id(codec));
    w.field_i64(5, m.num_values);
    w.field_i64(6, m.raw_bytes);
    w.field_i64(7, m.packed_bytes);
    w.field_i64(9, m.data_page_offset);
    if (m.dictionary_page_offset >= 0) w.field_i64(11, m.dictionary_page_offset);
    put_statistics(w, m);
    w.struct_end();
    w.struct_end();
}

void put_row_group(thrift& w, const row_group_meta& g, std::size_t ordinal, const lake_table_schema& s,
                   parquet_codec codec) {
    w.struct_begin();
    w.field_list_begin(1, thrift_type::structure, g.chunks.size());
    for (const chunk_meta& m : g.chunks) put_column_chunk(w, m, s.leaves[m.leaf], codec);
    w.field_i64(2, g.raw_bytes);
    w.field_i64(3, g.rows);
    w.field_i64(5, g.file_offset);
    w.field_i64(6, g.packed_bytes);
    w.field_i16(7, static_cast<int16_t>(ordinal));
    w.struct_end();
}

std::string file_metadata(const lake_table_schema& s, const std::vector<row_group_meta>& groups,
                          const parquet_options& o, uint64_t rows) {
    std::string out;
    thrift w(out);
    w.struct_begin();
    w.field_i32(1, 2);  // version
    put_schema(w, s);
    w.field_i64(3, static_cast<int64_t>(rows));
    w.field_list_begin(4, thrift_type::structure, groups.size());
    for (std::size_t i = 0; i < groups.size(); ++i) put_row_group(w, groups[i], i, s, o.codec);
    if (!o.metadata.empty()) {
        w.field_list_begin(5, thrift_type::structure, o.metadata.size());
        for (const auto& [key, value] : o.metadata) {
            w.struct_begin();
            w.field_binary(1, key);
            w.field_binary(2, value);
            w.struct_end();
        }
    }
    w.field_binary(6, o.created_by);
    // TypeDefinedOrder for every leaf: min/max above are in each type's natural order.
    w.field_list_begin(7, thrift_type::structure, s.leaves.size());
    for (std::size_t i = 0; i < s.leaves.size(); ++i) {
        w.struct_begin();
        w.field_struct_begin(1);
        w.struct_end();
        w.struct_end();
    }
    w.struct_end();
    return out;
}

std::string errno_text(const std::string& what, const std::string& path) {
    return what + " " + path + ": " + std::strerror(errno);
}

}  // namespace

bool parquet_codec_from_name(std::string_view name, parquet_codec& out) noexcept {
    if (name == "none" || name == "uncompressed") out = parquet_codec::none;
    else if (name == "snappy") out = parquet_codec::snappy;
    else if (name == "zstd") out = parquet_codec::zstd;
    else return false;
    return true;
}

std::string_view parquet_codec_name(parquet_codec c) noexcept {
    switch (c) {
        case parquet_codec::none: return "none";
        case parquet_codec::snappy: return "snappy";
        case parquet_codec::zstd: return "zstd";
    }
    return "none";
}

struct parquet_writer::impl {
    impl(const lake_table_schema& s, parquet_options o)
        : schema(s), options(std::move(o)), compressor(options.codec, options.zstd_level) {}

    const lake_table_schema& schema;
    parquet_options options;
    parquet::page_compressor compressor;
    int fd = -1;
    bool broken = false;  // a page or write failed part way: the file cannot be finished
    std::string path, tmp_path;
    uint64_t written = 0;  // bytes handed to write()
    std::string out;       // bytes not yet written
    std::vector<row_group_meta> groups;
    // Scratch, reused across chunks.
    std::string page, packed;
    parquet::dictionary dict;

    int64_t position() const noexcept { return static_cast<int64_t>(written + out.size()); }
    bool flush(std::string& error);
    bool put_page(int32_t type, std::size_t count, int32_t encoding, chunk_meta& m, std::string& error);
    bool use_dictionary(const column_batch& c);
    bool put_chunk(const column_batch& c, chunk_meta& m, std::string& error);
};

bool parquet_writer::impl::flush(std::string& error) {
    std::size_t done = 0;
    while (done < out.size()) {
        const ssize_t n = ::write(fd, out.data() + done, out.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) { error = errno_text("cannot write", tmp_path); return false; }
        done += static_cast<std::size_t>(n);
    }
    written += out.size();
    out.clear();
    return true;
}

// Compresses `page` and appends header and body to the file buffer.
bool parquet_writer::impl::put_page(int32_t type, std::size_t count, int32_t encoding, chunk_meta& m,
                                    std::string& error) {
    if (!compressor.compress(page, packed, error)) return false;
    const std::size_t header_at = out.size();
    put_page_header(out, type, page.size(), packed.size(), count, encoding);
    const std::size_t header = out.size() - header_at;
    out.append(packed);
    m.raw_bytes += static_cast<int64_t>(header + page.size());
    m.packed_bytes += static_cast<int64_t>(header + packed.size());
    return true;
}

// A dictionary pays when its page plus the packed indices undercut PLAIN.
bool parquet_writer::impl::use_dictionary(const column_batch& c) {
    if (!options.dictionary || c.type == lake_type::boolean || c.values() == 0) return false;
    if (!parquet::build_dictionary(c, options.dictionary_max_bytes, dict)) return false;
    const std::size_t index_bytes = c.values() * std::max(1, parquet::bit_width(dict.size - 1)) / 8;
    return dict.plain.size() + index_bytes < plain_bytes(c);
}

bool parquet_writer::impl::put_chunk(const column_batch& c, chunk_meta& m, std::string& error) {
    m.num_values = static_cast<int64_t>(c.levels());
    m.nulls = static_cast<int64_t>(c.levels() - c.values());
    const bool dictionary = use_dictionary(c);
    m.stats = column_stats(c, dictionary ? &dict : nullptr);
    if (dictionary) {
        m.dictionary_page_offset = position();
        m.distinct = dict.size;
        page = dict.plain;
        if (!put_page(pq::DICTIONARY_PAGE, dict.size, pq::PLAIN, m, error)) return false;
    }
    // Index width: at least 1 bit, so no reader meets a zero-width stream.
    const int index_width = std::max(1, parquet::bit_width(dictionary ? dict.size - 1 : 0));
    m.data_page_offset = position();
    for (const page_range& p : split_pages(c, options.page_bytes)) {
        page.clear();
        if (c.max_rep) put_levels(page, c.rep, p, c.max_rep);
        if (c.max_def) put_levels(page, c.def, p, c.max_def);
        if (dictionary) {
            page.push_back(static_cast<char>(index_width));
            parquet::put_rle_hybrid(page, dict.indices.data() + p.value_from, p.value_to - p.value_from, index_width);
        } else {
            put_plain_values(page, c, p.value_from, p.value_to);
        }
        const int32_t encoding = dictionary ? pq::RLE_DICTIONARY : pq::PLAIN;
        if (!put_page(pq::DATA_PAGE, p.level_to - p.level_from, encoding, m, error)) return false;
    }
    m.encodings = {pq::PLAIN};  // values, or the dictionary page
    if (c.max_rep || c.max_def) m.encodings.push_back(pq::RLE);
    if (dictionary) m.encodings.push_back(pq::RLE_DICTIONARY);
    return true;
}

parquet_writer::parquet_writer(const lake_table_schema& schema, parquet_options options)
    : _impl(new impl(schema, std::move(options))) {}

parquet_writer::~parquet_writer() {
    if (_impl->fd >= 0) {
        ::close(_impl->fd);
        ::unlink(_impl->tmp_path.c_str());
    }
    delete _impl;
}

bool parquet_writer::open(const std::string& path) {
    if (_impl->fd >= 0) { _error = "parquet: " + _impl->path + " is still open"; return false; }
    _impl->path = path;
    _impl->tmp_path = path + ".tmp";
    _impl->fd = ::open(_impl->tmp_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (_impl->fd < 0) { _error = errno_text("parquet: cannot create", _impl->tmp_path); return false; }
    _impl->written = 0;
    _impl->broken = false;
    _impl->groups.clear();
    _impl->out.assign(magic, 4);
    _stats = {};
    return true;
}

bool parquet_writer::write_row_group(const row_batch& batch) {
    if (_impl->fd < 0 || _impl->broken) { _error = "parquet: write_row_group on a file not open or failed"; return false; }
    const lake_table_schema& s = _impl->schema;
    if (batch.columns.size() != s.leaves.size()) {
        _error = "parquet " + _impl->path + ": the batch has " + std::to_string(batch.columns.size()) +
                 " columns, table " + s.table + " " + std::to_string(s.leaves.size());
        return false;
    }
    for (std::size_t i = 0; i < s.leaves.size(); ++i) {
        const std::string why = check_column(batch.columns[i], s.leaves[i], batch.rows);
        if (!why.empty()) { _error = "parquet " + _impl->path + ": column " + s.leaves[i].dotted + " " + why; return false; }
    }
    if (batch.rows == 0) return true;
    row_group_meta g;
    g.rows = static_cast<int64_t>(batch.rows);
    g.file_offset = _impl->position();
    g.chunks.resize(s.leaves.size());
    for (std::size_t i = 0; i < s.leaves.size(); ++i) {
        chunk_meta& m = g.chunks[i];
        m.leaf = i;
        std::string why;
        if (!_impl->put_chunk(batch.columns[i], m, why)) {
            _error = "parquet " + _impl->path + ": column " + s.leaves[i].dotted + ": " + why;
            _impl->broken = true;
            return false;
        }
        g.raw_bytes += m.raw_bytes;
        g.packed_bytes += m.packed_bytes;
        if (_impl->out.size() >= (8u << 20) && !_impl->flush(_error)) {
            _impl->broken = true;
            return false;
        }
    }
    _stats.uncompressed_bytes += static_cast<uint64_t>(g.raw_bytes);
    _stats.rows += batch.rows;
    ++_stats.row_groups;
    _impl->groups.push_back(std::move(g));
    return true;
}

bool parquet_writer::close() {
    impl& im = *_impl;
    if (im.fd < 0) { _error = "parquet: close without open"; return false; }
    if (im.broken) { _error = "parquet: " + im.path + " failed part way and is abandoned"; return false; }
    const std::string footer = file_metadata(im.schema, im.groups, im.options, _stats.rows);
    const uint32_t len = static_cast<uint32_t>(footer.size());
    im.out.append(footer);
    im.out.append(reinterpret_cast<const char*>(&len), 4);
    im.out.append(magic, 4);
    if (!im.flush(_error)) return false;
    if (::fsync(im.fd) != 0) { _error = errno_text("parquet: cannot fsync", im.tmp_path); return false; }
    ::close(im.fd);
    im.fd = -1;
    if (::rename(im.tmp_path.c_str(), im.path.c_str()) != 0) {
        _error = errno_text("parquet: cannot rename to", im.path);
        ::unlink(im.tmp_path.c_str());
        return false;
    }
    _stats.bytes = im.written;
    // The rename is durable only once the directory is.
    std::string dir = std::filesystem::path(im.path).parent_path().string();
    const int dfd = ::open(dir.empty() ? "." : dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd < 0 || ::fsync(dfd) != 0) {
        _error = errno_text("parquet: cannot fsync directory", dir);
        if (dfd >= 0) ::close(dfd);
        return false;
    }
    ::close(dfd);
    return true;
}

}  // namespace txscreen
