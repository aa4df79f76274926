// The feature vector (features.h). Hot path: compute_features runs once per scored
// transaction on its worker, reading what velocity and screening already produced; no
// allocation, a few velocity queries on the card's entry (which observe just touched,
// so it is in cache).
#include "rules/features.h"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <limits>

#include "geo/geo.h"
#include "geo/txn_location.h"
#include "rules/detectors/table.h"
#include "screen/screen.h"

namespace txscreen {

constexpr std::array<feature_info, feature_count> feature_table = {{
    {"amount", "amount in major units of the txn's currency"},
    {"card_count_1h", "the card's transactions in the last hour, this one included"},
    {"card_count_24h", "the card's transactions in the last 24 h, this one included"},
    {"card_sum_1h", "the card's amount sum in the last hour, this one included, major units (estimate)"},
    {"card_sum_24h", "the card's amount sum in the last 24 h, this one included, major units (estimate)"},
    {"card_distinct_merchants_1h", "distinct merchants of the card in the last hour (saturates at 3)"},
    {"card_distinct_countries_24h", "distinct countries of the card in the last 24 h (saturates at 3)"},
    {"kmh_since_card_present",
     "km/h from the card's last card-present location to this card-present txn (gaps under a minute count as "
     "one); NaN when either has no place or this txn is older"},
    {"device_new", "1 a device the card has not used (velocity keeps 3), 0 a known one; NaN without a device id"},
    {"ip_new", "1 the IP's first transaction in velocity's IP table, 0 seen before; NaN without an IP, when IPs are "
               "not tracked, or for a late or ahead txn whose IP the table does not hold"},
    {"seconds_since_last_txn", "seconds since the card's previous transaction; NaN for its first"},
    {"amount_to_card_mean_24h", "amount / the card's mean amount over the 24 h before this txn; NaN without history"},
    {"mcc_high_risk", "1 when the MCC is on the high_risk_mcc detector's list, else 0"},
    {"mcc", "merchant category code (0 = absent)"},
    {"screen_categories", "bit per category of the screening patterns matched; NaN without screening"},
    {"screen_hits", "screening patterns matched; NaN without screening"},
    {"card_declines_24h", "the card's transactions its issuer declined in the last 24 h (outcomes of TCP feeds; exact up to 8 "
                          "transactions, then a lower bound)"},
    {"channel", "0 unknown, 1 pos, 2 ecom, 3 atm"},
    {"hour_of_day", "hour of the event time, UTC, 0..23"},
    {"merchant_count_1h", "the merchant's transactions in the last hour, this one included; NaN when merchant "
                          "velocity is not tracked or the txn has no merchant id"},
}};

int feature_index(std::string_view name) noexcept {
    for (int i = 0; i < feature_count; ++i)
        if (feature_table[i].name == name) return i;
    return -1;
}

namespace {

// Positions in feature_table, each checked against its name below.
enum : int {
    f_amount, f_card_count_1h, f_card_count_24h, f_card_sum_1h, f_card_sum_24h, f_card_distinct_merchants_1h,
    f_card_distinct_countries_24h, f_kmh_since_card_present, f_device_new, f_ip_new, f_seconds_since_last_txn,
    f_amount_to_card_mean_24h, f_mcc_high_risk, f_mcc, f_screen_categories, f_screen_hits, f_card_declines_24h,
    f_channel, f_hour_of_day, f_merchant_count_1h, f_end
};
static_assert(f_end == feature_count);
#define TXSCREEN_AT(f) (feature_table[f_##f].name == #f)
static_assert(TXSCREEN_AT(amount) && TXSCREEN_AT(card_count_1h) && TXSCREEN_AT(card_count_24h) &&
                  TXSCREEN_AT(card_sum_1h) && TXSCREEN_AT(card_sum_24h) && TXSCREEN_AT(card_distinct_merchants_1h) &&
                  TXSCREEN_AT(card_distinct_countries_24h) && TXSCREEN_AT(kmh_since_card_present) &&
                  TXSCREEN_AT(device_new) && TXSCREEN_AT(ip_new) && TXSCREEN_AT(seconds_since_last_txn) &&
                  TXSCREEN_AT(amount_to_card_mean_24h) && TXSCREEN_AT(mcc_high_risk) && TXSCREEN_AT(mcc) &&
                  TXSCREEN_AT(screen_categories) && TXSCREEN_AT(screen_hits) && TXSCREEN_AT(card_declines_24h) &&
                  TXSCREEN_AT(channel) && TXSCREEN_AT(hour_of_day) && TXSCREEN_AT(merchant_count_1h),
              "each f_<name> is the position of <name> in feature_table");
#undef TXSCREEN_AT

constexpr float missing = std::numeric_limits<float>::quiet_NaN();
constexpr int64_t hour_ms = 3'600'000;
constexpr int64_t day_ms = 24 * hour_ms;

// Whether velocity's entries already hold this txn: it was applied, or it is a duplicate
// (its entries hold the first copy).
inline bool entries_hold_it(const detector_input& in) noexcept {
    return in.obs.status == observe_status::applied || in.obs.status == observe_status::duplicate;
}

// Seconds back to the card's newest event at or before this one, not counting this
// one itself; NaN when velocity keeps none (the exact ring holds the 8 newest).
inline float seconds_since_last(const detector_input& in) noexcept {
    bool skip_self = entries_hold_it(in);
    for (unsigned n = 1; n <= velocity_exact_events; ++n) {
        const int64_t t = velocity_nth_latest_time(*in.card, n);
        if (t == INT64_MIN) break;
        if (t > in.now_ms) continue;  // a newer event (this one is late)
        if (skip_self && t == in.now_ms) {
            skip_self = false;
            continue;
        }
        return static_cast<float>(static_cast<double>(in.now_ms - t) / 1000.0);
    }
    return missing;
}

// amount / mean over the 24 h before: the window's count and sum (`count_24h`,
// `sum_24h`) less this txn.
inline float amount_to_mean(const detector_input& in, int64_t count_24h, int64_t sum_24h) noexcept {
    const bool self = entries_hold_it(in);
    const int64_t count = count_24h - (self ? 1 : 0);
    const int64_t sum = sum_24h - (self && in.txn.amount_minor > 0 ? in.txn.amount_minor : 0);
    if (count <= 0 || sum <= 0) return missing;
    return static_cast<float>(static_cast<double>(in.txn.amount_minor) * static_cast<double>(count) /
                              static_cast<double>(sum));
}

inline float kmh_since_card_present(const detector_input& in) noexcept {
    const velocity_location& prev = in.obs.prior.last_cp;
    if (!prev.valid || !card_present(in.txn) || in.now_ms < prev.time_ms) return missing;
    double lat, lon;
    if (!txn_location(in.txn, lat, lon)) return missing;
    const double km = great_circle_km(prev.lat, prev.lon, lat, lon);
    // As impossible_travel: clocks and velocity's second resolution disagree by seconds.
    const double hours = static_cast<double>(std::max<int64_t>(in.now_ms - prev.time_ms, 60'000)) / 3.6e6;
    return static_cast<float>(km / hours);
}

// The IP's entry holds its events; a single one (this txn, or its first copy) is a first
// sight. A late or ahead txn's entry is only looked up: absent may mean untracked.
inline float ip_new(const detector_input& in) noexcept {
    if (in.txn.ip.empty()) return missing;
    const velocity_entry* e = in.obs.entry[static_cast<int>(velocity_key::ip)];
    if (!e) return missing;
    if (!entries_hold_it(in)) return 0;
    return velocity_nth_latest_time(*e, 2) == INT64_MIN ? 1.0f : 0.0f;
}

inline float hour_of_day(int64_t ms) noexcept {
    int64_t h = (ms / hour_ms) % 24;
    if (ms % hour_ms < 0) --h;  // floor for times before 1970
    return static_cast<float>(h < 0 ? h + 24 : h);
}

}  // namespace

void compute_features(const detector_input& in, float out[feature_count]) noexcept {
    const Txn& t = in.txn;
    const velocity_entry* card = in.measured ? in.card : nullptr;  // windows only when measured
    out[f_amount] = static_cast<float>(in.amount_major);
    if (card) {
        const int64_t now = in.now_ms;
        const velocity_window day = velocity_window_within(*card, now, day_ms);
        const velocity_window hour = velocity_window_within(*card, now, hour_ms);
        out[f_card_count_1h] = static_cast<float>(hour.count);
        out[f_card_count_24h] = static_cast<float>(day.count);
        out[f_card_sum_1h] = static_cast<float>(static_cast<double>(hour.sum) / in.scale);
        out[f_card_sum_24h] = static_cast<float>(static_cast<double>(day.sum) / in.scale);
        out[f_card_distinct_merchants_1h] = static_cast<float>(velocity_distinct_merchants_within(*card, now, hour_ms));
        out[f_card_distinct_countries_24h] = static_cast<float>(velocity_distinct_countries_within(*card, now, day_ms));
        out[f_seconds_since_last_txn] = seconds_since_last(in);
        out[f_amount_to_card_mean_24h] = amount_to_mean(in, day.count, day.sum);
        out[f_card_declines_24h] =
            velocity_any_declines(*card) ? static_cast<float>(velocity_declines_within(*card, now, day_ms)) : 0.0f;
    } else {
        for (int i : {f_card_count_1h, f_card_count_24h, f_card_sum_1h, f_card_sum_24h, f_card_distinct_merchants_1h,
                      f_card_distinct_countries_24h, f_seconds_since_last_txn, f_amount_to_card_mean_24h,
                      f_card_declines_24h})
            out[i] = missing;
    }
    out[f_kmh_since_card_present] = kmh_since_card_present(in);
    out[f_device_new] = t.device_id.empty() ? missing : in.obs.prior.device_known ? 0.0f : 1.0f;
    out[f_ip_new] = ip_new(in);
    out[f_mcc_high_risk] = in.settings ? (in.settings->is_high_risk_mcc(t.mcc) ? 1.0f : 0.0f) : missing;
    out[f_mcc] = static_cast<float>(t.mcc);
    out[f_screen_categories] = in.screen ? static_cast<float>(in.screen->categories) : missing;
    out[f_screen_hits] = in.screen ? static_cast<float>(in.screen->n_ids) : missing;
    out[f_channel] = static_cast<float>(static_cast<uint8_t>(t.chan));
    out[f_hour_of_day] = hour_of_day(in.now_ms);
    const velocity_entry* merchant = in.obs.entry[static_cast<int>(velocity_key::merchant)];
    out[f_merchant_count_1h] =
        in.measured && merchant ? static_cast<float>(velocity_count_within(*merchant, in.now_ms, hour_ms)) : missing;
}

}  // namespace txscreen
