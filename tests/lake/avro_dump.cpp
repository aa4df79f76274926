// Prints every record of spool Avro files as the lake's canonical JSON lines, through
// Apache's avro-c (libavro): an Avro reader independent of txscreen's own
// (controlplane/lake/avro_reader.cpp), for the tests that compare the Parquet files
// with the Avro spool (tests/lake/lake_equal.sh).
//
//   avro_dump --schemas DIR FILE.avro...
//
// Each file is read with its header's schema as the writer schema and the table's
// shipped schema (DIR/<table>.avsc, the table from the path's table=<t> directory) as
// the reader schema, so avro-c's schema resolution fills defaults. Records print in the
// canonical row form tests/lake/parquet_dump.mjs documents (keys in schema order, the
// derived `amount` decimal(18,4) right after `amount_minor` in every record that also
// has `currency_exponent`, longs and timestamps as strings, floats as JavaScript writes
// doubles). The derived amount follows controlplane/lake/avro_reader.cpp's rule:
// amount_minor * 10^(4 - currency_exponent), half away from zero past 4 decimals, 0
// when the exponent is negative or the value does not fit 18 digits.
// A string that is not UTF-8 is an error (a Parquet STRING must be UTF-8).
#include <avro.h>

#include <cinttypes>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>

#include "js_text.h"

namespace {

[[noreturn]] void fail(const std::string& what) { throw std::runtime_error(what); }

void check(int rc, const std::string& what) {
    if (rc != 0) fail(what + ": " + avro_strerror());
}

// ---- output: lines gather in one buffer, written in large pieces ----
std::string out;

void flush_out() {
    if (!out.empty() && std::fwrite(out.data(), 1, out.size(), stdout) != out.size()) fail("write to stdout failed");
    out.clear();
}

// ---- canonical scalars ----

void put_js_number(double x) { out += txscreen::test::js_number(x); }

bool utf8_valid(const unsigned char* s, std::size_t n) {
    std::size_t i = 0;
    while (i < n) {
        const unsigned c = s[i];
        std::size_t extra;
        unsigned min;
        if (c < 0x80) { ++i; continue; }
        if ((c & 0xE0) == 0xC0) extra = 1, min = 0x80;
        else if ((c & 0xF0) == 0xE0) extra = 2, min = 0x800;
        else if ((c & 0xF8) == 0xF0) extra = 3, min = 0x10000;
        else return false;
        if (i + extra >= n) return false;  // truncated sequence
        unsigned cp = c & (0x3F >> extra);
        for (std::size_t j = 1; j <= extra; ++j) {
            if ((s[i + j] & 0xC0) != 0x80) return false;
            cp = cp << 6 | (s[i + j] & 0x3F);
        }
        if (cp < min || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
        i += extra + 1;
    }
    return true;
}

void put_json_string(const char* s, std::size_t n) {
    if (!utf8_valid(reinterpret_cast<const unsigned char*>(s), n)) fail("a string is not valid UTF-8");
    out += txscreen::test::js_string(std::string_view(s, n));
}

void put_quoted_integer(int64_t v) {
    out += '"';
    out += std::to_string(v);
    out += '"';
}

// amount_minor at 4 decimals as an unscaled integer (avro_reader.cpp's rule).
int64_t derive_amount(int64_t minor, int32_t exponent) {
    constexpr int64_t decimal18_max = 999'999'999'999'999'999;
    if (exponent < 0 || exponent > 22) return 0;
    if (exponent <= 4) {
        __int128 v = static_cast<__int128>(minor);
        for (int i = exponent; i < 4; ++i) v *= 10;
        return (v > decimal18_max || v < -decimal18_max) ? 0 : static_cast<int64_t>(v);
    }
    __int128 div = 1;
    for (int i = 4; i < exponent; ++i) div *= 10;
    if (div > INT64_MAX) return 0;
    const __int128 magnitude = minor < 0 ? -static_cast<__int128>(minor) : minor;
    __int128 q = magnitude / div;
    if (2 * (magnitude % div) >= div) ++q;
    return static_cast<int64_t>(minor >= 0 ? q : -q);
}

void put_decimal4(int64_t unscaled) {
    const bool negative = unscaled < 0;
    const uint64_t u = negative ? 0 - static_cast<uint64_t>(unscaled) : static_cast<uint64_t>(unscaled);
    char buf[48];
    std::snprintf(buf, sizeof buf, "\"%s%" PRIu64 ".%04" PRIu64 "\"", negative ? "-" : "", u / 10000, u % 10000);
    out += buf;
}

// ---- values ----

void put_value(avro_value_t& v);

int32_t int_field(avro_value_t& record, const char* name) {
    avro_value_t f;
    check(avro_value_get_by_name(&record, name, &f, nullptr), std::string("field ") + name);
    int32_t x = 0;
    check(avro_value_get_int(&f, &x), std::string("field ") + name);
    return x;
}

void put_record(avro_value_t& v) {
    avro_schema_t schema = avro_value_get_schema(&v);
    const std::size_t fields = avro_schema_record_size(schema);
    const bool derives_amount = avro_schema_record_field_get_index(schema, "amount_minor") >= 0 &&
                                avro_schema_record_field_get_index(schema, "currency_exponent") >= 0;
    out += '{';
    for (std::size_t i = 0; i < fields; ++i) {
        const char* name = avro_schema_record_field_name(schema, static_cast<int>(i));
        avro_value_t child;
        check(avro_value_get_by_index(&v, i, &child, nullptr), std::string("field ") + name);
        if (i) out += ',';
        put_json_string(name, std::strlen(name));
        out += ':';
        put_value(child);
        if (derives_amount && std::strcmp(name, "amount_minor") == 0) {
            int64_t minor = 0;
            check(avro_value_get_long(&child, &minor), "amount_minor");
            out += ",\"amount\":";
            put_decimal4(derive_amount(minor, int_field(v, "currency_exponent")));
        }
    }
    out += '}';
}

void put_array(avro_value_t& v) {
    std::size_t n = 0;
    check(avro_value_get_size(&v, &n), "array size");
    out += '[';
    for (std::size_t i = 0; i < n; ++i) {
        avro_value_t element;
        check(avro_value_get_by_index(&v, i, &element, nullptr), "array element");
        if (i) out += ',';
        put_value(element);
    }
    out += ']';
}

void put_value(avro_value_t& v) {
    switch (avro_value_get_type(&v)) {
        case AVRO_RECORD: return put_record(v);
        case AVRO_ARRAY: return put_array(v);
        case AVRO_BOOLEAN: {
            int b = 0;
            check(avro_value_get_boolean(&v, &b), "boolean");
            out += b ? "true" : "false";
            return;
        }
        case AVRO_INT32: {
            int32_t x = 0;
            check(avro_value_get_int(&v, &x), "int");
            out += std::to_string(x);
            return;
        }
        case AVRO_INT64: {
            int64_t x = 0;
            check(avro_value_get_long(&v, &x), "long");
            return put_quoted_integer(x);
        }
        case AVRO_FLOAT: {
            float x = 0;
            check(avro_value_get_float(&v, &x), "float");
            return put_js_number(static_cast<double>(x));
        }
        case AVRO_DOUBLE: {
            double x = 0;
            check(avro_value_get_double(&v, &x), "double");
            return put_js_number(x);
        }
        case AVRO_STRING: {
            const char* s = nullptr;
            std::size_t size = 0;  // counts the terminating NUL
            check(avro_value_get_string(&v, &s, &size), "string");
            return put_json_string(s, size ? size - 1 : 0);
        }
        default: fail("a value of a type the lake's schemas do not use");
    }
}

// ---- files ----

std::string read_text(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail("cannot open " + path);
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
}

std::string table_of(const std::string& path, const char* writer_name) {
    std::smatch m;
    static const std::regex table_dir("(?:^|/)table=([a-z]+)/");
    if (std::regex_search(path, m, table_dir)) return m[1];
    static const std::map<std::string, std::string> by_record = {
        {"alert", "alerts"}, {"reject", "rejects"}, {"outcome", "outcomes"}, {"aggregate", "aggregates"}, {"spike", "spikes"}};
    auto it = by_record.find(writer_name);
    return it == by_record.end() ? writer_name : it->second;
}

// The reader schemas, parsed once per table.
avro_schema_t reader_schema(const std::string& dir, const std::string& table) {
    static std::map<std::string, avro_schema_t> parsed;
    auto it = parsed.find(table);
    if (it != parsed.end()) return it->second;
    const std::string path = dir + "/" + table + ".avsc";
    const std::string json = read_text(path);
    avro_schema_t schema = nullptr;
    check(avro_schema_from_json_length(json.data(), json.size(), &schema), path);
    return parsed[table] = schema;
}

void dump(const std::string& path, const std::string& schemas) {
    avro_file_reader_t file;
    check(avro_file_reader(path.c_str(), &file), path);
    avro_schema_t writer = avro_file_reader_get_writer_schema(file);
    avro_schema_t reader = reader_schema(schemas, table_of(path, avro_schema_name(writer)));
    avro_value_iface_t* resolver = avro_resolved_writer_new(writer, reader);
    if (!resolver) fail(path + ": writer and reader schemas do not resolve: " + avro_strerror());
    avro_value_iface_t* reader_class = avro_generic_class_from_schema(reader);
    avro_value_t resolved, record;
    check(avro_resolved_writer_new_value(resolver, &resolved), path);
    check(avro_generic_value_new(reader_class, &record), path);
    avro_resolved_writer_set_dest(&resolved, &record);
    int rc;
    while ((rc = avro_file_reader_read_value(file, &resolved)) == 0) {
        put_record(record);
        out += '\n';
        if (out.size() > (1u << 22)) flush_out();
    }
    if (rc != EOF) fail(path + ": " + avro_strerror());
    avro_value_decref(&record);
    avro_value_decref(&resolved);
    avro_value_iface_decref(reader_class);
    avro_value_iface_decref(resolver);
    avro_file_reader_close(file);
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 4 || std::strcmp(argv[1], "--schemas") != 0) {
        std::fprintf(stderr, "usage: avro_dump --schemas DIR FILE.avro...\n");
        return 2;
    }
    const std::string schemas = argv[2];
    std::string current;
    try {
        for (int i = 3; i < argc; ++i) {
            current = argv[i];
            dump(current, schemas);
        }
        flush_out();
    } catch (const std::exception& e) {
        flush_out();
        std::fprintf(stderr, "avro_dump: %s: %s\n", current.c_str(), e.what());
        return 1;
    }
    return 0;
}
