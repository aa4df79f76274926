#include "controlplane/lake/avro_reader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "controlplane/avro_container.h"
#include "controlplane/avro_encode.h"

namespace txscreen {

namespace {

using json = nlohmann::json;

// ---- the writer schema (the file header's), as far as decoding needs it

enum class wkind : uint8_t { null, boolean, int_, long_, float_, double_, string, array, map, record, enum_, fixed, union_ };

struct wnode {
    wkind kind = wkind::null;
    std::size_t fixed_size = 0;
    std::vector<std::string> names;            // record: field names
    std::vector<std::shared_ptr<wnode>> kids;  // record: fields; array/map: items/values; union: branches
};
using wnode_ptr = std::shared_ptr<wnode>;

[[noreturn]] void schema_fail(const std::string& where, const std::string& what) {
    throw std::runtime_error("writer schema" + (where.empty() ? std::string() : ", field " + where) + ": " + what);
}

struct schema_parser {
    std::map<std::string, wnode_ptr> named;  // records, enums and fixed by (short and full) name

    wnode_ptr parse(const json& t, const std::string& where, int depth) {
        if (depth > 32) schema_fail(where, "nested too deep");
        if (t.is_string()) return primitive(t.get<std::string>(), where);
        if (t.is_array()) {
            auto n = std::make_shared<wnode>();
            n->kind = wkind::union_;
            for (const json& b : t) n->kids.push_back(parse(b, where, depth + 1));
            if (n->kids.empty()) schema_fail(where, "an empty union");
            return n;
        }
        if (!t.is_object() || !t.contains("type")) schema_fail(where, "a type must be a name, a union or an object");
        const json& type = t["type"];
        if (!type.is_string()) return parse(type, where, depth + 1);
        const std::string name = type.get<std::string>();
        auto n = std::make_shared<wnode>();
        if (name == "record" || name == "error") {
            n->kind = wkind::record;
            const auto it = t.find("fields");
            if (it == t.end() || !it->is_array()) schema_fail(where, "a record needs \"fields\"");
            for (const json& f : *it) {
                if (!f.is_object() || !f.contains("name") || !f["name"].is_string() || !f.contains("type"))
                    schema_fail(where, "a record field needs a name and a type");
                const std::string fname = f["name"].get<std::string>();
                if (std::find(n->names.begin(), n->names.end(), fname) != n->names.end())
                    schema_fail(where.empty() ? fname : where + "." + fname, "the name appears twice");
                n->names.push_back(fname);
                n->kids.push_back(parse(f["type"], where.empty() ? fname : where + "." + fname, depth + 1));
            }
            remember(t, n);  // only now: a record that holds itself is refused (unknown type)
            return n;
        }
        if (name == "array" || name == "map") {
            n->kind = name == "array" ? wkind::array : wkind::map;
            const char* key = name == "array" ? "items" : "values";
            if (!t.contains(key)) schema_fail(where, name + " needs \"" + key + "\"");
            n->kids.push_back(parse(t[key], where, depth + 1));
            return n;
        }
        if (name == "enum") {
            n->kind = wkind::enum_;
            remember(t, n);
            return n;
        }
        if (name == "fixed") {
            n->kind = wkind::fixed;
            if (!t.contains("size") || !t["size"].is_number_unsigned()) schema_fail(where, "fixed needs a size");
            n->fixed_size = t["size"].get<std::size_t>();
            remember(t, n);
            return n;
        }
        return primitive(name, where);  // {"type": "long", "logicalType": ...}
    }

    wnode_ptr primitive(const std::string& name, const std::string& where) {
        static const std::pair<const char*, wkind> kinds[] = {
            {"null", wkind::null},     {"boolean", wkind::boolean}, {"int", wkind::int_},     {"long", wkind::long_},
            {"float", wkind::float_},  {"double", wkind::double_},  {"string", wkind::string}, {"bytes", wkind::string},
        };
        for (const auto& [n, k] : kinds) {
            if (name == n) {
                auto node = std::make_shared<wnode>();
                node->kind = k;
                return node;
            }
        }
        if (auto it = named.find(name); it != named.end()) return it->second;
        schema_fail(where, "unknown type \"" + name + "\"");
    }

    void remember(const json& t, const wnode_ptr& n) {
        if (!t.contains("name") || !t["name"].is_string()) return;
        const std::string name = t["name"].get<std::string>();
        named[name] = n;
        if (t.contains("namespace") && t["namespace"].is_string() && name.find('.') == std::string::npos)
            named[t["namespace"].get<std::string>() + "." + name] = n;
    }
};

// ---- the decoding program: the writer schema bound to the target (reader) schema

enum class op : uint8_t {
    skip,         // a writer value the target does not hold (`skipped` says its kind)
    boolean,      // -> b
    int_to_i32,   // -> i32
    int_to_i64,   // int or long -> i64
    int_to_f32,   // int or long -> f32
    int_to_f64,   // int or long -> f64
    float_to_f32,
    float_to_f64,
    double_to_f64,
    string,       // string or bytes -> str
    list,         // array -> list leaves
    record,
};

// What a record keeps of its own values to compute derived columns.
enum class capture : uint8_t { none, amount_minor, currency_exponent };

struct prog {
    op code = op::skip;
    bool is_long = false;              // writer long (else int) for the int_to_* ops
    capture keep = capture::none;
    int leaf = -1;                     // target column of a primitive
    wnode_ptr skipped;                 // op::skip: the writer node to step over
    std::vector<prog> fields;          // op::record: one per writer field, in writer order
    std::vector<std::size_t> absent;   // op::record: indexes into `defaults`
    struct fill {
        std::string bytes;             // the .avsc default, Avro-encoded for `how`
        std::shared_ptr<prog> how;
    };
    std::vector<fill> defaults;        // op::record: target fields the writer lacks
    int amount_leaf = -1;              // op::record: the derived decimal column
    std::shared_ptr<prog> element;     // op::list
    bool element_empty = false;        // op::list: an item may take no bytes
    int first_leaf = 0, end_leaf = 0;  // op::list: the leaves under it
};

// Counts the leaves of a target field (depth-first, as lake_schema lays them out).
int leaf_count(const lake_field& f) {
    if (f.type == lake_type::list) return leaf_count(f.children.front());
    if (f.type != lake_type::record) return 1;
    int n = 0;
    for (const lake_field& c : f.children) n += leaf_count(c);
    return n;
}

std::string field_path(const std::string& where, const std::string& name) {
    return where.empty() ? name : where + "." + name;
}

std::string kind_name(wkind k) {
    static const char* const names[] = {"null", "boolean", "int", "long", "float", "double", "string",
                                        "array", "map", "record", "enum", "fixed", "union"};
    return names[static_cast<int>(k)];
}

// A writer node that encodes what `f` holds (for its .avsc default).
wnode_ptr node_for(const lake_field& f) {
    auto n = std::make_shared<wnode>();
    switch (f.type) {
        case lake_type::boolean: n->kind = wkind::boolean; break;
        case lake_type::int32: n->kind = wkind::int_; break;
        case lake_type::int64:
        case lake_type::timestamp_ms:
        case lake_type::decimal18_4: n->kind = wkind::long_; break;
        case lake_type::float32: n->kind = wkind::float_; break;
        case lake_type::float64: n->kind = wkind::double_; break;
        case lake_type::string: n->kind = wkind::string; break;
        case lake_type::list:
            n->kind = wkind::array;
            n->kids.push_back(node_for(f.children.front()));
            break;
        case lake_type::record:
            n->kind = wkind::record;
            for (const lake_field& c : f.children) {
                if (c.derived) continue;
                n->names.push_back(c.name);
                n->kids.push_back(node_for(c));
            }
            break;
    }
    return n;
}

// Avro-encodes the JSON default `v` of field `f`.
void encode_default(const lake_field& f, const json& v, std::string& out, const std::string& where) {
    uint8_t buf[16];
    auto put_long = [&](int64_t x) { out.append(reinterpret_cast<char*>(buf), avro::put_long(buf, x) - buf); };
    auto bad = [&] { schema_fail(where, "default " + v.dump() + " does not fit " + std::string(lake_type_name(f.type))); };
    switch (f.type) {
        case lake_type::boolean:
            if (!v.is_boolean()) bad();
            out.push_back(v.get<bool>() ? 1 : 0);
            return;
        case lake_type::int32:
        case lake_type::int64:
        case lake_type::timestamp_ms:
        case lake_type::decimal18_4:
            if (!v.is_number_integer()) bad();
            put_long(v.get<int64_t>());
            return;
        case lake_type::float32: {
            if (!v.is_number()) bad();
            const float x = v.get<float>();
            out.append(reinterpret_cast<const char*>(&x), 4);
            return;
        }
        case lake_type::float64: {
            if (!v.is_number()) bad();
            const double x = v.get<double>();
            out.append(reinterpret_cast<const char*>(&x), 8);
            return;
        }
        case lake_type::string:
            if (!v.is_string()) bad();
            put_long(static_cast<int64_t>(v.get_ref<const std::string&>().size()));
            out += v.get_ref<const std::string&>();
            return;
        case lake_type::list:
            if (!v.is_array()) bad();
            if (!v.empty()) {
                put_long(static_cast<int64_t>(v.size()));
                for (const json& e : v) encode_default(f.children.front(), e, out, where);
            }
            put_long(0);
            return;
        case lake_type::record:
            if (!v.is_object()) bad();
            for (const lake_field& c : f.children) {
                if (c.derived) continue;
                if (v.contains(c.name)) {
                    encode_default(c, v[c.name], out, field_path(where, c.name));
                } else if (!c.default_json.empty()) {
                    encode_default(c, json::parse(c.default_json), out, field_path(where, c.name));
                } else {
                    schema_fail(field_path(where, c.name), "the record default lacks it and it has no default");
                }
            }
            return;
    }
}

// True when a value of `w` may take no bytes at all.
bool encodes_empty(const wnode& w, int depth = 0) {
    if (depth > 64) return true;
    switch (w.kind) {
        case wkind::null: return true;
        case wkind::fixed: return w.fixed_size == 0;
        case wkind::record:
            for (const wnode_ptr& k : w.kids)
                if (!encodes_empty(*k, depth + 1)) return false;
            return true;
        default: return false;
    }
}

class binder {
public:
    // Binds writer node `w` to target field `f`, whose first leaf is `leaf`.
    prog bind(const wnode_ptr& w, const lake_field& f, int leaf, const std::string& where) {
        prog p;
        auto mismatch = [&] {
            schema_fail(where, "the file has " + kind_name(w->kind) + ", the table wants " +
                                   std::string(lake_type_name(f.type)));
        };
        const wkind k = w->kind;
        const bool integer = k == wkind::int_ || k == wkind::long_;
        p.is_long = k == wkind::long_;
        p.leaf = leaf;
        switch (f.type) {
            case lake_type::boolean:
                if (k != wkind::boolean) mismatch();
                p.code = op::boolean;
                break;
            case lake_type::int32:
                if (k != wkind::int_) mismatch();
                p.code = op::int_to_i32;
                break;
            case lake_type::int64:
            case lake_type::timestamp_ms:
                if (!integer) mismatch();
                p.code = op::int_to_i64;
                break;
            case lake_type::float32:
                if (integer) p.code = op::int_to_f32;
                else if (k == wkind::float_) p.code = op::float_to_f32;
                else mismatch();
                break;
            case lake_type::float64:
                if (integer) p.code = op::int_to_f64;
                else if (k == wkind::float_) p.code = op::float_to_f64;
                else if (k == wkind::double_) p.code = op::double_to_f64;
                else mismatch();
                break;
            case lake_type::string:
                if (k != wkind::string) mismatch();
                p.code = op::string;
                break;
            case lake_type::decimal18_4:
                schema_fail(where, "a decimal column must be derived");
            case lake_type::list:
                if (k != wkind::array) mismatch();
                p.code = op::list;
                p.first_leaf = leaf;
                p.end_leaf = leaf + leaf_count(f);
                p.element = std::make_shared<prog>(bind(w->kids.front(), f.children.front(), leaf, where));
                p.element_empty = encodes_empty(*w->kids.front());
                break;
            case lake_type::record:
                if (k != wkind::record) mismatch();
                bind_record(p, *w, f.children, leaf, where);
                break;
        }
        if (f.name == "amount_minor") p.keep = capture::amount_minor;
        if (f.name == "currency_exponent") p.keep = capture::currency_exponent;
        return p;
    }

    // Binds a writer record to the target's fields (by name, Avro's resolution rule).
    void bind_record(prog& p, const wnode& w, const std::vector<lake_field>& fields, int leaf, const std::string& where) {
        p.code = op::record;
        std::vector<int> first_leaf(fields.size());
        for (std::size_t i = 0; i < fields.size(); ++i) {
            first_leaf[i] = leaf;
            leaf += leaf_count(fields[i]);
        }
        std::vector<bool> found(fields.size(), false);
        for (std::size_t wi = 0; wi < w.names.size(); ++wi) {
            std::size_t ti = 0;
            while (ti < fields.size() && (fields[ti].name != w.names[wi] || fields[ti].derived)) ++ti;
            if (ti == fields.size()) {
                prog skip;
                skip.skipped = w.kids[wi];
                p.fields.push_back(std::move(skip));
                continue;
            }
            found[ti] = true;
            p.fields.push_back(bind(w.kids[wi], fields[ti], first_leaf[ti], field_path(where, fields[ti].name)));
        }
        for (std::size_t ti = 0; ti < fields.size(); ++ti) {
            const lake_field& f = fields[ti];
            const std::string path = field_path(where, f.name);
            if (f.derived) {
                if (f.name != "amount" || f.type != lake_type::decimal18_4) schema_fail(path, "unknown derived column");
                p.amount_leaf = first_leaf[ti];
                continue;
            }
            if (found[ti]) continue;
            if (f.default_json.empty()) schema_fail(path, "not in the file and the table's schema gives no default");
            prog::fill fill;
            encode_default(f, json::parse(f.default_json), fill.bytes, path);
            fill.how = std::make_shared<prog>(bind(node_for(f), f, first_leaf[ti], path));
            p.defaults.push_back(std::move(fill));
        }
    }
};

// ---- decoding

struct decode_error {
    const char* what;
};

// 10^n for n = 0..18.
constexpr int64_t pow10(int n) noexcept {
    int64_t x = 1;
    while (n-- > 0) x *= 10;
    return x;
}
constexpr int64_t decimal18_max = pow10(18) - 1;

// amount_minor at 4 decimals; 0 when the exponent is negative or the value does not fit
// decimal(18,4) (amount_minor keeps the exact figure). Exponents above 4 round half away
// from zero.
int64_t derive_amount(int64_t minor, int64_t exponent) noexcept {
    if (exponent < 0 || exponent > 22) return 0;
    if (exponent <= 4) {
        const int64_t scale = pow10(4 - static_cast<int>(exponent));
        if (minor > decimal18_max / scale || minor < -decimal18_max / scale) return 0;
        return minor * scale;
    }
    if (exponent > 18 + 4) return 0;
    const int64_t div = exponent - 4 >= 19 ? 0 : pow10(static_cast<int>(exponent - 4));
    if (div == 0) return 0;
    const int64_t q = minor / div, r = minor % div;
    const int64_t half = div / 2 + div % 2;  // |r| >= half rounds away from zero
    if (r >= half) return q + 1;
    if (-r >= half) return q - 1;
    return q;
}

struct decoder {
    row_batch& batch;
    const uint8_t* end;

    int64_t get_long(const uint8_t*& p) {
        if (p < end && *p < 0x80) [[likely]] {  // one byte: most ints and string lengths
            const uint8_t z = *p++;
            return static_cast<int64_t>(z >> 1) ^ -static_cast<int64_t>(z & 1);
        }
        int64_t v;
        if (!avro::get_long(p, end, v)) throw decode_error{"a number runs past the block"};
        return v;
    }

    int64_t get_int(const uint8_t*& p) {
        const int64_t v = get_long(p);
        if (v < INT32_MIN || v > INT32_MAX) throw decode_error{"an int is out of range"};
        return v;
    }

    std::string_view get_bytes(const uint8_t*& p) {
        const int64_t n = get_long(p);
        if (n < 0 || n > end - p) throw decode_error{"a string length runs past the block"};
        std::string_view s(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
        p += n;
        return s;
    }

    template <typename T>
    T get_fixed(const uint8_t*& p) {
        if (end - p < static_cast<std::ptrdiff_t>(sizeof(T))) throw decode_error{"a number runs past the block"};
        T v;
        std::memcpy(&v, p, sizeof v);
        p += sizeof v;
        return v;
    }

    // Array and map block counts: a negative count comes with the block's byte size.
    // Items that encode to no bytes (null) are capped per block, so a few bytes of input
    // cannot ask for billions of them.
    int64_t block_count(const uint8_t*& p, bool empty_items) {
        int64_t n = get_long(p);
        if (n < 0) {
            const int64_t bytes = get_long(p);
            if (n == INT64_MIN || bytes < 0 || bytes > end - p) throw decode_error{"an array block size runs past the block"};
            n = -n;
        }
        if (n > (empty_items ? 64 : end - p)) throw decode_error{"an array count runs past the block"};
        return n;
    }

    void skip(const wnode& w, const uint8_t*& p, int depth = 0) {
        if (depth > 64) throw decode_error{"values nested too deep"};
        switch (w.kind) {
            case wkind::null: return;
            case wkind::boolean:
                if (p >= end) throw decode_error{"a boolean runs past the block"};
                ++p;
                return;
            case wkind::int_:
            case wkind::long_:
            case wkind::enum_: get_long(p); return;
            case wkind::float_: get_fixed<float>(p); return;
            case wkind::double_: get_fixed<double>(p); return;
            case wkind::string: get_bytes(p); return;
            case wkind::fixed:
                if (static_cast<std::size_t>(end - p) < w.fixed_size) throw decode_error{"a fixed runs past the block"};
                p += w.fixed_size;
                return;
            case wkind::record:
                for (const wnode_ptr& k : w.kids) skip(*k, p, depth + 1);
                return;
            case wkind::union_: {
                const int64_t branch = get_long(p);
                if (branch < 0 || static_cast<std::size_t>(branch) >= w.kids.size())
                    throw decode_error{"a union branch is out of range"};
                skip(*w.kids[static_cast<std::size_t>(branch)], p, depth + 1);
                return;
            }
            case wkind::array:
            case wkind::map:
                for (int64_t n; (n = block_count(p, w.kind == wkind::array && encodes_empty(*w.kids.front()))) != 0;) {
                    for (int64_t i = 0; i < n; ++i) {
                        if (w.kind == wkind::map) get_bytes(p);
                        skip(*w.kids.front(), p, depth + 1);
                    }
                }
                return;
        }
    }

    // Appends the level entries of one value at `rep` (-1: a flat column, no levels).
    [[gnu::always_inline]] column_batch& column(int leaf, int rep) {
        column_batch& c = batch.columns[static_cast<std::size_t>(leaf)];
        if (rep >= 0) {
            c.rep.push_back(static_cast<uint8_t>(rep));
            c.def.push_back(1);
        }
        return c;
    }

    struct captured {
        int64_t minor = 0, exponent = 0;
    };

    void value(const prog& g, const uint8_t*& p, int rep, captured* keep) {
        int64_t x = 0;
        switch (g.code) {
            case op::skip: skip(*g.skipped, p); return;
            case op::boolean: {
                if (p >= end) throw decode_error{"a boolean runs past the block"};
                if (*p > 1) throw decode_error{"a boolean is neither 0 nor 1"};
                column(g.leaf, rep).b.push_back(*p++);
                return;
            }
            case op::int_to_i32:
                x = get_int(p);
                column(g.leaf, rep).i32.push_back(static_cast<int32_t>(x));
                break;
            case op::int_to_i64:
                x = g.is_long ? get_long(p) : get_int(p);
                column(g.leaf, rep).i64.push_back(x);
                break;
            case op::int_to_f32:
                x = g.is_long ? get_long(p) : get_int(p);
                column(g.leaf, rep).f32.push_back(static_cast<float>(x));
                break;
            case op::int_to_f64:
                x = g.is_long ? get_long(p) : get_int(p);
                column(g.leaf, rep).f64.push_back(static_cast<double>(x));
                break;
            case op::float_to_f32: column(g.leaf, rep).f32.push_back(get_fixed<float>(p)); return;
            case op::float_to_f64: column(g.leaf, rep).f64.push_back(get_fixed<float>(p)); return;
            case op::double_to_f64: column(g.leaf, rep).f64.push_back(get_fixed<double>(p)); return;
            case op::string: {
                const std::string_view s = get_bytes(p);
                column_batch& c = column(g.leaf, rep);
                if (c.str_data.size() + s.size() > UINT32_MAX) throw decode_error{"a batch holds over 4 GiB of text"};
                c.str_data.append(s);
                c.str_end.push_back(static_cast<uint32_t>(c.str_data.size()));
                return;
            }
            case op::list: list(g, p); return;
            case op::record: record(g, p, rep); return;
        }
        if (keep && g.keep == capture::amount_minor) keep->minor = x;
        if (keep && g.keep == capture::currency_exponent) keep->exponent = x;
    }

    void list(const prog& g, const uint8_t*& p) {
        int64_t k = 0;
        for (int64_t n; (n = block_count(p, g.element_empty)) != 0;) {
            for (int64_t i = 0; i < n; ++i, ++k) value(*g.element, p, k == 0 ? 0 : 1, nullptr);
        }
        if (k != 0) return;
        for (int leaf = g.first_leaf; leaf < g.end_leaf; ++leaf) {  // an empty list: one entry, no value
            column_batch& c = batch.columns[static_cast<std::size_t>(leaf)];
            c.rep.push_back(0);
            c.def.push_back(0);
        }
    }

    void record(const prog& g, const uint8_t*& p, int rep) {
        captured keep;
        for (const prog& f : g.fields) value(f, p, rep, &keep);
        for (const prog::fill& d : g.defaults) {
            const uint8_t* q = reinterpret_cast<const uint8_t*>(d.bytes.data());
            decoder inner{batch, q + d.bytes.size()};
            inner.value(*d.how, q, rep, &keep);
        }
        if (g.amount_leaf >= 0) column(g.amount_leaf, rep).i64.push_back(derive_amount(keep.minor, keep.exponent));
    }
};

// What each column held before a run of rows (to take back a row cut halfway).
struct column_mark {
    std::size_t levels, values, text;
};

std::size_t value_count(const column_batch& c) {
    switch (c.type) {
        case lake_type::boolean: return c.b.size();
        case lake_type::int32: return c.i32.size();
        case lake_type::float32: return c.f32.size();
        case lake_type::float64: return c.f64.size();
        case lake_type::string: return c.str_end.size();
        default: return c.i64.size();
    }
}

void truncate_to(column_batch& c, const column_mark& m) {
    c.rep.resize(std::min(c.rep.size(), m.levels));
    c.def.resize(std::min(c.def.size(), m.levels));
    c.b.resize(std::min(c.b.size(), m.values));
    c.i32.resize(std::min(c.i32.size(), m.values));
    c.i64.resize(std::min(c.i64.size(), m.values));
    c.f32.resize(std::min(c.f32.size(), m.values));
    c.f64.resize(std::min(c.f64.size(), m.values));
    c.str_end.resize(std::min(c.str_end.size(), m.values));
    c.str_data.resize(std::min(c.str_data.size(), m.text));
}

}  // namespace

struct avro_file_reader::impl {
    const lake_table_schema& target;
    std::string name;
    std::vector<uint8_t> owned;  // the file's bytes (open), or none (open_bytes)
    const uint8_t* data = nullptr;
    std::size_t len = 0;
    std::size_t pos = 0;         // next byte to decode
    uint8_t sync[avro_sync_bytes] = {};
    std::string schema_json;
    prog program;
    bool ready = false;
    bool failed = false;
    std::size_t block_end = 0;   // end of the current block's records (0: between blocks)
    int64_t block_left = 0;      // records of the current block not yet decoded
    std::size_t block_start = 0;
    std::string error;
    uint64_t rows = 0;
    std::vector<column_mark> marks;

    explicit impl(const lake_table_schema& t) : target(t) {}

    bool fail(std::size_t offset, const std::string& what) {
        error = "avro: " + name + ": offset " + std::to_string(offset) + ": " + what;
        failed = true;
        return false;
    }

    bool read_header();
    bool next_block();
    long read(row_batch& batch, std::size_t max_rows);
};

bool avro_file_reader::impl::read_header() {
    static constexpr uint8_t magic[4] = {'O', 'b', 'j', 1};
    if (len < 4 || std::memcmp(data, magic, 4) != 0) {
        error = "avro: " + name + ": bad magic (not an Avro object container file)";
        failed = true;
        return false;
    }
    const uint8_t* p = data + 4;
    const uint8_t* end = data + len;
    std::string codec = "null";
    bool have_schema = false;
    for (;;) {
        int64_t n;
        const std::size_t at = static_cast<std::size_t>(p - data);
        if (!avro::get_long(p, end, n)) return fail(at, "header metadata cut short");
        if (n == 0) break;
        if (n < 0) {
            int64_t bytes;
            if (n == INT64_MIN || !avro::get_long(p, end, bytes)) return fail(at, "header metadata cut short");
            n = -n;
        }
        for (int64_t i = 0; i < n; ++i) {
            int64_t kl, vl;
            const std::size_t entry = static_cast<std::size_t>(p - data);
            if (!avro::get_long(p, end, kl) || kl < 0 || kl > end - p) return fail(entry, "header metadata cut short");
            std::string key(reinterpret_cast<const char*>(p), static_cast<std::size_t>(kl));
            p += kl;
            if (!avro::get_long(p, end, vl) || vl < 0 || vl > end - p) return fail(entry, "header metadata cut short");
            std::string value(reinterpret_cast<const char*>(p), static_cast<std::size_t>(vl));
            p += vl;
            if (key == "avro.schema") schema_json = std::move(value), have_schema = true;
            if (key == "avro.codec") codec = std::move(value);
        }
    }
    const std::size_t sync_at = static_cast<std::size_t>(p - data);
    if (end - p < static_cast<std::ptrdiff_t>(avro_sync_bytes)) return fail(sync_at, "header sync marker cut short");
    std::memcpy(sync, p, avro_sync_bytes);
    pos = sync_at + avro_sync_bytes;
    if (!have_schema) return fail(0, "the header has no avro.schema");
    if (codec != "null" && !codec.empty()) return fail(0, "codec \"" + codec + "\" is not supported (only null)");
    try {
        const json doc = json::parse(schema_json);
        schema_parser parser;
        const wnode_ptr root = parser.parse(doc, "", 0);
        if (root->kind != wkind::record) throw std::runtime_error("writer schema: the top level is not a record");
        binder b;
        b.bind_record(program, *root, target.fields, 0, "");
    } catch (const std::exception& e) {
        return fail(0, e.what());
    }
    ready = true;
    return true;
}

bool avro_file_reader::impl::next_block() {
    const uint8_t* p = data + pos;
    const uint8_t* end = data + len;
    int64_t count, size;
    if (!avro::get_long(p, end, count) || !avro::get_long(p, end, size)) return fail(pos, "block header cut short");
    if (count <= 0 || size < 0) return fail(pos, "block header is not valid (count " + std::to_string(count) + ")");
    // Every spool record takes at least a byte (its schema_version): more records than
    // bytes is a damaged header, which would otherwise decode rows out of nothing.
    if (count > size) return fail(pos, "block announces " + std::to_string(count) + " records in " +
                                            std::to_string(size) + " bytes");
    if (size > end - p || end - p - size < static_cast<std::ptrdiff_t>(avro_sync_bytes))
        return fail(pos, "block cut short (" + std::to_string(size) + " bytes announced)");
    if (std::memcmp(p + size, sync, avro_sync_bytes) != 0) return fail(pos, "block does not end in the sync marker");
    block_start = pos;
    pos = static_cast<std::size_t>(p - data);
    block_end = pos + static_cast<std::size_t>(size);
    block_left = count;
    return true;
}

long avro_file_reader::impl::read(row_batch& batch, std::size_t max_rows) {
    if (failed || !ready) {
        if (!failed) error = "avro: " + name + ": not open";
        return -1;
    }
    if (batch.columns.size() != target.leaves.size()) {
        error = "avro: " + name + ": the batch is not of this reader's table";
        return -1;
    }
    long appended = 0;
    while (static_cast<std::size_t>(appended) < max_rows) {
        if (block_left == 0) {
            if (block_end) {
                pos = block_end + avro_sync_bytes;
                block_end = 0;
            }
            if (pos == len) break;
            if (!next_block()) return -1;
        }
        marks.resize(batch.columns.size());
        for (std::size_t i = 0; i < batch.columns.size(); ++i) {
            const column_batch& c = batch.columns[i];
            marks[i] = {c.def.size(), value_count(c), c.str_data.size()};
        }
        const std::size_t take =
            std::min(static_cast<std::size_t>(block_left), max_rows - static_cast<std::size_t>(appended));
        decoder dec{batch, data + block_end};
        const uint8_t* p = data + pos;
        std::size_t done = 0;
        const uint8_t* row_start = p;
        try {
            for (; done < take; ++done) {
                row_start = p;
                dec.record(program, p, -1);
            }
        } catch (const decode_error& e) {
            // Take back the row cut halfway, then decode the good ones again (the same bytes).
            for (std::size_t i = 0; i < batch.columns.size(); ++i) truncate_to(batch.columns[i], marks[i]);
            const uint8_t* q = data + pos;
            for (std::size_t i = 0; i < done; ++i) dec.record(program, q, -1);
            batch.rows += done;
            rows += done;
            fail(static_cast<std::size_t>(row_start - data), std::string(e.what) + " (record " +
                                                                 std::to_string(rows) + ")");
            return -1;
        } catch (const std::exception& e) {  // out of memory on a hostile file: rows of this block dropped
            for (std::size_t i = 0; i < batch.columns.size(); ++i) truncate_to(batch.columns[i], marks[i]);
            fail(static_cast<std::size_t>(row_start - data), std::string("cannot decode: ") + e.what());
            return -1;
        }
        pos = static_cast<std::size_t>(p - data);
        block_left -= static_cast<int64_t>(take);
        batch.rows += take;
        rows += take;
        appended += static_cast<long>(take);
        if (block_left == 0 && pos != block_end) {
            fail(block_start, "the block's byte size disagrees with its records (" +
                                  std::to_string(block_end - pos) + " bytes left over)");
            return -1;
        }
    }
    return appended;
}

avro_file_reader::avro_file_reader(const lake_table_schema& target) : _impl(new impl(target)) {}
avro_file_reader::~avro_file_reader() { delete _impl; }

bool avro_file_reader::open(const std::string& path) {
    impl& s = *_impl;
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    std::vector<uint8_t> bytes;
    if (fd < 0) {
        s.error = "avro: " + path + ": " + std::strerror(errno);
        s.failed = true;
        return false;
    }
    struct stat st {};
    if (::fstat(fd, &st) == 0 && st.st_size > 0) bytes.reserve(static_cast<std::size_t>(st.st_size));
    uint8_t buf[1 << 16];
    for (;;) {
        const ssize_t n = ::read(fd, buf, sizeof buf);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            s.error = "avro: " + path + ": read: " + std::strerror(errno);
            ::close(fd);
            s.failed = true;
            return false;
        }
        bytes.insert(bytes.end(), buf, buf + n);
    }
    ::close(fd);
    s.owned = std::move(bytes);
    return open_bytes(s.owned.data(), s.owned.size(), path);
}

bool avro_file_reader::open_bytes(const uint8_t* data, std::size_t len, std::string name) {
    impl& s = *_impl;
    s.name = std::move(name);
    s.data = data;
    s.len = len;
    s.pos = 0;
    s.ready = s.failed = false;
    s.block_end = 0;
    s.block_left = 0;
    s.rows = 0;
    s.error.clear();
    s.program = prog{};
    return s.read_header();
}

long avro_file_reader::read(row_batch& batch, std::size_t max_rows) { return _impl->read(batch, max_rows); }

const std::string& avro_file_reader::writer_schema_json() const noexcept { return _impl->schema_json; }
const std::string& avro_file_reader::error() const noexcept { return _impl->error; }
uint64_t avro_file_reader::rows_read() const noexcept { return _impl->rows; }

}  // namespace txscreen
