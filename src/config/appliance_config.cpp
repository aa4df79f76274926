// TOML -> appliance_config, then validation in three passes: every field against its
// own range, the layout as a whole, and the files the config names. Init time only:
// allocation and toml++ exceptions are fine here, but none escapes load_config.
//
// Errors are collected, not stopped at, so one run lists everything to fix; a key that
// already has an error gets no second one (a wrong type keeps the default, which the
// later passes must not then blame), and layout checks skip entries that had errors.
#include "config/appliance_config.h"
#include "common/duration.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <climits>
#include <cstdlib>
#include <fstream>
#include <initializer_list>
#include <limits>
#include <map>
#include <set>
#include <sstream>
#include <stdexcept>
#include <tuple>

#include <toml++/toml.h>

#include "codec/feed_defaults.h"
#include "common/bounded_file.h"
#include "common/pan_token.h"
#include "rules/ruleset.h"
#include "screen/pattern_file.h"

namespace txscreen {

std::string_view hugepage_mode_name(hugepage_mode m) noexcept {
    switch (m) {
        case hugepage_mode::automatic: return "auto";
        case hugepage_mode::on: return "on";
        case hugepage_mode::off: return "off";
    }
    return "auto";
}

namespace {

// ---- allowed ranges: one constant per field, used by the parser and the validator
struct int_range {
    int64_t lo, hi;
};
constexpr int_range range_rx_queues{1, 64};
constexpr int_range range_rx_desc{64, 16384};
constexpr int_range range_rx_lcores{0, 64};
constexpr int_range range_workers{1, 64};
constexpr int_range range_burst{1, 64};
constexpr int_range range_ring{64, 1 << 24};
constexpr int_range range_mbufs{512, 1 << 22};
constexpr int_range range_udp_port{1, 65535};
constexpr int_range range_vlan{0, 4095};
constexpr int_range range_capacity{1, 1 << 30};
constexpr int_range range_probe{4, 64};
constexpr int_range range_engine_entries{1024, 1 << 28};
constexpr int_range range_lateness_ms{0, 3'600'000};
constexpr int_range range_future_skew_ms{0, 86'400'000};
constexpr int_range range_ttl_ms{24LL * 3'600'000, 30LL * 86'400'000};
constexpr int_range range_dedup_window_ms{1000, 7LL * 86'400'000};
constexpr int_range range_embedded_brokers{1, 16};
constexpr int_range range_embedded_partitions{1, 1024};
constexpr int_range range_linger_ms{0, 900'000};
constexpr int_range range_batch_bytes{1, INT32_MAX};
constexpr int_range range_batch_messages{1, 1'000'000};
constexpr int_range range_backlog_messages{1, INT32_MAX};
constexpr int_range range_backlog_bytes{1024, int64_t(INT32_MAX) * 1024};
constexpr int_range range_backpressure_wait_ms{0, 60'000};
constexpr int_range range_message_timeout_ms{0, INT32_MAX};
constexpr int_range range_shutdown_flush_ms{0, INT32_MAX};
constexpr int_range range_poll_interval_ms{1, 10'000};
constexpr int_range range_outbox_bytes{1LL << 20, 1LL << 50};
constexpr int_range range_rotate_bytes{1LL << 20, 16LL << 30};
constexpr int_range range_rotate_ms{1000, 86'400'000};
constexpr int_range range_block_bytes{4096, 64LL << 20};
constexpr int_range range_fsync_interval_ms{1, 60'000};
constexpr int_range range_open_files{1, 1024};
constexpr int_range range_spool_max_bytes{1LL << 20, 1LL << 50};
constexpr int_range range_part_bytes{5LL << 20, 5LL << 30};  // S3's part size limits
constexpr int_range range_multipart_threshold{5LL << 20, 5LL << 40};
constexpr int_range range_connect_timeout_ms{100, 300'000};
constexpr int_range range_request_timeout_ms{1000, 3'600'000};
constexpr int_range range_retry_ms{1, 3'600'000};
constexpr int_range range_scan_interval_ms{10, 3'600'000};
constexpr int_range range_admin_connections{1, 65536};
constexpr int_range range_admin_threads{1, 64};

constexpr unsigned max_total_lcores = 127;  // RTE_MAX_LCORE (128) minus the main lcore

// librdkafka settings the publisher's guarantees depend on (docs/kafka.md).
constexpr std::string_view reserved_kafka_properties[] = {
    "bootstrap.servers", "enable.idempotence", "acks", "request.required.acks",
    "max.in.flight.requests.per.connection", "dr_msg_cb", "client.id",
};

std::string format_duration(int64_t ms) {
    if (ms == 0) return "0";
    struct unit {
        int64_t ms;
        const char* name;
    };
    for (unit u : {unit{86'400'000, "d"}, unit{3'600'000, "h"}, unit{60'000, "m"}, unit{1000, "s"}})
        if (ms % u.ms == 0) return std::to_string(ms / u.ms) + u.name;
    return std::to_string(ms) + "ms";
}

std::string format_size(int64_t bytes) {
    if (bytes == 0) return "0";
    struct unit {
        int64_t b;
        const char* name;
    };
    for (unit u : {unit{1LL << 40, "TiB"}, unit{1LL << 30, "GiB"}, unit{1LL << 20, "MiB"}, unit{1LL << 10, "KiB"},
                   unit{1'000'000'000, "GB"}, unit{1'000'000, "MB"}, unit{1000, "kB"}})
        if (bytes % u.b == 0) return std::to_string(bytes / u.b) + u.name;
    return std::to_string(bytes) + "B";
}

// Edit distance counting a swap of two neighbours as one edit ("nmae" -> "name").
std::size_t edit_distance(std::string_view a, std::string_view b) {
    std::vector<std::vector<std::size_t>> d(a.size() + 1, std::vector<std::size_t>(b.size() + 1));
    for (std::size_t i = 0; i <= a.size(); ++i) d[i][0] = i;
    for (std::size_t j = 0; j <= b.size(); ++j) d[0][j] = j;
    for (std::size_t i = 1; i <= a.size(); ++i)
        for (std::size_t j = 1; j <= b.size(); ++j) {
            d[i][j] = std::min({d[i - 1][j] + 1, d[i][j - 1] + 1, d[i - 1][j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
            if (i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1])
                d[i][j] = std::min(d[i][j], d[i - 2][j - 2] + 1);
        }
    return d[a.size()][b.size()];
}

// The closest allowed key when it is a plausible typo, else "".
std::string_view nearest_key(std::string_view key, std::initializer_list<std::string_view> allowed) {
    // "linger_ms" for "linger": a unit suffix where the config takes a duration string.
    for (auto a : allowed)
        if (key.size() > a.size() && key.substr(0, a.size()) == a && key[a.size()] == '_') return a;
    std::string_view best;
    std::size_t best_d = SIZE_MAX;
    for (auto a : allowed) {
        std::size_t d = edit_distance(key, a);
        if (d < best_d) best_d = d, best = a;
    }
    const std::size_t tolerance = key.size() <= 4 ? 1 : key.size() <= 8 ? 2 : 3;
    return best_d <= tolerance ? best : std::string_view();
}

bool file_exists(const std::string& path) {
    struct stat st;
    return ::stat(path.c_str(), &st) == 0;
}

// "0000:03:00.0" or "03:00.0" (the forms dpdk-devbind.py prints).
bool is_pci_address(std::string_view s) {
    auto hex_run = [&](std::size_t& i, std::size_t n) {
        for (std::size_t k = 0; k < n; ++k, ++i)
            if (i >= s.size() || !std::isxdigit(static_cast<unsigned char>(s[i]))) return false;
        return true;
    };
    std::size_t i = 0;
    if (s.size() == 12) {
        if (!hex_run(i, 4) || s[i++] != ':') return false;
    } else if (s.size() != 7) {
        return false;
    }
    return hex_run(i, 2) && s[i++] == ':' && hex_run(i, 2) && s[i++] == '.' && i + 1 == s.size() &&
           s[i] >= '0' && s[i] <= '7';
}

// The vdev's name (up to the first comma) and the value of `arg=` in its arguments.
std::string vdev_name(const std::string& device) { return device.substr(0, device.find(',')); }
std::string vdev_arg(const std::string& device, std::string_view arg) {
    std::size_t pos = 0;
    while ((pos = device.find(',', pos)) != std::string::npos) {
        ++pos;
        if (device.compare(pos, arg.size(), arg) == 0 && pos + arg.size() < device.size() &&
            device[pos + arg.size()] == '=') {
            std::size_t start = pos + arg.size() + 1;
            return device.substr(start, device.find(',', start) - start);
        }
    }
    return {};
}

// host:port, with [v6]:port; returns false when malformed.
bool split_listen(const std::string& s, std::string& host, uint16_t& port, bool allow_zero = false) {
    std::size_t colon;
    std::string h;
    if (!s.empty() && s[0] == '[') {
        std::size_t close = s.find(']');
        if (close == std::string::npos || close + 1 >= s.size() || s[close + 1] != ':') return false;
        h = s.substr(1, close - 1);
        colon = close + 1;
    } else {
        colon = s.rfind(':');
        if (colon == std::string::npos || colon == 0) return false;
        h = s.substr(0, colon);
        if (h.find(':') != std::string::npos) return false;  // bare IPv6 needs brackets
    }
    std::string p = s.substr(colon + 1);
    if (p.empty() || p.size() > 5 || !std::all_of(p.begin(), p.end(), [](char c) { return c >= '0' && c <= '9'; }))
        return false;
    long v = std::strtol(p.c_str(), nullptr, 10);
    if (v < (allow_zero ? 0 : 1) || v > 65535 || h.empty()) return false;
    host = h;
    port = static_cast<uint16_t>(v);
    return true;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host == "::1" || host.rfind("127.", 0) == 0;
}

// ---------------------------------------------------------------------------------
// Error collection shared by the parser and the validators.
class reporter {
public:
    explicit reporter(std::string source) : _source(std::move(source)) {}

    void set_line(const std::string& key, uint32_t line) { _lines.emplace(key, line); }

    // Records "<source>:<line>: <key>: <what>" unless `key` already has an error.
    void fail(const std::string& key, const std::string& what) {
        if (!_bad.insert(key).second) return;
        uint32_t line = line_of(key);
        std::string e = _source;
        if (line) e += ':' + std::to_string(line);
        e += ": " + key + ": " + what;
        _errors.push_back(std::move(e));
    }
    void fail_at(uint32_t line, const std::string& key, const std::string& what) {
        _lines[key] = line;
        fail(key, what);
    }
    // True when no key under `prefix` (e.g. "feed[1]") has an error: layout checks on
    // an entry that is already wrong would only repeat that problem.
    bool clean(const std::string& prefix) const {
        for (auto it = _bad.lower_bound(prefix); it != _bad.end() && it->compare(0, prefix.size(), prefix) == 0; ++it)
            if (it->size() == prefix.size() || (*it)[prefix.size()] == '.' || (*it)[prefix.size()] == '[') return false;
        return true;
    }
    bool has_errors() const { return !_errors.empty(); }
    std::vector<std::string> take() { return std::move(_errors); }
    const std::string& source() const { return _source; }

private:
    // The key's own line, else its table's ("feed[1].port" -> "feed[1]" -> "feed").
    uint32_t line_of(std::string key) const {
        for (;;) {
            auto it = _lines.find(key);
            if (it != _lines.end()) return it->second;
            std::size_t cut = key.find_last_of(".[");
            if (cut == std::string::npos || cut == 0) return 0;
            key.resize(cut);
        }
    }

    std::string _source;
    std::map<std::string, uint32_t> _lines;
    std::set<std::string> _bad;
    std::vector<std::string> _errors;
};

std::string range_text(int_range r) { return std::to_string(r.lo) + ".." + std::to_string(r.hi); }
std::string duration_range_text(int_range r) { return format_duration(r.lo) + ".." + format_duration(r.hi); }
std::string size_range_text(int_range r) { return format_size(r.lo) + ".." + format_size(r.hi); }

// ---- field validators: each names its key and its allowed range
void check_int(reporter& rep, const std::string& key, int64_t v, int_range r) {
    if (v < r.lo || v > r.hi) rep.fail(key, "must be " + range_text(r) + ", got " + std::to_string(v));
}
void check_pow2(reporter& rep, const std::string& key, int64_t v, int_range r) {
    if (v < r.lo || v > r.hi || (v & (v - 1)))
        rep.fail(key, "must be a power of two in " + range_text(r) + ", got " + std::to_string(v));
}
void check_duration(reporter& rep, const std::string& key, int64_t ms, int_range r) {
    if (ms < r.lo || ms > r.hi) rep.fail(key, "must be " + duration_range_text(r) + ", got " + format_duration(ms));
}
void check_size(reporter& rep, const std::string& key, int64_t bytes, int_range r) {
    if (bytes < r.lo || bytes > r.hi) rep.fail(key, "must be " + size_range_text(r) + ", got " + format_size(bytes));
}
void check_not_empty(reporter& rep, const std::string& key, const std::string& v, const char* what) {
    if (v.empty()) rep.fail(key, std::string("missing: ") + what);
}
void check_secret(reporter& rep, const std::string& key, const std::string& spec) {
    std::string v;
    if (!resolve_secret(spec, v)) rep.fail(key, "environment variable " + spec.substr(4) + " is not set");
}
void check_file(reporter& rep, const std::string& key, const std::string& path) {
    if (path.empty()) return;
    if (!file_exists(path)) rep.fail(key, path + ": no such file");
    else if (::access(path.c_str(), R_OK) != 0) rep.fail(key, path + ": not readable");
}
// A file the appliance reads whole itself: a regular file within its kind's size limit
// (common/bounded_file.h; docs/config.md, "File limits").
void check_input(reporter& rep, const std::string& key, const std::string& path, input_kind kind) {
    if (path.empty()) return;
    if (std::string problem = check_input_file(path, kind); !problem.empty()) rep.fail(key, path + ": " + problem);
}

// ---------------------------------------------------------------------------------
// Pass 1: TOML -> struct (types, unknown keys, enumerations, durations, sizes).
class toml_reader {
public:
    toml_reader(reporter& rep, appliance_config& cfg) : _rep(rep), _cfg(cfg) {}

    void read(const toml::table& root) {
        only_keys(root, "", {"eal", "port", "feed", "lcores", "dataplane", "tokenization", "screening", "rules",
                             "velocity", "kafka", "spool", "s3", "admin"});
        if (auto* t = section(root, "eal")) read_eal(*t);
        read_ports(root);
        read_feeds(root);
        if (auto* t = section(root, "lcores")) read_lcores(*t);
        if (auto* t = section(root, "dataplane")) read_dataplane(*t);
        if (auto* t = section(root, "tokenization")) {
            only_keys(*t, "tokenization", {"key"});
            get_string(*t, "tokenization", "key", _cfg.tokenization.key);
        }
        if (auto* t = section(root, "screening")) {
            only_keys(*t, "screening", {"patterns"});
            get_string(*t, "screening", "patterns", _cfg.screening.patterns);
        }
        if (auto* t = section(root, "rules")) {
            only_keys(*t, "rules", {"file"});
            get_string(*t, "rules", "file", _cfg.rules.file);
        }
        if (auto* t = section(root, "velocity")) read_velocity(*t);
        if (auto* t = section(root, "kafka")) read_kafka(*t);
        if (auto* t = section(root, "spool")) read_spool(*t);
        if (auto* t = section(root, "s3")) read_s3(*t);
        if (auto* t = section(root, "admin")) read_admin(*t);
    }

private:
    static std::string join(const std::string& prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    }
    static uint32_t line(const toml::node& n) { return n.source().begin.line; }

    void only_keys(const toml::table& t, const std::string& prefix, std::initializer_list<std::string_view> allowed) {
        for (auto&& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) != allowed.end()) continue;
            std::string what = prefix.empty() ? "unknown section" : "unknown key";
            if (auto near = nearest_key(k.str(), allowed); !near.empty())
                what += " (did you mean '" + std::string(near) + "'?)";
            else {
                what += " (allowed: ";
                bool first = true;
                for (auto a : allowed) what += (first ? "" : ", ") + std::string(a), first = false;
                what += ")";
            }
            _rep.fail_at(k.source().begin.line, join(prefix, k.str()), what);
        }
    }

    const toml::table* section(const toml::table& root, std::string_view name) {
        const toml::node* n = root.get(name);
        if (!n) return nullptr;
        _rep.set_line(std::string(name), line(*n));
        if (!n->is_table()) {
            _rep.fail_at(line(*n), std::string(name), "expected a table [" + std::string(name) + "]");
            return nullptr;
        }
        return n->as_table();
    }

    static const char* type_name(const toml::node& n) {
        switch (n.type()) {
            case toml::node_type::string: return "a string";
            case toml::node_type::integer: return "an integer";
            case toml::node_type::floating_point: return "a number";
            case toml::node_type::boolean: return "a boolean";
            case toml::node_type::array: return "an array";
            case toml::node_type::table: return "a table";
            default: return "a date/time";
        }
    }

    // The node of `key` (recording its line), or nullptr when absent.
    const toml::node* node(const toml::table& t, const std::string& prefix, std::string_view key) {
        const toml::node* n = t.get(key);
        if (n) _rep.set_line(join(prefix, key), line(*n));
        return n;
    }
    void wrong_type(const toml::node& n, const std::string& key, const std::string& expected) {
        _rep.fail_at(line(n), key, "expected " + expected + ", got " + type_name(n));
    }

    template <class T>
    void get_int(const toml::table& t, const std::string& prefix, std::string_view key, T& out, int_range r) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        const std::string k = join(prefix, key);
        if (!n->is_integer()) return wrong_type(*n, k, "an integer " + range_text(r));
        int64_t v = n->as_integer()->get();
        if (v < r.lo || v > r.hi) return _rep.fail_at(line(*n), k, "must be " + range_text(r) + ", got " + std::to_string(v));
        out = static_cast<T>(v);
    }
    void get_bool(const toml::table& t, const std::string& prefix, std::string_view key, bool& out) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        if (!n->is_boolean()) return wrong_type(*n, join(prefix, key), "true or false");
        out = n->as_boolean()->get();
    }
    bool get_string(const toml::table& t, const std::string& prefix, std::string_view key, std::string& out) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return false;
        if (!n->is_string()) {
            wrong_type(*n, join(prefix, key), "a string");
            return false;
        }
        out = n->as_string()->get();
        return true;
    }
    template <class T>
    void get_enum(const toml::table& t, const std::string& prefix, std::string_view key, T& out,
                  std::initializer_list<std::pair<std::string_view, T>> choices) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        std::string list;
        for (auto& c : choices) list += (list.empty() ? "\"" : ", \"") + std::string(c.first) + "\"";
        const std::string k = join(prefix, key);
        if (!n->is_string()) return wrong_type(*n, k, "one of " + list);
        std::string_view s = n->as_string()->get();
        for (auto& c : choices)
            if (s == c.first) {
                out = c.second;
                return;
            }
        _rep.fail_at(line(*n), k, "must be one of " + list + ", got \"" + std::string(s) + "\"");
    }
    // Durations are strings with a unit ("5s"); ranges are checked here so the message
    // carries the line.
    template <class T>
    void get_duration(const toml::table& t, const std::string& prefix, std::string_view key, T& out_ms, int_range r) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        const std::string k = join(prefix, key);
        if (!n->is_string()) return wrong_type(*n, k, "a duration string such as \"250ms\", \"5s\", \"10m\", \"25h\", \"7d\"");
        std::string_view s = n->as_string()->get();
        int64_t ms = parse_config_duration_ms(s);
        if (ms < 0)
            return _rep.fail_at(line(*n), k, "bad duration \"" + std::string(s) + "\" (a number and ms, s, m, h or d, e.g. \"5s\")");
        if (ms < r.lo || ms > r.hi)
            return _rep.fail_at(line(*n), k, "must be " + duration_range_text(r) + ", got \"" + std::string(s) + "\"");
        out_ms = static_cast<T>(ms);
    }
    template <class T>
    void get_size(const toml::table& t, const std::string& prefix, std::string_view key, T& out_bytes, int_range r) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        const std::string k = join(prefix, key);
        if (!n->is_string()) return wrong_type(*n, k, "a size string such as \"64MiB\", \"1GiB\", \"1MB\"");
        std::string_view s = n->as_string()->get();
        int64_t b = parse_config_size_bytes(s);
        if (b < 0)
            return _rep.fail_at(line(*n), k, "bad size \"" + std::string(s) + "\" (a number and B, KiB, MiB, GiB, TiB, kB, MB or GB)");
        if (b < r.lo || b > r.hi)
            return _rep.fail_at(line(*n), k, "must be " + size_range_text(r) + ", got \"" + std::string(s) + "\"");
        out_bytes = static_cast<T>(b);
    }
    void get_string_list(const toml::table& t, const std::string& prefix, std::string_view key,
                         std::vector<std::string>& out) {
        const toml::node* n = node(t, prefix, key);
        if (!n) return;
        const std::string k = join(prefix, key);
        if (!n->is_array()) return wrong_type(*n, k, "an array of strings");
        std::vector<std::string> v;
        std::size_t i = 0;
        for (const toml::node& e : *n->as_array()) {
            if (!e.is_string()) return wrong_type(e, k + "[" + std::to_string(i) + "]", "a string");
            v.push_back(e.as_string()->get());
            ++i;
        }
        out = std::move(v);
    }

    // [[name]]: an array of tables; each element's key prefix is "name[i]".
    const toml::array* table_array(const toml::table& root, std::string_view name) {
        const toml::node* n = root.get(name);
        if (!n) return nullptr;
        _rep.set_line(std::string(name), line(*n));
        if (!n->is_array_of_tables()) {
            _rep.fail_at(line(*n), std::string(name), "expected [[" + std::string(name) + "]] tables (one per " +
                                                          std::string(name) + "), got " + type_name(*n));
            return nullptr;
        }
        return n->as_array();
    }

    void read_eal(const toml::table& t) {
        only_keys(t, "eal", {"args", "hugepages"});
        get_string_list(t, "eal", "args", _cfg.eal.args);
        get_enum(t, "eal", "hugepages", _cfg.eal.hugepages,
                 {{"auto", hugepage_mode::automatic}, {"on", hugepage_mode::on}, {"off", hugepage_mode::off}});
    }

    void read_ports(const toml::table& root) {
        const toml::array* a = table_array(root, "port");
        if (!a) return;
        _cfg.ports.clear();
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::table& t = *(*a)[i].as_table();
            const std::string p = "port[" + std::to_string(i) + "]";
            _rep.set_line(p, line(t));
            only_keys(t, p, {"name", "device", "rx_queues", "rx_desc"});
            dp_port_config pc;
            get_string(t, p, "name", pc.name);
            get_string(t, p, "device", pc.device);
            get_int(t, p, "rx_queues", pc.rx_queues, range_rx_queues);
            get_int(t, p, "rx_desc", pc.rx_desc, range_rx_desc);
            _cfg.ports.push_back(std::move(pc));
        }
    }

    void read_feeds(const toml::table& root) {
        const toml::array* a = table_array(root, "feed");
        if (!a) return;
        // A file that lists feeds replaces the defaults: an operator lists what arrives.
        _cfg.feeds.clear();
        for (std::size_t i = 0; i < a->size(); ++i) {
            const toml::table& t = *(*a)[i].as_table();
            const std::string p = "feed[" + std::to_string(i) + "]";
            _rep.set_line(p, line(t));
            only_keys(t, p, {"name", "port", "port_b", "vlan", "framing", "payload", "dialect", "receive_on"});
            feed_section f;
            get_string(t, p, "name", f.feed.name);
            get_int(t, p, "port", f.feed.udp_port, range_udp_port);
            if (const toml::node* n = t.get("port_b"); n && n->is_integer() && n->as_integer()->get() == 0)
                node(t, p, "port_b");  // 0 spells "no B line" explicitly
            else
                get_int(t, p, "port_b", f.feed.udp_port_b, range_udp_port);
            get_int(t, p, "vlan", f.feed.vlan, range_vlan);
            get_enum(t, p, "framing", f.feed.frame, {{"moldudp64", framing::moldudp64}, {"raw", framing::raw}});
            get_enum(t, p, "payload", f.feed.format, {{"iso8583", payload_format::iso8583}, {"json", payload_format::json}});
            get_enum(t, p, "dialect", f.feed.dialect,
                     {{"binary", iso_dialect::binary_bitmap}, {"hex", iso_dialect::hex_bitmap}, {"bcd", iso_dialect::bcd}});
            if (t.get("dialect") && f.feed.format == payload_format::json && _rep.clean(p + ".payload"))
                _rep.fail(p + ".dialect", "only applies to payload = \"iso8583\" (this feed is json)");
            get_string_list(t, p, "receive_on", f.receive_on);
            _cfg.feeds.push_back(std::move(f));
        }
    }

    void read_lcores(const toml::table& t) {
        only_keys(t, "lcores", {"rx", "workers"});
        get_int(t, "lcores", "rx", _cfg.lcores.rx, range_rx_lcores);
        get_int(t, "lcores", "workers", _cfg.lcores.workers, range_workers);
    }

    void read_dataplane(const toml::table& t) {
        only_keys(t, "dataplane", {"burst", "txn_ring_size", "verdict_ring_size", "mbufs_per_queue"});
        auto& d = _cfg.dataplane;
        get_int(t, "dataplane", "burst", d.burst, range_burst);
        get_int(t, "dataplane", "txn_ring_size", d.txn_ring_size, range_ring);
        get_int(t, "dataplane", "verdict_ring_size", d.verdict_ring_size, range_ring);
        get_int(t, "dataplane", "mbufs_per_queue", d.mbufs_per_queue, range_mbufs);
    }

    void read_velocity(const toml::table& t) {
        only_keys(t, "velocity", {"card_capacity", "merchant_capacity", "device_capacity", "ip_capacity",
                                  "dedup_capacity", "probe_limit", "ttl", "allowed_lateness", "max_future_skew", "dedup_window",
                                  "repeat_entries", "small_txn_entries"});
        auto& v = _cfg.velocity.tables;
        const std::string p = "velocity";
        get_int(t, p, "card_capacity", v.card_capacity, range_capacity);
        get_int(t, p, "merchant_capacity", v.merchant_capacity, range_capacity);
        get_int(t, p, "device_capacity", v.device_capacity, range_capacity);
        get_int(t, p, "ip_capacity", v.ip_capacity, range_capacity);
        get_int(t, p, "dedup_capacity", v.dedup_capacity, range_capacity);
        get_int(t, p, "probe_limit", v.probe_limit, range_probe);
        get_duration(t, p, "ttl", v.ttl_ms, range_ttl_ms);
        get_duration(t, p, "allowed_lateness", v.allowed_lateness_ms, range_lateness_ms);
        get_duration(t, p, "max_future_skew", v.max_future_skew_ms, range_future_skew_ms);
        get_duration(t, p, "dedup_window", v.dedup_window_ms, range_dedup_window_ms);
        get_int(t, p, "repeat_entries", _cfg.velocity.repeat_entries, range_engine_entries);
        get_int(t, p, "small_txn_entries", _cfg.velocity.small_txn_entries, range_engine_entries);
    }

    void read_kafka(const toml::table& t) {
        const std::string p = "kafka";
        only_keys(t, p, {"enabled", "brokers", "embedded_brokers", "embedded_partitions", "client_id", "topics",
                         "publish_scored", "compression", "linger", "batch_size", "batch_messages",
                         "max_backlog_messages", "max_backlog_size", "outbox_max_size", "backpressure_wait",
                         "message_timeout", "shutdown_flush", "poll_interval", "properties"});
        auto& k = _cfg.kafka;
        get_bool(t, p, "enabled", k.enabled);
        if (const toml::node* n = node(t, p, "brokers")) {
            if (n->is_string()) {
                k.brokers = n->as_string()->get();
            } else if (n->is_array()) {
                std::vector<std::string> list;
                get_string_list(t, p, "brokers", list);
                k.brokers.clear();
                for (const auto& b : list) k.brokers += (k.brokers.empty() ? "" : ",") + b;
            } else {
                wrong_type(*n, "kafka.brokers", "\"embedded\", \"host:port,...\" or an array of \"host:port\"");
            }
        }
        get_int(t, p, "embedded_brokers", k.embedded_brokers, range_embedded_brokers);
        get_int(t, p, "embedded_partitions", k.embedded_partitions, range_embedded_partitions);
        get_string(t, p, "client_id", k.client_id);
        if (const toml::node* n = node(t, p, "topics")) {
            if (!n->is_table()) {
                wrong_type(*n, "kafka.topics", "a table {alerts, scored, rejects}");
            } else {
                const toml::table& tt = *n->as_table();
                only_keys(tt, "kafka.topics", {"alerts", "scored", "rejects"});
                get_string(tt, "kafka.topics", "alerts", k.topic_alerts);
                get_string(tt, "kafka.topics", "scored", k.topic_scored);
                get_string(tt, "kafka.topics", "rejects", k.topic_rejects);
            }
        }
        get_bool(t, p, "publish_scored", k.publish_scored);
        get_enum(t, p, "compression", k.compression,
                 {{"none", std::string("none")}, {"gzip", std::string("gzip")}, {"snappy", std::string("snappy")},
                  {"lz4", std::string("lz4")}, {"zstd", std::string("zstd")}});
        get_duration(t, p, "linger", k.linger_ms, range_linger_ms);
        get_size(t, p, "batch_size", k.batch_bytes, range_batch_bytes);
        get_int(t, p, "batch_messages", k.batch_messages, range_batch_messages);
        get_int(t, p, "max_backlog_messages", k.max_backlog_messages, range_backlog_messages);
        int64_t backlog = int64_t(k.max_backlog_kbytes) * 1024;
        get_size(t, p, "max_backlog_size", backlog, range_backlog_bytes);
        k.max_backlog_kbytes = static_cast<int>(backlog / 1024);
        get_size(t, p, "outbox_max_size", k.outbox_max_bytes, range_outbox_bytes);
        get_duration(t, p, "backpressure_wait", k.backpressure_wait_ms, range_backpressure_wait_ms);
        get_duration(t, p, "message_timeout", k.message_timeout_ms, range_message_timeout_ms);
        get_duration(t, p, "shutdown_flush", k.shutdown_flush_ms, range_shutdown_flush_ms);
        get_duration(t, p, "poll_interval", k.poll_interval_ms, range_poll_interval_ms);
        if (const toml::node* n = node(t, p, "properties")) {
            if (!n->is_table()) return wrong_type(*n, "kafka.properties", "a table of librdkafka settings");
            // Dotted librdkafka names ("security.protocol") are quoted keys in TOML.
            for (auto&& [key, v] : *n->as_table()) {
                const std::string kk = "kafka.properties.\"" + std::string(key.str()) + "\"";
                _rep.set_line(kk, line(v));
                std::string value;
                if (v.is_string()) value = v.as_string()->get();
                else if (v.is_integer()) value = std::to_string(v.as_integer()->get());
                else if (v.is_boolean()) value = v.as_boolean()->get() ? "true" : "false";
                else {
                    wrong_type(v, kk, "a string, integer or boolean");
                    continue;
                }
                k.properties.emplace_back(std::string(key.str()), std::move(value));
            }
        }
    }

    void read_spool(const toml::table& t) {
        const std::string p = "spool";
        only_keys(t, p, {"dir", "host", "rotate_size", "rotate_age", "block_size", "fsync_interval", "max_open_files",
                         "write_alerts", "max_bytes"});
        auto& sp = _cfg.spool;
        get_string(t, p, "dir", sp.dir);
        get_string(t, p, "host", sp.host);
        get_size(t, p, "rotate_size", sp.rotate_bytes, range_rotate_bytes);
        get_duration(t, p, "rotate_age", sp.rotate_ms, range_rotate_ms);
        get_size(t, p, "block_size", sp.block_bytes, range_block_bytes);
        get_duration(t, p, "fsync_interval", sp.fsync_interval_ms, range_fsync_interval_ms);
        get_int(t, p, "max_open_files", sp.max_open_files, range_open_files);
        get_bool(t, p, "write_alerts", sp.write_alerts);
        get_size(t, p, "max_bytes", sp.max_bytes, range_spool_max_bytes);
    }

    void read_s3(const toml::table& t) {
        const std::string p = "s3";
        only_keys(t, p, {"endpoint", "region", "bucket", "prefix", "access_key", "secret_key", "session_token",
                         "multipart_threshold", "part_size", "connect_timeout", "request_timeout", "retry_base",
                         "retry_max", "scan_interval", "verify_head"});
        auto& s = _cfg.s3;
        get_string(t, p, "endpoint", s.endpoint);
        get_string(t, p, "region", s.region);
        get_string(t, p, "bucket", s.bucket);
        get_string(t, p, "prefix", s.prefix);
        get_string(t, p, "access_key", s.access_key);
        get_string(t, p, "secret_key", s.secret_key);
        get_string(t, p, "session_token", s.session_token);
        get_size(t, p, "multipart_threshold", s.multipart_threshold, range_multipart_threshold);
        get_size(t, p, "part_size", s.part_size, range_part_bytes);
        get_duration(t, p, "connect_timeout", s.connect_timeout_ms, range_connect_timeout_ms);
        get_duration(t, p, "request_timeout", s.request_timeout_ms, range_request_timeout_ms);
        get_duration(t, p, "retry_base", s.retry_base_ms, range_retry_ms);
        get_duration(t, p, "retry_max", s.retry_max_ms, range_retry_ms);
        get_duration(t, p, "scan_interval", s.scan_interval_ms, range_scan_interval_ms);
        get_bool(t, p, "verify_head", s.verify_head);
    }

    void read_admin(const toml::table& t) {
        const std::string p = "admin";
        only_keys(t, p, {"listen", "token", "tls_cert", "tls_key", "max_connections", "io_threads", "backend_threads"});
        auto& a = _cfg.admin;
        get_string(t, p, "listen", a.listen);
        get_string(t, p, "token", a.token);
        get_string(t, p, "tls_cert", a.tls_cert);
        get_string(t, p, "tls_key", a.tls_key);
        get_int(t, p, "max_connections", a.max_connections, range_admin_connections);
        get_int(t, p, "io_threads", a.io_threads, range_admin_threads);
        get_int(t, p, "backend_threads", a.backend_threads, range_admin_threads);
    }

    reporter& _rep;
    appliance_config& _cfg;
};

// ---------------------------------------------------------------------------------
// Pass 2: every field against its own range (configs built in code skip pass 1).
void validate_fields(reporter& rep, const appliance_config& c) {
    for (std::size_t i = 0; i < c.eal.args.size(); ++i) {
        const std::string& a = c.eal.args[i];
        if (a.rfind("--vdev", 0) == 0)
            rep.fail("eal.args[" + std::to_string(i) + "]", "\"" + a + "\": devices belong in a [[port]] (device = \"net_...\")");
        else if (a == "--no-huge" && c.eal.hugepages == hugepage_mode::on)
            rep.fail("eal.hugepages", "\"on\" contradicts \"--no-huge\" in eal.args (use hugepages = \"off\")");
    }

    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& p = c.ports[i];
        const std::string k = "port[" + std::to_string(i) + "]";
        check_not_empty(rep, k + ".name", p.name, "a name for logs and metrics, e.g. \"nic0\"");
        if (p.device.empty())
            rep.fail(k + ".device", "missing: a DPDK vdev (\"net_pcap0,rx_pcap=FILE\") or a PCI address (\"0000:03:00.0\")");
        else if (p.device.rfind("net_", 0) != 0 && !is_pci_address(p.device))
            rep.fail(k + ".device", "\"" + p.device + "\" is neither a DPDK vdev (net_...) nor a PCI address (0000:03:00.0)");
        check_int(rep, k + ".rx_queues", p.rx_queues, range_rx_queues);
        check_int(rep, k + ".rx_desc", p.rx_desc, range_rx_desc);
    }

    for (std::size_t i = 0; i < c.feeds.size(); ++i) {
        const auto& f = c.feeds[i].feed;
        const std::string k = "feed[" + std::to_string(i) + "]";
        check_not_empty(rep, k + ".name", f.name, "a name such as \"iso8583-mold\"");
        if (f.udp_port == 0) rep.fail(k + ".port", "missing: the feed's UDP destination port (1..65535)");
        check_int(rep, k + ".vlan", f.vlan, range_vlan);
    }

    check_int(rep, "lcores.rx", c.lcores.rx, range_rx_lcores);
    check_int(rep, "lcores.workers", c.lcores.workers, range_workers);
    check_int(rep, "dataplane.burst", c.dataplane.burst, range_burst);
    check_pow2(rep, "dataplane.txn_ring_size", c.dataplane.txn_ring_size, range_ring);
    check_pow2(rep, "dataplane.verdict_ring_size", c.dataplane.verdict_ring_size, range_ring);
    check_int(rep, "dataplane.mbufs_per_queue", c.dataplane.mbufs_per_queue, range_mbufs);

    if (!c.tokenization.key.empty()) {
        try {
            (void)pan_tokenizer::from_config(c.tokenization.key);
        } catch (const std::exception& e) {
            // pan_tokenizer names the key in its own words; this line already does.
            std::string why = e.what();
            for (std::string_view lead : {"tokenization key: ", "tokenization key "})
                if (why.rfind(lead, 0) == 0) {
                    why.erase(0, lead.size());
                    break;
                }
            rep.fail("tokenization.key", why + " (hex, at least 32 digits, or \"env:NAME\")");
        }
    }

    const auto& v = c.velocity.tables;
    check_int(rep, "velocity.card_capacity", v.card_capacity, range_capacity);
    check_int(rep, "velocity.merchant_capacity", v.merchant_capacity, range_capacity);
    check_int(rep, "velocity.device_capacity", v.device_capacity, range_capacity);
    check_int(rep, "velocity.ip_capacity", v.ip_capacity, range_capacity);
    check_int(rep, "velocity.dedup_capacity", v.dedup_capacity, range_capacity);
    check_int(rep, "velocity.probe_limit", v.probe_limit, range_probe);
    check_duration(rep, "velocity.allowed_lateness", v.allowed_lateness_ms, range_lateness_ms);
    check_duration(rep, "velocity.max_future_skew", v.max_future_skew_ms, range_future_skew_ms);
    check_duration(rep, "velocity.ttl", v.ttl_ms, range_ttl_ms);
    // The TTL must outlive the longest window plus the lateness, or a late event would
    // find its card's history already reused.
    if (v.ttl_ms < velocity_max_window_ms + v.allowed_lateness_ms && rep.clean("velocity.allowed_lateness"))
        rep.fail("velocity.ttl", "must be at least 24h + allowed_lateness (" +
                                     format_duration(velocity_max_window_ms + v.allowed_lateness_ms) + "), got " +
                                     format_duration(v.ttl_ms));
    check_duration(rep, "velocity.dedup_window", v.dedup_window_ms, range_dedup_window_ms);
    check_int(rep, "velocity.repeat_entries", static_cast<int64_t>(c.velocity.repeat_entries), range_engine_entries);
    check_int(rep, "velocity.small_txn_entries", static_cast<int64_t>(c.velocity.small_txn_entries), range_engine_entries);

    const auto& k = c.kafka;
    if (k.enabled) {
        if (k.brokers.empty()) {
            rep.fail("kafka.brokers", "missing: \"embedded\" or \"host:port,host:port\" (or kafka.enabled = false)");
        } else if (k.brokers != "embedded") {
            std::stringstream ss(k.brokers);
            std::string b, host;
            uint16_t port;
            while (std::getline(ss, b, ','))
                if (!split_listen(b, host, port)) {
                    rep.fail("kafka.brokers", "\"" + b + "\" is not host:port (or use \"embedded\")");
                    break;
                }
        }
    }
    check_int(rep, "kafka.embedded_brokers", k.embedded_brokers, range_embedded_brokers);
    check_int(rep, "kafka.embedded_partitions", k.embedded_partitions, range_embedded_partitions);
    check_not_empty(rep, "kafka.client_id", k.client_id, "a client id such as \"txscreen\"");
    check_not_empty(rep, "kafka.topics.alerts", k.topic_alerts, "a topic name");
    check_not_empty(rep, "kafka.topics.scored", k.topic_scored, "a topic name");
    check_not_empty(rep, "kafka.topics.rejects", k.topic_rejects, "a topic name");
    if (k.compression != "none" && k.compression != "gzip" && k.compression != "snappy" && k.compression != "lz4" &&
        k.compression != "zstd")
        rep.fail("kafka.compression", "must be one of \"none\", \"gzip\", \"snappy\", \"lz4\", \"zstd\", got \"" +
                                          k.compression + "\"");
    check_duration(rep, "kafka.linger", k.linger_ms, range_linger_ms);
    check_size(rep, "kafka.batch_size", k.batch_bytes, range_batch_bytes);
    check_int(rep, "kafka.batch_messages", k.batch_messages, range_batch_messages);
    check_int(rep, "kafka.max_backlog_messages", k.max_backlog_messages, range_backlog_messages);
    check_size(rep, "kafka.max_backlog_size", int64_t(k.max_backlog_kbytes) * 1024, range_backlog_bytes);
    check_size(rep, "kafka.outbox_max_size", k.outbox_max_bytes, range_outbox_bytes);
    check_duration(rep, "kafka.backpressure_wait", k.backpressure_wait_ms, range_backpressure_wait_ms);
    check_duration(rep, "kafka.message_timeout", k.message_timeout_ms, range_message_timeout_ms);
    check_duration(rep, "kafka.shutdown_flush", k.shutdown_flush_ms, range_shutdown_flush_ms);
    check_duration(rep, "kafka.poll_interval", k.poll_interval_ms, range_poll_interval_ms);
    for (const auto& [name, value] : k.properties)
        for (auto r : reserved_kafka_properties)
            if (name == r)
                rep.fail("kafka.properties.\"" + name + "\"",
                         "set by txscreen (idempotent producer, acks=all, brokers from kafka.brokers); cannot be overridden");

    const auto& sp = c.spool;
    check_not_empty(rep, "spool.dir", sp.dir, "a directory for the Avro spool files");
    check_size(rep, "spool.rotate_size", static_cast<int64_t>(sp.rotate_bytes), range_rotate_bytes);
    check_duration(rep, "spool.rotate_age", sp.rotate_ms, range_rotate_ms);
    check_size(rep, "spool.block_size", sp.block_bytes, range_block_bytes);
    if (sp.rotate_bytes < sp.block_bytes && rep.clean("spool.block_size"))
        rep.fail("spool.rotate_size", "must be at least spool.block_size (" + format_size(sp.block_bytes) + "), got " +
                                          format_size(static_cast<int64_t>(sp.rotate_bytes)));
    check_duration(rep, "spool.fsync_interval", sp.fsync_interval_ms, range_fsync_interval_ms);
    check_int(rep, "spool.max_open_files", sp.max_open_files, range_open_files);
    check_size(rep, "spool.max_bytes", static_cast<int64_t>(std::min<uint64_t>(sp.max_bytes, INT64_MAX)),
               range_spool_max_bytes);
    if (sp.host.find('/') != std::string::npos) rep.fail("spool.host", "\"" + sp.host + "\" must not contain '/'");

    const auto& s = c.s3;
    if (!s.endpoint.empty()) {
        if (s.endpoint.rfind("http://", 0) != 0 && s.endpoint.rfind("https://", 0) != 0)
            rep.fail("s3.endpoint", "\"" + s.endpoint + "\" must start with http:// or https://");
        check_not_empty(rep, "s3.bucket", s.bucket, "the bucket the spool files go to (required with s3.endpoint)");
        // Credentials must be there at start-up, not at the first upload an hour later.
        for (auto [key, spec, fallback] : {std::tuple<const char*, const std::string*, const char*>{
                                               "s3.access_key", &s.access_key, "AWS_ACCESS_KEY_ID"},
                                           {"s3.secret_key", &s.secret_key, "AWS_SECRET_ACCESS_KEY"}}) {
            if (!spec->empty()) {
                check_secret(rep, key, *spec);
            } else if (const char* v = std::getenv(fallback); !v || !*v) {
                rep.fail(key, std::string("missing: give the key, \"env:NAME\", or set ") + fallback);
            }
        }
        if (!s.session_token.empty()) check_secret(rep, "s3.session_token", s.session_token);
    }
    if (!s.prefix.empty() && s.prefix[0] == '/') rep.fail("s3.prefix", "\"" + s.prefix + "\" must not start with '/'");
    check_size(rep, "s3.part_size", static_cast<int64_t>(s.part_size), range_part_bytes);
    check_size(rep, "s3.multipart_threshold", static_cast<int64_t>(s.multipart_threshold), range_multipart_threshold);
    if (s.multipart_threshold < s.part_size && rep.clean("s3.part_size"))
        rep.fail("s3.multipart_threshold", "must be at least s3.part_size (" + format_size(static_cast<int64_t>(s.part_size)) +
                                               "), got " + format_size(static_cast<int64_t>(s.multipart_threshold)));
    check_duration(rep, "s3.connect_timeout", s.connect_timeout_ms, range_connect_timeout_ms);
    check_duration(rep, "s3.request_timeout", s.request_timeout_ms, range_request_timeout_ms);
    check_duration(rep, "s3.retry_base", s.retry_base_ms, range_retry_ms);
    check_duration(rep, "s3.retry_max", s.retry_max_ms, range_retry_ms);
    if (s.retry_max_ms < s.retry_base_ms && rep.clean("s3.retry_base"))
        rep.fail("s3.retry_max", "must be at least s3.retry_base (" + format_duration(s.retry_base_ms) + "), got " +
                                     format_duration(s.retry_max_ms));
    check_duration(rep, "s3.scan_interval", s.scan_interval_ms, range_scan_interval_ms);

    std::string host;
    uint16_t port = 0;
    if (!split_listen(c.admin.listen, host, port, true))
        rep.fail("admin.listen", "\"" + c.admin.listen + "\" is not host:port (e.g. \"127.0.0.1:8080\", \"[::1]:8080\")");
    if (!c.admin.token.empty()) {
        std::string token;
        if (!resolve_secret(c.admin.token, token)) check_secret(rep, "admin.token", c.admin.token);
        else if (token.size() < 16) rep.fail("admin.token", "must be at least 16 characters");
        else if (token.front() == ' ' || token.back() == ' ' ||
                 std::any_of(token.begin(), token.end(), [](char ch) { return static_cast<unsigned char>(ch) < ' ' || ch == '\x7f'; }))
            rep.fail("admin.token", "must not begin or end with a space or hold control characters "
                                    "(it is compared exactly; HTTP cannot carry those)");
    }
    check_int(rep, "admin.max_connections", c.admin.max_connections, range_admin_connections);
    check_int(rep, "admin.io_threads", c.admin.io_threads, range_admin_threads);
    check_int(rep, "admin.backend_threads", c.admin.backend_threads, range_admin_threads);
}

// Pass 3: the layout as a whole (ports, feeds and lcores that cannot work together).
void validate_layout(reporter& rep, const appliance_config& c) {
    std::map<std::string, std::size_t> port_names, devices;
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& p = c.ports[i];
        const std::string k = "port[" + std::to_string(i) + "]";
        auto [named, fresh_name] = port_names.emplace(p.name, i);
        if (!rep.clean(k)) continue;
        if (!fresh_name)
            rep.fail(k + ".name", "\"" + p.name + "\" is already port[" + std::to_string(named->second) + "]'s name");
        const std::string dev = p.device.rfind("net_", 0) == 0 ? vdev_name(p.device) : p.device;
        if (auto [it, fresh] = devices.emplace(dev, i); !fresh)
            rep.fail(k + ".device", "\"" + dev + "\" is already port[" + std::to_string(it->second) + "]'s device");
    }

    std::map<std::string, std::size_t> feed_names;
    std::map<uint16_t, std::pair<std::size_t, const char*>> udp_owner;  // port -> (feed, "port"/"port_b")
    bool any_port_feed = false;
    std::set<std::string> referenced;
    std::size_t ab_feed = SIZE_MAX;
    for (std::size_t i = 0; i < c.feeds.size(); ++i) {
        const auto& fs = c.feeds[i];
        const auto& f = fs.feed;
        const std::string k = "feed[" + std::to_string(i) + "]";
        // A feed that is already wrong (or lists no ports) might receive on any port:
        // do not blame a port for it.
        if (fs.receive_on.empty() || !rep.clean(k)) any_port_feed = true;
        if (!rep.clean(k)) continue;
        if (auto [it, fresh] = feed_names.emplace(f.name, i); !fresh)
            rep.fail(k + ".name", "\"" + f.name + "\" is already feed[" + std::to_string(it->second) + "]'s name");
        for (auto [port, key] : {std::pair<uint16_t, const char*>{f.udp_port, "port"}, {f.udp_port_b, "port_b"}}) {
            if (port == 0) continue;
            auto [it, fresh] = udp_owner.emplace(port, std::pair<std::size_t, const char*>{i, key});
            if (fresh) continue;
            const auto& [owner, owner_key] = it->second;
            if (owner == i)
                rep.fail(k + "." + key, "UDP port " + std::to_string(port) + " is also this feed's port; the B line needs its own port");
            else
                rep.fail(k + "." + key, "UDP port " + std::to_string(port) + " is already feed[" + std::to_string(owner) +
                                            "] (" + c.feeds[owner].feed.name + ")'s " + owner_key +
                                            "; two feeds cannot share a UDP port");
        }
        if (f.udp_port_b) {
            if (f.frame != framing::moldudp64)
                rep.fail(k + ".port_b", "A/B arbitration needs sequence numbers: framing must be \"moldudp64\"");
            else if (ab_feed == SIZE_MAX)
                ab_feed = i;
        }
        for (std::size_t j = 0; j < fs.receive_on.size(); ++j) {
            const std::string& name = fs.receive_on[j];
            if (port_names.count(name)) {
                referenced.insert(name);
                continue;
            }
            std::string what = "\"" + name + "\" is not the name of any [[port]]";
            if (c.ports.empty()) what += " (no [[port]] is configured)";
            rep.fail(k + ".receive_on[" + std::to_string(j) + "]", what);
            any_port_feed = true;
        }
    }
    if (c.feeds.empty()) rep.fail("feed", "missing: at least one [[feed]] (name, port, framing, payload)");

    // Every port must receive some feed, or its queues are polled for nothing.
    if (!any_port_feed)
        for (std::size_t i = 0; i < c.ports.size(); ++i)
            if (rep.clean("port[" + std::to_string(i) + "]") && !referenced.count(c.ports[i].name))
                rep.fail("port[" + std::to_string(i) + "]", "port \"" + c.ports[i].name +
                                                                 "\" receives no feed (no [[feed]] lists it in receive_on)");

    const unsigned rx = c.lcores.rx, workers = c.lcores.workers;
    if (rep.clean("lcores")) {
        if (rx == 0 && workers > 1)
            rep.fail("lcores.rx", "0 (run to completion) works with exactly 1 worker; set rx >= 1 for " +
                                      std::to_string(workers) + " workers");
        else if (ab_feed != SIZE_MAX && rx > 1)
            rep.fail("lcores.rx", "must be 0 or 1 while feed[" + std::to_string(ab_feed) + "] (" +
                                      c.feeds[ab_feed].feed.name +
                                      ") has a B line (port_b): one sequencer must see both lines, got " + std::to_string(rx));
        else if (rx + workers > max_total_lcores)
            rep.fail("lcores.workers", "rx + workers must be at most " + std::to_string(max_total_lcores) + ", got " +
                                           std::to_string(rx + workers));
        else if (!c.ports.empty()) {
            unsigned queues = 0;
            for (const auto& p : c.ports) queues += p.rx_queues;
            if (rx > queues)
                rep.fail("lcores.rx", std::to_string(rx) + " rx lcores but the ports have " + std::to_string(queues) +
                                          " rx queue(s) in all: each rx lcore needs at least one queue (raise "
                                          "port.rx_queues or lower lcores.rx)");
        }
    }

    if (c.admin.tls_cert.empty() != c.admin.tls_key.empty())
        rep.fail(c.admin.tls_cert.empty() ? "admin.tls_cert" : "admin.tls_key",
                 "missing: tls_cert and tls_key go together (both for HTTPS, neither for HTTP)");
    std::string host;
    uint16_t port;
    if (c.admin.token.empty() && split_listen(c.admin.listen, host, port, true) && !is_loopback(host))
        rep.fail("admin.token", "missing: required when admin.listen (" + c.admin.listen +
                                    ") is not a loopback address (a token or \"env:NAME\")");
}

// Pass 4: the files the config names exist and parse.
void validate_files(reporter& rep, const appliance_config& c) {
    for (std::size_t i = 0; i < c.ports.size(); ++i) {
        const auto& d = c.ports[i].device;
        if (d.rfind("net_pcap", 0) != 0) continue;
        std::string f = vdev_arg(d, "rx_pcap");
        if (!f.empty()) check_file(rep, "port[" + std::to_string(i) + "].device", f);
    }
    if (!c.rules.file.empty() && rep.clean("rules.file")) {
        check_input(rep, "rules.file", c.rules.file, input_kind::rules);
        if (rep.clean("rules.file")) {
            auto r = load_ruleset_file(c.rules.file);
            if (!r.rules) rep.fail("rules.file", r.error);
        }
    }
    if (!c.screening.patterns.empty() && c.screening.patterns != "none" && rep.clean("screening.patterns")) {
        check_input(rep, "screening.patterns", c.screening.patterns, input_kind::patterns);
        if (rep.clean("screening.patterns")) {
            try {
                auto defs = load_pattern_file(c.screening.patterns);
                if (defs.empty()) rep.fail("screening.patterns", c.screening.patterns + ": no patterns in the file");
            } catch (const std::exception& e) {
                rep.fail("screening.patterns", e.what());
            }
        }
    }
    check_input(rep, "admin.tls_cert", c.admin.tls_cert, input_kind::tls_pem);
    check_input(rep, "admin.tls_key", c.admin.tls_key, input_kind::tls_pem);
    struct stat st;
    if (!c.spool.dir.empty() && ::stat(c.spool.dir.c_str(), &st) == 0 && !S_ISDIR(st.st_mode))
        rep.fail("spool.dir", c.spool.dir + ": exists and is not a directory");
}

std::vector<std::string> run_validation(reporter& rep, const appliance_config& c) {
    validate_fields(rep, c);
    validate_layout(rep, c);
    validate_files(rep, c);
    return rep.take();
}

}  // namespace

// ---------------------------------------------------------------------------------
int64_t parse_config_duration_ms(std::string_view text) noexcept {
    if (text == "0") return 0;
    return parse_duration_text_ms(text, 1000LL * 86'400'000, true);
}

int64_t parse_config_size_bytes(std::string_view text) noexcept {
    if (text == "0") return 0;
    constexpr int64_t max_bytes = 1LL << 50;
    std::size_t i = 0;
    int64_t n = 0;
    while (i < text.size() && text[i] >= '0' && text[i] <= '9') {
        n = n * 10 + (text[i] - '0');
        if (n > max_bytes) return -1;
        ++i;
    }
    if (i == 0) return -1;
    std::string_view unit = text.substr(i);
    int64_t scale;
    if (unit == "B") scale = 1;
    else if (unit == "KiB") scale = 1LL << 10;
    else if (unit == "MiB") scale = 1LL << 20;
    else if (unit == "GiB") scale = 1LL << 30;
    else if (unit == "TiB") scale = 1LL << 40;
    else if (unit == "kB") scale = 1000;
    else if (unit == "MB") scale = 1'000'000;
    else if (unit == "GB") scale = 1'000'000'000;
    else return -1;
    if (n > max_bytes / scale) return -1;
    return n * scale;
}

bool parse_listen_address(const std::string& listen, std::string& host, uint16_t& port) {
    return split_listen(listen, host, port, true);
}

bool resolve_secret(const std::string& spec, std::string& out) {
    if (spec.rfind("env:", 0) != 0) {
        out = spec;
        return true;
    }
    const char* v = std::getenv(spec.c_str() + 4);
    if (!v || !*v) return false;
    out = v;
    return true;
}

appliance_config default_appliance_config() {
    appliance_config c;
    // What txgen writes by default (docs/feeds.md): each payload/framing pair on its own
    // port, MoldUDP64 feeds with a B line at port + 100.
    auto add = [&](const char* name, payload_format f, framing fr) {
        feed_section s;
        s.feed.name = name;
        s.feed.format = f;
        s.feed.frame = fr;
        s.feed.udp_port = default_feed_port(f, fr);
        if (fr == framing::moldudp64) s.feed.udp_port_b = static_cast<uint16_t>(s.feed.udp_port + default_b_line_offset);
        c.feeds.push_back(std::move(s));
    };
    add("iso8583-mold", payload_format::iso8583, framing::moldudp64);
    add("iso8583-raw", payload_format::iso8583, framing::raw);
    add("json-mold", payload_format::json, framing::moldudp64);
    add("json-raw", payload_format::json, framing::raw);
    return c;
}

std::vector<std::string> validate_config(const appliance_config& cfg) {
    reporter rep(cfg.source);
    return run_validation(rep, cfg);
}

config_result load_config(std::string_view toml_text, std::string_view source_name) {
    config_result res;
    res.config = default_appliance_config();
    res.config.source = std::string(source_name);
    reporter rep{std::string(source_name)};
    toml::table root;
    try {
        root = toml::parse(toml_text, source_name);
    } catch (const toml::parse_error& e) {
        const auto& b = e.source().begin;
        res.errors.push_back(std::string(source_name) + ":" + std::to_string(b.line) + ": TOML syntax: " +
                             std::string(e.description()));
        return res;
    }
    try {
        toml_reader(rep, res.config).read(root);
    } catch (const std::exception& e) {
        rep.fail("config", std::string("internal error while reading: ") + e.what());
    }
    res.errors = run_validation(rep, res.config);
    return res;
}

config_result load_config_file(const std::string& path) {
    input_file in = read_input_file(path, input_kind::config);
    if (!in.ok()) {
        config_result res;
        res.config = default_appliance_config();
        res.config.source = path;
        res.errors.push_back(path + ": " + in.problem);
        return res;
    }
    return load_config(in.text, path);
}

// ---------------------------------------------------------------------------------
std::string explain(const appliance_config& c) {
    std::ostringstream o;
    auto mask = [](const std::string& secret) -> std::string {
        if (secret.empty()) return "(none)";
        if (secret.rfind("env:", 0) == 0) return "from $" + secret.substr(4);
        return "(set, " + std::to_string(secret.size()) + " characters)";
    };
    std::vector<std::string> warnings;
    o << "config: " << c.source << "\n";

    o << "dataplane:\n";
    if (c.lcores.rx == 0)
        o << "  lcores: run to completion (1 lcore receives, decodes and scores)\n";
    else
        o << "  lcores: " << c.lcores.rx << " rx + " << c.lcores.workers << " worker(s), card shards by token\n";
    o << "  eal: hugepages " << hugepage_mode_name(c.eal.hugepages);
    for (const auto& a : c.eal.args) o << ' ' << a;
    o << "\n";
    if (c.ports.empty()) {
        o << "  ports: none in the config (give --pcap FILE or --device ARGS)\n";
        warnings.push_back("no [[port]]: `txscreen run` needs --pcap or --device");
    }
    for (const auto& p : c.ports)
        o << "  port " << p.name << ": " << p.device << ", " << p.rx_queues << " rx queue(s) x " << p.rx_desc
          << " descriptors\n";
    for (const auto& fs : c.feeds) {
        const auto& f = fs.feed;
        o << "  feed " << f.name << ": udp " << f.udp_port;
        if (f.udp_port_b) o << " + B line " << f.udp_port_b << " (arbitrated)";
        if (f.vlan) o << " vlan " << f.vlan;
        o << ", " << (f.frame == framing::moldudp64 ? "moldudp64" : "raw") << ", "
          << (f.format == payload_format::iso8583 ? "iso8583 (" + std::string(iso_dialect_name(f.dialect)) + ")" : "json");
        if (!fs.receive_on.empty()) {
            o << ", on";
            for (const auto& n : fs.receive_on) o << ' ' << n;
        }
        o << "\n";
    }
    o << "  burst " << c.dataplane.burst << ", rings txn " << c.dataplane.txn_ring_size << " verdict "
      << c.dataplane.verdict_ring_size << ", " << c.dataplane.mbufs_per_queue << " mbufs per queue\n";

    o << "engine:\n";
    if (c.tokenization.key.empty()) {
        o << "  tokenization key: $TXSCREEN_TOKEN_KEY, else the built-in demo key\n";
        warnings.push_back("tokenization.key not set: the demo key is not for real card data");
    } else {
        o << "  tokenization key: " << mask(c.tokenization.key) << "\n";
    }
    o << "  patterns: " << (c.screening.patterns.empty() ? "the built-in starter set (docs/patterns.md)" : c.screening.patterns == "none" ? "none (no screening)" : c.screening.patterns) << "\n";
    o << "  rules: " << (c.rules.file.empty() ? "(built-in default ruleset)" : c.rules.file) << "\n";
    const auto& v = c.velocity.tables;
    const double mib = static_cast<double>(velocity_shard::bytes_needed(v)) / double(1 << 20);
    char line[256];
    std::snprintf(line, sizeof line,
                  "  velocity per worker: %u cards, %u merchants, %u devices, %u ips, %u dedup ids = %.0f MiB "
                  "(%.0f MiB for %u worker(s))\n",
                  v.card_capacity, v.merchant_capacity, v.device_capacity, v.ip_capacity, v.dedup_capacity, mib,
                  mib * c.lcores.workers, c.lcores.workers);
    o << line;
    o << "  velocity ttl " << format_duration(v.ttl_ms) << ", allowed lateness " << format_duration(v.allowed_lateness_ms)
      << ", max future skew " << format_duration(v.max_future_skew_ms) << ", dedup window " << format_duration(v.dedup_window_ms) << ", probe limit " << v.probe_limit << "\n";

    o << "controlplane:\n";
    const auto& k = c.kafka;
    if (!k.enabled) {
        o << "  kafka: off (alerts only in the spool)\n";
    } else {
        o << "  kafka: " << (k.brokers == "embedded" ? "embedded broker on loopback" : k.brokers) << ", alerts -> "
          << k.topic_alerts << ", rejects -> " << k.topic_rejects;
        if (k.publish_scored) o << ", every verdict -> " << k.topic_scored;
        o << "; " << k.compression << ", linger " << format_duration(k.linger_ms) << ", backlog "
          << k.max_backlog_messages << " messages / " << format_size(int64_t(k.max_backlog_kbytes) * 1024);
        if (!c.spool.dir.empty())
            o << ", then up to " << format_size(k.outbox_max_bytes) << " in " << c.spool.dir << "/kafka-outbox";
        o << "\n";
        if (k.brokers == "embedded") warnings.push_back("kafka.brokers = \"embedded\": alerts stay inside this process");
    }
    o << "  spool: " << c.spool.dir << ", rotate at " << format_size(static_cast<int64_t>(c.spool.rotate_bytes)) << " or "
      << format_duration(c.spool.rotate_ms) << ", fsync every " << format_duration(c.spool.fsync_interval_ms)
      << (c.spool.write_alerts ? ", alerts also in table=alerts" : "") << ", disk budget "
      << format_size(static_cast<int64_t>(c.spool.max_bytes))
      << (c.s3.endpoint.empty() ? " (past it rows are refused: no uploader)" : " (past it rx waits for uploads)") << "\n";
    if (c.s3.endpoint.empty())
        o << "  s3: none (the spool directory is the lake)\n";
    else
        o << "  s3: " << c.s3.endpoint << " bucket " << c.s3.bucket << " prefix \"" << c.s3.prefix << "\" region "
          << (c.s3.region.empty() ? "from $AWS_REGION" : c.s3.region) << ", access key "
          << (c.s3.access_key.empty() ? "from $AWS_ACCESS_KEY_ID" : mask(c.s3.access_key)) << ", multipart above "
          << format_size(static_cast<int64_t>(c.s3.multipart_threshold)) << "\n";
    if (c.admin.token.empty()) {
        o << "  admin: off (no admin.token)\n";
        warnings.push_back("admin.token not set: the REST API and dashboard are off");
    } else {
        o << "  admin: " << (c.admin.tls_cert.empty() ? "http://" : "https://") << c.admin.listen << ", token "
          << mask(c.admin.token) << "\n";
    }
    for (const auto& w : warnings) o << "warning: " << w << "\n";
    return o.str();
}

}  // namespace txscreen
