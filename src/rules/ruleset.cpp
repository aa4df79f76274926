// TOML -> ruleset. Off the packet path: allocation and toml++ exceptions are fine here,
// but none escapes load_ruleset (a refused ruleset is an error string).
#include "rules/ruleset.h"
#include "common/duration.h"

#include <algorithm>
#include <cctype>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <initializer_list>
#include <sstream>

#include <openssl/evp.h>
#include <toml++/toml.h>

#include "common/bounded_file.h"
#include "common/currency.h"

namespace txscreen {

std::string_view rule_key_name(rule_key k) noexcept {
    static constexpr std::string_view names[] = {"card", "merchant", "device", "ip"};
    return names[static_cast<int>(k) & 3];
}
std::string_view rule_metric_name(rule_metric m) noexcept {
    static constexpr std::string_view names[] = {"count", "sum_amount", "distinct_merchant",
                                                 "distinct_country"};
    return names[static_cast<int>(m) & 3];
}
std::string_view rule_op_name(rule_op o) noexcept {
    static constexpr std::string_view names[] = {">", ">=", "<", "<=", "=="};
    int i = static_cast<int>(o);
    return i < 5 ? names[i] : "?";
}

int ruleset::rule_id(std::string_view name) const noexcept {
    for (std::size_t i = 0; i < _names.size(); ++i)
        if (_names[i] == name) return static_cast<int>(i);
    return -1;
}

int64_t ruleset::high_amount_limit(uint16_t currency, uint16_t mcc, uint8_t exponent) const noexcept {
    int64_t any_mcc = -1;
    for (int i = 0; i < det.n_currency_limits; ++i) {
        const currency_limit& l = det.currency_limits[i];
        if (l.currency != currency) continue;
        if (l.mcc == mcc && mcc != 0) return l.limit_minor;
        if (l.mcc == 0) any_mcc = l.limit_minor;
    }
    if (any_mcc >= 0) return any_mcc;
    if (det.default_limit_major <= 0) return 0;
    return static_cast<int64_t>(std::llround(det.default_limit_major * std::pow(10.0, exponent)));
}

int64_t ruleset::longest_window_ms() const noexcept {
    int64_t w = 0;
    auto take = [&](detector d, int64_t ms) {
        if (det.enable[static_cast<int>(d)]) w = std::max(w, ms);
    };
    take(detector::rapid_repeat, det.rapid_repeat_window_ms);
    take(detector::amount_velocity, det.amount_velocity_window_ms);
    take(detector::count_velocity, det.count_velocity_window_ms);
    take(detector::card_testing, det.card_testing_window_ms);
    take(detector::duplicate, det.duplicate_window_ms);
    for (int i = 0; i < n_rules; ++i) w = std::max(w, rules[i].window_ms);
    return w;
}

int64_t parse_duration_ms(std::string_view text) noexcept {
    const int64_t ms = parse_duration_text_ms(text, max_window_ms, false);
    return ms > 0 ? ms : -1;  // a window of zero is refused
}

static std::string sha256_hex(std::string_view text) {
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    EVP_Digest(text.data(), text.size(), md, &n, EVP_sha256(), nullptr);
    static const char* hex = "0123456789abcdef";
    std::string out;
    out.reserve(n * 2);
    for (unsigned i = 0; i < n; ++i) {
        out.push_back(hex[md[i] >> 4]);
        out.push_back(hex[md[i] & 15]);
    }
    return out;
}

// Walks the TOML tree, filling a ruleset; the first problem stops it with an error
// naming the key path and line.
struct ruleset_loader {
    std::string source;
    std::string error;
    ruleset* rs = nullptr;

    bool fail(const toml::source_region& where, const std::string& path, const std::string& what) {
        std::ostringstream o;
        o << source << ':' << where.begin.line << ':' << where.begin.column << ": key '" << path
          << "': " << what;
        error = o.str();
        return false;
    }

    static std::string join(const std::string& prefix, std::string_view key) {
        return prefix.empty() ? std::string(key) : prefix + "." + std::string(key);
    }

    // Refuses any key of `t` not in `allowed`.
    bool only_keys(const toml::table& t, const std::string& prefix,
                   std::initializer_list<std::string_view> allowed) {
        for (auto&& [k, v] : t) {
            if (std::find(allowed.begin(), allowed.end(), k.str()) == allowed.end()) {
                std::string list;
                for (auto a : allowed) {
                    if (!list.empty()) list += ", ";
                    list += a;
                }
                return fail(k.source(), join(prefix, k.str()),
                            "unknown key (allowed here: " + list + ")");
            }
        }
        return true;
    }

    bool get_bool(const toml::table& t, const std::string& prefix, std::string_view key, bool& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_boolean()) return fail(n->source(), join(prefix, key), "expected true or false");
        out = n->as_boolean()->get();
        return true;
    }

    bool get_int(const toml::table& t, const std::string& prefix, std::string_view key, int64_t lo,
                 int64_t hi, int64_t& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_integer())
            return fail(n->source(), join(prefix, key),
                        "expected an integer " + std::to_string(lo) + ".." + std::to_string(hi));
        int64_t v = n->as_integer()->get();
        if (v < lo || v > hi)
            return fail(n->source(), join(prefix, key),
                        std::to_string(v) + " is out of range " + std::to_string(lo) + ".." +
                            std::to_string(hi));
        out = v;
        return true;
    }
    template <typename T>
    bool get_int_as(const toml::table& t, const std::string& prefix, std::string_view key, int64_t lo,
                    int64_t hi, T& out) {
        int64_t v = static_cast<int64_t>(out);
        if (!get_int(t, prefix, key, lo, hi, v)) return false;
        out = static_cast<T>(v);
        return true;
    }

    bool get_number(const toml::table& t, const std::string& prefix, std::string_view key, double lo,
                    double hi, double& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        double v;
        if (n->is_integer()) v = static_cast<double>(n->as_integer()->get());
        else if (n->is_floating_point()) v = n->as_floating_point()->get();
        else return fail(n->source(), join(prefix, key), "expected a number");
        if (!(v >= lo && v <= hi)) {
            std::ostringstream o;
            o << v << " is out of range " << lo << ".." << hi;
            return fail(n->source(), join(prefix, key), o.str());
        }
        out = v;
        return true;
    }

    bool get_duration(const toml::table& t, const std::string& prefix, std::string_view key,
                      int64_t& out) {
        const toml::node* n = t.get(key);
        if (!n) return true;
        if (!n->is_string())
            return fail(n->source(), join(prefix, key),
                        "expected a duration string such as \"500ms\", \"5s\", \"10m\", \"1h\"");
        std::string_view s = n->as_string()->get();
        int64_t ms = parse_duration_ms(s);
        if (ms < 0)
            return fail(n->source(), join(prefix, key),
                        "bad duration \"" + std::string(s) +
                            "\" (a positive integer with ms, s, m or h, at most 24h)");
        out = ms;
        return true;
    }

    const toml::table* sub_table(const toml::table& t, const std::string& prefix, std::string_view key,
                                 bool& ok) {
        const toml::node* n = t.get(key);
        if (!n) return nullptr;
        if (!n->is_table()) {
            ok = fail(n->source(), join(prefix, key), "expected a table");
            return nullptr;
        }
        return n->as_table();
    }

    bool common_detector(const toml::table& t, const std::string& prefix, detector d) {
        int i = static_cast<int>(d);
        return get_bool(t, prefix, "enable", rs->det.enable[i]) &&
               get_int_as(t, prefix, "weight", 0, 100, rs->det.weight[i]);
    }

    bool currency_code(const toml::node& n, const std::string& path, uint16_t& numeric,
                       const toml::source_region& where) {
        (void)n;
        std::string_view code = path.substr(path.rfind('.') + 1);
        const currency_info* ci = currency_by_alpha(code);
        if (!ci) return fail(where, path, "not an ISO 4217 currency code");
        numeric = ci->numeric;
        return true;
    }

    bool add_limit(const toml::source_region& where, const std::string& path, uint16_t currency,
                   uint16_t mcc, double major) {
        detector_settings& d = rs->det;
        if (d.n_currency_limits >= max_currency_limits)
            return fail(where, path, "too many limits (at most " + std::to_string(max_currency_limits) + ")");
        const currency_info* ci = currency_by_numeric(currency);
        double minor = major * std::pow(10.0, ci ? ci->exponent : 2);
        d.currency_limits[d.n_currency_limits++] =
            currency_limit{currency, mcc, static_cast<int64_t>(std::llround(minor))};
        return true;
    }

    bool high_amount(const toml::table& t, const std::string& p) {
        if (!only_keys(t, p, {"enable", "weight", "limits", "default_limit", "mcc_limits"})) return false;
        if (!common_detector(t, p, detector::high_amount)) return false;
        if (!get_number(t, p, "default_limit", 0, 1e12, rs->det.default_limit_major)) return false;
        bool ok = true;
        if (const toml::table* lim = sub_table(t, p, "limits", ok)) {
            for (auto&& [k, v] : *lim) {
                std::string path = join(p + ".limits", k.str());
                uint16_t cur = 0;
                if (!currency_code(v, path, cur, k.source())) return false;
                double major;
                if (v.is_integer()) major = static_cast<double>(v.as_integer()->get());
                else if (v.is_floating_point()) major = v.as_floating_point()->get();
                else return fail(v.source(), path, "expected a number (major units)");
                if (!(major > 0 && major <= 1e12))
                    return fail(v.source(), path, "limit must be > 0 and <= 1e12");
                if (!add_limit(v.source(), path, cur, 0, major)) return false;
            }
        }
        if (!ok) return false;
        if (const toml::node* n = t.get("mcc_limits")) {
            std::string ap = p + ".mcc_limits";
            if (!n->is_array()) return fail(n->source(), ap, "expected an array of tables {mcc, currency, limit}");
            int idx = 0;
            for (const toml::node& e : *n->as_array()) {
                std::string ep = ap + "[" + std::to_string(idx++) + "]";
                if (!e.is_table()) return fail(e.source(), ep, "expected a table {mcc, currency, limit}");
                const toml::table& et = *e.as_table();
                if (!only_keys(et, ep, {"mcc", "currency", "limit"})) return false;
                int64_t mcc = -1;
                double limit = -1;
                if (!get_int(et, ep, "mcc", 1, 9999, mcc) || !get_number(et, ep, "limit", 0.01, 1e12, limit))
                    return false;
                const toml::node* c = et.get("currency");
                if (mcc < 0 || limit < 0 || !c)
                    return fail(e.source(), ep, "needs mcc, currency and limit");
                if (!c->is_string()) return fail(c->source(), ep + ".currency", "expected a currency code string");
                const currency_info* ci = currency_by_alpha(c->as_string()->get());
                if (!ci) return fail(c->source(), ep + ".currency", "not an ISO 4217 currency code");
                if (!add_limit(e.source(), ep, ci->numeric, static_cast<uint16_t>(mcc), limit)) return false;
            }
        }
        // MCC-specific entries must win over the currency-wide one whatever the file order.
        std::stable_sort(rs->det.currency_limits, rs->det.currency_limits + rs->det.n_currency_limits,
                         [](const currency_limit& a, const currency_limit& b) { return a.mcc > b.mcc; });
        return true;
    }

    bool detectors(const toml::table& t) {
        const std::string p = "detector";
        std::initializer_list<std::string_view> allowed = {
            "high_amount", "rapid_repeat", "amount_velocity", "count_velocity",
            "card_testing", "impossible_travel", "new_device", "country_mismatch",
            "high_risk_mcc", "pattern_hit", "duplicate", "event_time_ahead"};
        if (!only_keys(t, p, allowed)) return false;
        detector_settings& d = rs->det;
        for (auto&& [k, v] : t) {
            std::string dp = join(p, k.str());
            if (!v.is_table()) return fail(v.source(), dp, "expected a table");
            const toml::table& dt = *v.as_table();
            std::string_view name = k.str();
            bool ok = true;
            if (name == "high_amount") {
                ok = high_amount(dt, dp);
            } else if (name == "rapid_repeat") {
                ok = only_keys(dt, dp, {"enable", "weight", "window", "min_count"}) &&
                     common_detector(dt, dp, detector::rapid_repeat) &&
                     get_duration(dt, dp, "window", d.rapid_repeat_window_ms) &&
                     get_int_as(dt, dp, "min_count", 2, 8, d.rapid_repeat_min_count);
            } else if (name == "amount_velocity") {
                ok = only_keys(dt, dp, {"enable", "weight", "window", "limit"}) &&
                     common_detector(dt, dp, detector::amount_velocity) &&
                     get_duration(dt, dp, "window", d.amount_velocity_window_ms) &&
                     get_number(dt, dp, "limit", 0.01, 1e12, d.amount_velocity_limit_major);
            } else if (name == "count_velocity") {
                ok = only_keys(dt, dp, {"enable", "weight", "window", "limit"}) &&
                     common_detector(dt, dp, detector::count_velocity) &&
                     get_duration(dt, dp, "window", d.count_velocity_window_ms) &&
                     get_int_as(dt, dp, "limit", 1, 1'000'000, d.count_velocity_limit);
            } else if (name == "card_testing") {
                ok = only_keys(dt, dp, {"enable", "weight", "window", "max_amount", "min_count",
                                        "min_merchants"}) &&
                     common_detector(dt, dp, detector::card_testing) &&
                     get_duration(dt, dp, "window", d.card_testing_window_ms) &&
                     get_number(dt, dp, "max_amount", 0.01, 1e6, d.card_testing_max_amount_major) &&
                     get_int_as(dt, dp, "min_count", 2, 64, d.card_testing_min_count) &&
                     get_int_as(dt, dp, "min_merchants", 1, 64, d.card_testing_min_merchants);
            } else if (name == "impossible_travel") {
                ok = only_keys(dt, dp, {"enable", "weight", "max_speed_kmh", "min_distance_km",
                                        "max_gap"}) &&
                     common_detector(dt, dp, detector::impossible_travel) &&
                     get_number(dt, dp, "max_speed_kmh", 1, 100'000, d.travel_max_speed_kmh) &&
                     get_number(dt, dp, "min_distance_km", 0, 20'100, d.travel_min_distance_km) &&
                     get_duration(dt, dp, "max_gap", d.travel_max_gap_ms);
            } else if (name == "new_device") {
                ok = only_keys(dt, dp, {"enable", "weight", "min_history", "ecom_only", "large_amount",
                                        "large_weight"}) &&
                     common_detector(dt, dp, detector::new_device) &&
                     get_int_as(dt, dp, "min_history", 0, 1000, d.new_device_min_history) &&
                     get_bool(dt, dp, "ecom_only", d.new_device_ecom_only) &&
                     get_number(dt, dp, "large_amount", 0, 1e12, d.new_device_large_amount_major) &&
                     get_int_as(dt, dp, "large_weight", 0, 100, d.new_device_large_weight);
            } else if (name == "country_mismatch") {
                ok = only_keys(dt, dp, {"enable", "weight", "min_history", "card_present_only"}) &&
                     common_detector(dt, dp, detector::country_mismatch) &&
                     get_int_as(dt, dp, "min_history", 0, 1000, d.country_mismatch_min_history) &&
                     get_bool(dt, dp, "card_present_only", d.country_mismatch_card_present_only);
            } else if (name == "high_risk_mcc") {
                ok = only_keys(dt, dp, {"enable", "weight", "mccs"}) &&
                     common_detector(dt, dp, detector::high_risk_mcc) && mcc_list(dt, dp);
            } else if (name == "pattern_hit") {
                ok = only_keys(dt, dp, {"enable", "weight", "categories"}) &&
                     common_detector(dt, dp, detector::pattern_hit) &&
                     get_int_as(dt, dp, "categories", 0, 0xffff, d.pattern_categories);
            } else if (name == "duplicate") {
                ok = only_keys(dt, dp, {"enable", "weight", "window"}) &&
                     common_detector(dt, dp, detector::duplicate) &&
                     get_duration(dt, dp, "window", d.duplicate_window_ms);
            } else if (name == "event_time_ahead") {
                ok = only_keys(dt, dp, {"enable", "weight"}) && common_detector(dt, dp, detector::event_time_ahead);
            }
            if (!ok) return false;
        }
        return true;
    }

    bool mcc_list(const toml::table& t, const std::string& p) {
        const toml::node* n = t.get("mccs");
        if (!n) return true;
        std::string path = p + ".mccs";
        if (!n->is_array()) return fail(n->source(), path, "expected an array of MCC integers");
        detector_settings& d = rs->det;
        d.n_high_risk_mccs = 0;
        for (const toml::node& e : *n->as_array()) {
            if (!e.is_integer()) return fail(e.source(), path, "expected an integer MCC 1..9999");
            int64_t v = e.as_integer()->get();
            if (v < 1 || v > 9999) return fail(e.source(), path, std::to_string(v) + " is not an MCC 1..9999");
            if (d.n_high_risk_mccs >= max_high_risk_mccs)
                return fail(e.source(), path, "too many MCCs (at most " + std::to_string(max_high_risk_mccs) + ")");
            d.high_risk_mccs[d.n_high_risk_mccs++] = static_cast<uint16_t>(v);
        }
        return true;
    }

    bool enum_string(const toml::table& t, const std::string& p, std::string_view key,
                     std::initializer_list<std::string_view> values, int& out) {
        const toml::node* n = t.get(key);
        std::string path = join(p, key);
        std::string list;
        for (auto a : values) list += (list.empty() ? "" : ", ") + std::string(a);
        if (!n) return fail(t.source(), path, "missing (one of: " + list + ")");
        if (!n->is_string()) return fail(n->source(), path, "expected a string (one of: " + list + ")");
        std::string_view s = n->as_string()->get();
        int i = 0;
        for (auto a : values) {
            if (a == s) {
                out = i;
                return true;
            }
            ++i;
        }
        return fail(n->source(), path, "\"" + std::string(s) + "\" is not one of: " + list);
    }

    bool user_rules(const toml::node& n) {
        if (!n.is_array_of_tables()) return fail(n.source(), "rule", "expected [[rule]] tables");
        int idx = 0;
        for (const toml::node& e : *n.as_array()) {
            std::string p = "rule[" + std::to_string(idx++) + "]";
            const toml::table& t = *e.as_table();
            if (!only_keys(t, p, {"name", "key", "metric", "window", "op", "limit", "weight", "enable"}))
                return false;
            if (rs->n_rules >= max_user_rules)
                return fail(t.source(), p, "too many rules (at most " + std::to_string(max_user_rules) + ")");
            const toml::node* nm = t.get("name");
            if (!nm) return fail(t.source(), p + ".name", "missing");
            if (!nm->is_string()) return fail(nm->source(), p + ".name", "expected a string");
            std::string name(nm->as_string()->get());
            bool good = !name.empty() && name.size() <= 48 &&
                        std::all_of(name.begin(), name.end(), [](char c) {
                            return std::islower(static_cast<unsigned char>(c)) ||
                                   std::isdigit(static_cast<unsigned char>(c)) || c == '_';
                        });
            if (!good) return fail(nm->source(), p + ".name", "\"" + name + "\" must be 1-48 of [a-z0-9_]");
            if (rs->rule_id(name) >= 0)
                return fail(nm->source(), p + ".name", "\"" + name + "\" is already used by another rule or detector");
            user_rule r{};
            int key = 0, metric = 0, op = 0;
            bool enable = true;
            int64_t window = -1;
            double limit = std::nan("");
            if (!enum_string(t, p, "key", {"card", "merchant", "device", "ip"}, key) ||
                !enum_string(t, p, "metric", {"count", "sum_amount", "distinct_merchant", "distinct_country"}, metric) ||
                !enum_string(t, p, "op", {">", ">=", "<", "<=", "=="}, op) ||
                !get_duration(t, p, "window", window) ||
                !get_number(t, p, "limit", 0, 1e12, limit) ||
                !get_int_as(t, p, "weight", 0, 100, r.weight) ||
                !get_bool(t, p, "enable", enable))
                return false;
            if (window < 0) return fail(t.source(), p + ".window", "missing (a duration such as \"5s\")");
            if (std::isnan(limit)) return fail(t.source(), p + ".limit", "missing (a number)");
            if (!t.get("weight")) return fail(t.source(), p + ".weight", "missing (an integer 0..100)");
            r.key = static_cast<rule_key>(key);
            r.metric = static_cast<rule_metric>(metric);
            r.op = static_cast<rule_op>(op);
            r.window_ms = window;
            r.limit = limit;
            // A disabled rule keeps its id (so verdicts stay comparable) but weighs nothing.
            if (!enable) r.weight = 0;
            rs->rules[rs->n_rules++] = r;
            rs->_names.push_back(name);
        }
        return true;
    }

    bool load(const toml::table& root) {
        if (!only_keys(root, "", {"ruleset", "scoring", "detector", "rule"})) return false;
        bool ok = true;
        if (const toml::table* t = sub_table(root, "", "ruleset", ok)) {
            std::string name;
            if (!only_keys(*t, "ruleset", {"name", "description"})) return false;
            for (auto key : {"name", "description"})
                if (const toml::node* n = t->get(key); n && !n->is_string())
                    return fail(n->source(), std::string("ruleset.") + key, "expected a string");
        }
        if (!ok) return false;
        if (const toml::table* t = sub_table(root, "", "scoring", ok)) {
            if (!only_keys(*t, "scoring", {"review", "block", "alert"}) ||
                !get_int_as(*t, "scoring", "review", 1, 100, rs->scoring.review) ||
                !get_int_as(*t, "scoring", "block", 1, 100, rs->scoring.block) ||
                !get_int_as(*t, "scoring", "alert", 1, 100, rs->scoring.alert))
                return false;
            if (rs->scoring.review > rs->scoring.block)
                return fail(t->source(), "scoring.review", "review threshold " + std::to_string(rs->scoring.review) +
                                                               " is above block threshold " +
                                                               std::to_string(rs->scoring.block));
        }
        if (!ok) return false;
        if (const toml::table* t = sub_table(root, "", "detector", ok)) {
            if (!detectors(*t)) return false;
        }
        if (!ok) return false;
        if (const toml::node* n = root.get("rule")) {
            if (!user_rules(*n)) return false;
        }
        return true;
    }
};

std::unique_ptr<ruleset> default_ruleset() {
    auto rs = std::make_unique<ruleset>();
    rs->content_hash = sha256_hex("");
    rs->source = "defaults";
    return rs;
}

ruleset_load_result load_ruleset(std::string_view toml_text, std::string_view source_name) {
    ruleset_load_result res;
    ruleset_loader loader;
    loader.source = std::string(source_name);
    auto rs = default_ruleset();
    loader.rs = rs.get();
    try {
        toml::table root = toml::parse(toml_text, std::string_view(source_name));
        if (!loader.load(root)) {
            res.error = loader.error;
            return res;
        }
    } catch (const toml::parse_error& e) {
        std::ostringstream o;
        o << source_name << ':' << e.source().begin.line << ':' << e.source().begin.column
          << ": TOML syntax: " << e.description();
        res.error = o.str();
        return res;
    } catch (const std::exception& e) {
        res.error = std::string(source_name) + ": " + e.what();
        return res;
    }
    rs->content_hash = sha256_hex(toml_text);
    rs->source = std::string(source_name);
    res.rules = std::move(rs);
    return res;
}

ruleset_load_result load_ruleset_file(const std::string& path) {
    input_file in = read_input_file(path, input_kind::rules);
    if (!in.ok()) {
        ruleset_load_result res;
        res.error = path + ": " + in.problem;
        return res;
    }
    return load_ruleset(in.text, path);
}

}  // namespace txscreen
