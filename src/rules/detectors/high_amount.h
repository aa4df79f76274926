// high_amount: the amount is above the limit of its currency (and MCC). Limits are
// kept in minor units of their currency; a currency with no limit uses default_limit in
// its own major units (0: that currency is not checked).
#pragma once

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <string>
#include <string_view>

#include "common/currency.h"
#include "rules/detectors/detector.h"

namespace txscreen {

struct currency_limit {
    uint16_t currency;  // ISO 4217 numeric
    uint16_t mcc;       // 0: any MCC
    int64_t limit_minor;
};

inline constexpr int max_currency_limits = 64;

struct high_amount_detector {
    static constexpr std::string_view name = "high_amount";
    static constexpr std::string_view description = "amount above the limit for its currency (and MCC)";
    static constexpr uint8_t default_weight = 45;

    struct settings {
        // Limits per (currency, mcc), MCC-specific entries first.
        int n_currency_limits = 0;
        currency_limit currency_limits[max_currency_limits] = {};
        double default_limit_major = 0;

        // The limit for this currency and MCC in minor units; 0 when not checked.
        int64_t high_amount_limit(uint16_t currency, uint16_t mcc, uint8_t exponent) const noexcept {
            int64_t any_mcc = -1;
            for (int i = 0; i < n_currency_limits; ++i) {
                const currency_limit& l = currency_limits[i];
                if (l.currency != currency) continue;
                if (l.mcc == mcc && mcc != 0) return l.limit_minor;
                if (l.mcc == 0) any_mcc = l.limit_minor;
            }
            if (any_mcc >= 0) return any_mcc;
            if (default_limit_major <= 0) return 0;
            return static_cast<int64_t>(std::llround(default_limit_major * std::pow(10.0, exponent)));
        }
    };

    static constexpr std::array<std::string_view, 3> keys = {"limits", "default_limit", "mcc_limits"};

    static bool parse(const settings_node& section, settings& s) {
        if (!section.number("default_limit", 0, 1e12, s.default_limit_major) ||
            !parse_limits(section.get("limits"), s) || !parse_mcc_limits(section.get("mcc_limits"), s))
            return false;
        // MCC-specific entries must win over the currency-wide one whatever the file order.
        std::stable_sort(s.currency_limits, s.currency_limits + s.n_currency_limits,
                         [](const currency_limit& a, const currency_limit& b) { return a.mcc > b.mcc; });
        return true;
    }

    static bool evaluate(const detector_input& in, const settings& s, detector_state&, detector_hit& hit) noexcept {
        const Txn& t = in.txn;
        const int64_t limit = s.high_amount_limit(t.currency, t.mcc, t.currency_exponent);
        if (limit <= 0 || t.amount_minor <= limit) return false;
        hit.value = in.amount_major;
        hit.limit = static_cast<double>(limit) / in.scale;
        return true;
    }

private:
    // limits = { USD = 3000, ... }: currency alpha code -> major units.
    static bool parse_limits(const settings_node& limits, settings& s) {
        if (!limits.present()) return true;
        if (!limits.is_table()) return limits.fail("expected a table");
        for (std::size_t i = 0; i < limits.size(); ++i) {
            const settings_node entry = limits.at(i);
            const currency_info* ci = currency_by_alpha(entry.key());
            if (!ci) return entry.fail_at_key("not an ISO 4217 currency code");
            if (!entry.is_number()) return entry.fail("expected a number (major units)");
            const double major = entry.as_number();
            if (!(major > 0 && major <= 1e12)) return entry.fail("limit must be > 0 and <= 1e12");
            if (!add_limit(entry, s, ci->numeric, 0, major)) return false;
        }
        return true;
    }

    // mcc_limits = [ { mcc = 5944, currency = "USD", limit = 8000 }, ... ]
    static bool parse_mcc_limits(const settings_node& list, settings& s) {
        if (!list.present()) return true;
        if (!list.is_array()) return list.fail("expected an array of tables {mcc, currency, limit}");
        for (std::size_t i = 0; i < list.size(); ++i) {
            const settings_node e = list.at(i);
            if (!e.is_table()) return e.fail("expected a table {mcc, currency, limit}");
            if (!e.only_keys({"mcc", "currency", "limit"})) return false;
            int64_t mcc = -1;
            double limit = -1;
            if (!e.integer("mcc", 1, 9999, mcc) || !e.number("limit", 0.01, 1e12, limit)) return false;
            const settings_node c = e.get("currency");
            if (mcc < 0 || limit < 0 || !c.present()) return e.fail("needs mcc, currency and limit");
            if (!c.is_string()) return c.fail("expected a currency code string");
            const currency_info* ci = currency_by_alpha(c.as_string());
            if (!ci) return c.fail("not an ISO 4217 currency code");
            if (!add_limit(e, s, ci->numeric, static_cast<uint16_t>(mcc), limit)) return false;
        }
        return true;
    }

    static bool add_limit(const settings_node& where, settings& s, uint16_t currency, uint16_t mcc, double major) {
        if (s.n_currency_limits >= max_currency_limits)
            return where.fail("too many limits (at most " + std::to_string(max_currency_limits) + ")");
        const currency_info* ci = currency_by_numeric(currency);
        const double minor = major * std::pow(10.0, ci ? ci->exponent : 2);
        s.currency_limits[s.n_currency_limits++] = currency_limit{currency, mcc, static_cast<int64_t>(std::llround(minor))};
        return true;
    }
};

}  // namespace txscreen
