// The engine's feature vector (rules/features.h) on hand-built sequences, and the model
// detector: a small hand-written XGBoost model attached to the ruleset, firing at its
// threshold; score_burst still equal to n calls of score() with the model step.
#include <catch2/catch.hpp>

#include <cmath>
#include <cstring>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "geo/geo.h"
#include "model/xgb_model.h"
#include "rules/default_rules.h"
#include "rules/detectors/table.h"
#include "rules/engine.h"
#include "rules/features.h"
#include "screen/starter_patterns.h"
#include "small_model.h"

using namespace txscreen;

namespace {

constexpr int64_t base_ms = 1'700'000'000'000;  // 2023-11-14 22:13:20 UTC
constexpr int64_t minute = 60'000, hour = 60 * minute;

engine_config small_config(bool track_all) {
    engine_config c;
    c.velocity.card_capacity = 1 << 12;
    c.velocity.merchant_capacity = 1 << 10;
    c.velocity.device_capacity = 1 << 10;
    c.velocity.ip_capacity = 1 << 10;
    c.velocity.dedup_capacity = 1 << 12;
    c.repeat_entries = 1 << 10;
    c.small_txn_entries = 1 << 10;
    c.track_unused_keys = track_all;
    return c;
}

Txn make_txn(uint64_t card, const char* merchant, int64_t amount_minor, int64_t t_ms) {
    Txn t;
    t.reset();
    t.event_time_ms = base_ms + t_ms;
    t.amount_minor = amount_minor;
    std::memcpy(t.card_token, &card, sizeof card);
    t.card_token[8] = 0xcd;
    t.currency = 840;
    t.currency_exponent = 2;
    t.mcc = 5411;
    t.chan = channel::ecom;
    t.merchant_id.assign(merchant);
    std::memcpy(t.country, "US", 3);
    static uint64_t seq = 0;
    t.txn_id.assign("ft" + std::to_string(++seq));
    return t;
}

Txn at(Txn t, float lat, float lon) {
    t.chan = channel::pos;
    t.lat = lat;
    t.lon = lon;
    return t;
}

std::shared_ptr<const xgb_model> small_model() {
    std::string error;
    auto m = xgb_model::parse(test::small_model_json(), "small_model.json", error);
    INFO(error);
    REQUIRE(m);
    return m;
}

// An engine on `toml` (with `model` attached to the ruleset when given).
struct scorer {
    ruleset_store store;
    pattern_store* patterns = nullptr;
    std::unique_ptr<engine> eng;
    explicit scorer(const std::string& toml, std::shared_ptr<const xgb_model> model = nullptr, bool track_all = true,
                    pattern_store* pats = nullptr) {
        auto r = load_ruleset(toml, "test.toml");
        INFO(r.error);
        REQUIRE(r.ok());
        r.rules->model = std::move(model);
        store.publish(std::move(r.rules));
        engine_config c = small_config(track_all);
        c.patterns = pats;
        eng = std::make_unique<engine>(store, c);
    }
    Verdict score(const Txn& t) {
        Verdict v;
        eng->score(t, v);
        return v;
    }
};

float feature(const Verdict& v, std::string_view name) {
    const int i = feature_index(name);
    INFO(name);
    REQUIRE(i >= 0);
    REQUIRE(v.features_version == feature_version);
    return v.features[i];
}

bool missing(const Verdict& v, std::string_view name) { return std::isnan(feature(v, name)); }

const verdict_reason* reason(const Verdict& v, const ruleset& rs, std::string_view name) {
    for (int i = 0; i < v.n_reasons; ++i)
        if (rs.rule_name(v.reasons[i].rule_id) == name) return &v.reasons[i];
    return nullptr;
}

}  // namespace

TEST_CASE("feature table: the 20 documented names in vector order", "[unit][rules][features]") {
    // The order is the model's contract (features.h: a change bumps feature_version).
    const std::string_view names[] = {
        "amount",         "card_count_1h",          "card_count_24h",          "card_sum_1h",
        "card_sum_24h",   "card_distinct_merchants_1h", "card_distinct_countries_24h", "kmh_since_card_present",
        "device_new",     "ip_new",                 "seconds_since_last_txn",  "amount_to_card_mean_24h",
        "mcc_high_risk",  "mcc",                    "screen_categories",       "screen_hits",
        "card_declines_24h", "channel",             "hour_of_day",             "merchant_count_1h"};
    REQUIRE(std::size(names) == static_cast<std::size_t>(feature_count));
    for (int i = 0; i < feature_count; ++i) {
        INFO(i);
        CHECK(feature_table[i].name == names[i]);
        CHECK_FALSE(feature_table[i].doc.empty());
        CHECK(feature_index(names[i]) == i);
    }
    CHECK(feature_index("amount_usd") == -1);
    CHECK(feature_version == 1);
}

TEST_CASE("features: a card's counts, sums, distinct merchants, gaps and amount against its history",
          "[unit][rules][features]") {
    scorer s{std::string(default_rules_text())};
    Txn a = make_txn(1, "m1", 10000, 0);  // 100.00 USD
    a.device_id.assign("dev-1");
    a.ip.assign("192.0.2.1");
    const Verdict v1 = s.score(a);
    CHECK(feature(v1, "amount") == 100.0f);
    CHECK(feature(v1, "card_count_1h") == 1);
    CHECK(feature(v1, "card_count_24h") == 1);
    CHECK(feature(v1, "card_sum_1h") == Approx(100.0));
    CHECK(feature(v1, "card_sum_24h") == Approx(100.0));
    CHECK(feature(v1, "card_distinct_merchants_1h") == 1);
    CHECK(feature(v1, "card_distinct_countries_24h") == 1);
    CHECK(missing(v1, "seconds_since_last_txn"));    // the card's first
    CHECK(missing(v1, "amount_to_card_mean_24h"));   // no history
    CHECK(feature(v1, "device_new") == 1);
    CHECK(feature(v1, "ip_new") == 1);
    CHECK(feature(v1, "merchant_count_1h") == 1);
    CHECK(feature(v1, "card_declines_24h") == 0);
    CHECK(feature(v1, "channel") == 2);  // ecom
    CHECK(feature(v1, "hour_of_day") == 22);
    CHECK(missing(v1, "kmh_since_card_present"));   // e-commerce: no place

    Txn b = make_txn(1, "m2", 5000, 10 * minute);
    std::memcpy(b.country, "GB", 3);
    b.device_id.assign("dev-1");
    b.ip.assign("192.0.2.1");
    const Verdict v2 = s.score(b);
    CHECK(feature(v2, "card_count_1h") == 2);
    CHECK(feature(v2, "card_sum_1h") == Approx(150.0));
    CHECK(feature(v2, "card_distinct_merchants_1h") == 2);
    CHECK(feature(v2, "card_distinct_countries_24h") == 2);
    CHECK(feature(v2, "seconds_since_last_txn") == 600);
    CHECK(feature(v2, "amount_to_card_mean_24h") == Approx(0.5));
    CHECK(feature(v2, "device_new") == 0);
    CHECK(feature(v2, "ip_new") == 0);
    CHECK(feature(v2, "merchant_count_1h") == 1);   // m2's first

    Txn c = make_txn(1, "m1", 30000, 2 * hour);
    const Verdict v3 = s.score(c);
    CHECK(feature(v3, "card_count_1h") == 1);
    CHECK(feature(v3, "card_count_24h") == 3);
    CHECK(feature(v3, "card_sum_1h") == Approx(300.0));
    CHECK(feature(v3, "card_sum_24h") == Approx(450.0).epsilon(0.002));  // 16-bit float buckets
    CHECK(feature(v3, "card_distinct_merchants_1h") == 1);
    CHECK(feature(v3, "seconds_since_last_txn") == 6600);
    CHECK(feature(v3, "amount_to_card_mean_24h") == Approx(4.0).epsilon(0.005));  // 300 / mean(100, 50)
    CHECK(feature(v3, "merchant_count_1h") == 1);    // m1's other txn is 2 h old
    CHECK(missing(v3, "device_new"));                // no device id
    CHECK(missing(v3, "ip_new"));                    // no IP
    CHECK(feature(v3, "hour_of_day") == 0);          // 00:13 UTC the next day

    // Another card at the same IP and merchant: the IP and merchant are not new.
    Txn d = make_txn(2, "m1", 700, 2 * hour + minute);
    d.ip.assign("192.0.2.1");
    const Verdict v4 = s.score(d);
    CHECK(feature(v4, "ip_new") == 0);
    CHECK(feature(v4, "merchant_count_1h") == 2);
    CHECK(feature(v4, "card_count_1h") == 1);
}

TEST_CASE("features: merchant and IP novelty are missing while their keys are not tracked",
          "[unit][rules][features]") {
    // The shipped ruleset has no [[rule]] on merchant or IP keys: without
    // track_unused_keys velocity keeps neither.
    scorer s(std::string(default_rules_text()), nullptr, false);
    Txn a = make_txn(3, "m1", 1000, 0);
    a.ip.assign("198.51.100.7");
    a.device_id.assign("dev-3");
    const Verdict v = s.score(a);
    CHECK(missing(v, "ip_new"));
    CHECK(missing(v, "merchant_count_1h"));
    CHECK(feature(v, "device_new") == 1);   // devices live in the card's entry
    CHECK(feature(v, "card_count_1h") == 1);
}

TEST_CASE("features: km/h from the card's last card-present place, card-present txns only",
          "[unit][rules][features]") {
    scorer s{std::string(default_rules_text())};
    const Verdict first = s.score(at(make_txn(4, "m1", 2000, 0), 40.71f, -74.01f));  // New York
    CHECK(missing(first, "kmh_since_card_present"));  // no earlier place
    CHECK(feature(first, "channel") == 1);
    const Verdict online = s.score(make_txn(4, "m2", 2000, 20 * minute));
    CHECK(missing(online, "kmh_since_card_present"));
    const Verdict london = s.score(at(make_txn(4, "m3", 2000, hour), 51.51f, -0.13f));
    const double km = great_circle_km(40.71, -74.01, 51.51, -0.13);
    CHECK(feature(london, "kmh_since_card_present") == Approx(km).epsilon(0.002));  // in one hour
    // Under a minute counts as one (velocity keeps seconds, acquirers' clocks differ);
    // velocity keeps places to 1/180 degree, about half a km here: at most ~30 km/h.
    Txn atm = at(make_txn(4, "m4", 2000, hour + 10'000), 51.51f, -0.13f);
    atm.chan = channel::atm;
    const Verdict same_place = s.score(atm);
    CHECK(feature(same_place, "kmh_since_card_present") == Approx(0).margin(60.0));
    CHECK(feature(same_place, "channel") == 3);
}

TEST_CASE("features: late and ahead events have no windowed features; a duplicate is measured",
          "[unit][rules][features]") {
    scorer s{std::string(default_rules_text())};
    const Txn a = make_txn(5, "m1", 4000, 0);
    const Verdict v1 = s.score(a);
    s.score(make_txn(5, "m1", 4000, 30 * minute));
    // 20 minutes older than the watermark (allowed lateness: 1 minute).
    const Verdict late = s.score(make_txn(5, "m2", 1000, 10 * minute));
    REQUIRE(late.late);
    for (std::string_view windowed : {"card_count_1h", "card_count_24h", "card_sum_1h", "card_sum_24h",
                                      "card_distinct_merchants_1h", "card_distinct_countries_24h",
                                      "seconds_since_last_txn", "amount_to_card_mean_24h", "card_declines_24h",
                                      "merchant_count_1h"}) {
        INFO(windowed);
        CHECK(missing(late, windowed));
    }
    CHECK(feature(late, "amount") == 10.0f);
    CHECK(feature(late, "mcc") == 5411);
    CHECK(feature(late, "hour_of_day") == 22);

    Txn ahead = make_txn(5, "m1", 1000, 31 * minute);
    ahead.rx_clock_ms = ahead.event_time_ms - 10 * minute;
    const Verdict va = s.score(ahead);
    REQUIRE(va.ahead);
    CHECK(missing(va, "card_count_1h"));
    CHECK(feature(va, "channel") == 2);

    // The duplicate is measured against the state holding its first copy.
    const Verdict dup = s.score(a);
    REQUIRE(dup.duplicate);
    CHECK(feature(dup, "card_count_1h") == 2);   // the first copy and the 30-minute txn
    CHECK(missing(dup, "seconds_since_last_txn"));   // as for its first copy, the card's first
    CHECK(missing(v1, "seconds_since_last_txn"));
}

TEST_CASE("features: MCC risk follows the high_risk_mcc list; screening categories and hits",
          "[unit][rules][features][screen]") {
    const std::string toml = "[detector.high_risk_mcc]\nmccs = [7995]\n";
    {
        scorer s(toml);
        Txn t = make_txn(6, "m1", 1000, 0);
        t.mcc = 7995;
        const Verdict v = s.score(t);
        CHECK(feature(v, "mcc_high_risk") == 1);
        CHECK(feature(v, "mcc") == 7995);
        CHECK(missing(v, "screen_categories"));   // no pattern database
        CHECK(missing(v, "screen_hits"));
        t = make_txn(6, "m1", 1000, minute);
        CHECK(feature(s.score(t), "mcc_high_risk") == 0);
    }
    // The list counts whether or not the detector scores.
    scorer off(toml + "enable = false\n");
    Txn t = make_txn(6, "m1", 1000, 0);
    t.mcc = 7995;
    CHECK(feature(off.score(t), "mcc_high_risk") == 1);

    pattern_store pats(1);
    REQUIRE(pats.load(starter_patterns_text(), "starter.patterns").ok());
    scorer screened(std::string(default_rules_text()), nullptr, true, &pats);
    Txn casino = make_txn(7, "m1", 1000, 0);
    casino.merchant_name.assign("ONLINE CASINO ROYAL");
    const Verdict hit = screened.score(casino);
    REQUIRE(hit.n_patterns > 0);
    CHECK(feature(hit, "screen_categories") == static_cast<float>(hit.pattern_categories));
    CHECK(feature(hit, "screen_hits") == static_cast<float>(hit.n_patterns));
    Txn plain = make_txn(7, "m1", 1000, minute);
    plain.merchant_name.assign("CORNER GROCERY");
    const Verdict none = screened.score(plain);
    CHECK(feature(none, "screen_categories") == 0);
    CHECK(feature(none, "screen_hits") == 0);
}

TEST_CASE("features: declines placed by outcomes count on the card's next transaction; outcomes carry none",
          "[unit][rules][features]") {
    scorer s{std::string(default_rules_text())};
    const Txn req = make_txn(8, "m1", 1000, 0);
    s.score(req);
    Txn out = req;
    out.kind = txn_kind::outcome;
    std::memcpy(out.response_code, "05", 3);
    const Verdict vo = s.score(out);
    CHECK(vo.features_version == 0);
    for (float f : vo.features) CHECK(f == 0);
    const Verdict next = s.score(make_txn(8, "m1", 1000, minute));
    CHECK(feature(next, "card_declines_24h") == 1);

    // Before any ruleset: not scored, no features.
    ruleset_store empty;
    engine e(empty, small_config(true));
    Verdict v;
    e.score(make_txn(9, "m1", 1000, 0), v);
    CHECK(v.ruleset_version == 0);
    CHECK(v.features_version == 0);
}

TEST_CASE("model detector: fires at the threshold with the probability and the threshold", "[unit][rules][model]") {
    const auto model = small_model();
    const std::string only_model = [] {
        std::string s;
        for (auto n : detector_names)
            if (n != "model") s += "[detector." + std::string(n) + "]\nenable = false\n";
        return s;
    }();
    scorer s(only_model + "[detector.model]\nthreshold = 0.9\n", model);
    const ruleset& rs = *s.eng->current_rules();
    // High: amount >= 1000, a new device, 5,570 km in an hour: margin 3.6.
    Txn a = at(make_txn(10, "m1", 100, 0), 40.71f, -74.01f);
    a.device_id.assign("dev-a");
    const Verdict low = s.score(a);   // 1.00 USD, new device, no travel: margin -1.5 + 0.9 - 0.2
    CHECK(feature(low, "device_new") == 1);
    CHECK(reason(low, rs, "model") == nullptr);
    Txn b = at(make_txn(10, "m2", 200000, hour), 51.51f, -0.13f);
    b.device_id.assign("dev-b");
    const Verdict high = s.score(b);
    const double p = test::small_model_probability(feature(high, "amount"), feature(high, "card_count_1h"),
                                                   feature(high, "device_new"), feature(high, "kmh_since_card_present"));
    CHECK(p == Approx(0.9734).epsilon(1e-4));
    const verdict_reason* r = reason(high, rs, "model");
    REQUIRE(r);
    CHECK(r->value == Approx(p).epsilon(1e-5));
    CHECK(r->limit == Approx(0.9));
    CHECK(r->weight == model_detector::default_weight);
    CHECK(high.score == model_detector::default_weight);
    CHECK(s.eng->counters().fired[static_cast<int>(detector::model)] == 1);

    // At the threshold exactly it fires (>=); just below it, not.
    const float probability = static_cast<float>(r->value);
    model_detector::settings at_p{static_cast<double>(probability)};
    detector_hit h;
    CHECK(model_detector::judge(probability, at_p, h));
    at_p.model_threshold = std::nextafter(static_cast<double>(probability), 1.0);
    CHECK_FALSE(model_detector::judge(probability, at_p, h));
    CHECK_FALSE(model_detector::judge(NAN, model_detector::settings{0.0}, h));
    // Its weight is configured like any detector's. (In a fresh engine b is the card's
    // first txn: no travel, margin 1.5 + 0.9 - 0.2, p = 0.90.)
    scorer heavy(only_model + "[detector.model]\nweight = 90\nthreshold = 0.85\n", model);
    const Verdict blocked = heavy.score(b);
    const verdict_reason* rh = reason(blocked, *heavy.eng->current_rules(), "model");
    REQUIRE(rh);
    CHECK(rh->weight == 90);
    CHECK(blocked.dec == decision::block);

    // Without a model, or with the detector off, it never fires.
    scorer none(only_model + "[detector.model]\nthreshold = 0\n");
    CHECK(none.score(b).n_reasons == 0);
    scorer off(only_model + "[detector.model]\nenable = false\nthreshold = 0\n", model);
    CHECK(off.score(b).n_reasons == 0);
    CHECK(off.score(b).features_version == feature_version);
}

TEST_CASE("model detector: [detector.model] threshold is a probability", "[unit][rules][model]") {
    CHECK(load_ruleset("[detector.model]\nthreshold = 0.75\nweight = 30\n", "m.toml").ok());
    const auto r = load_ruleset("[detector.model]\nthreshold = 0.75\n", "m.toml");
    REQUIRE(r.ok());
    CHECK(r.rules->det.model_threshold == 0.75);
    CHECK(r.rules->model == nullptr);   // attached by the builder, never by the TOML
    CHECK(default_ruleset()->det.model_threshold == 0.5);
    const auto high = load_ruleset("[detector.model]\nthreshold = 1.5\n", "m.toml");
    CHECK_FALSE(high.ok());
    CHECK(high.error.find("detector.model.threshold") != std::string::npos);
    const auto unknown = load_ruleset("[detector.model]\npath = \"m.json\"\n", "m.toml");
    CHECK_FALSE(unknown.ok());
    CHECK(unknown.error.find("allowed here: enable, weight, threshold") != std::string::npos);
}

TEST_CASE("score_burst with a model gives exactly the verdicts and features of score() per txn",
          "[unit][rules][model][screen]") {
    // The shipped ruleset with the model attached at a low threshold (it fires on many
    // txns, not all), starter patterns, duplicates, late events and issuer outcomes.
    const auto model = small_model();
    pattern_store pats(1);
    REQUIRE(pats.load(starter_patterns_text(), "starter.patterns").ok());
    const std::string toml = std::string(default_rules_text()) + "\n[detector.model]\nthreshold = 0.3\n";
    scorer one(toml, model, false, &pats), burst(toml, model, false, &pats);

    std::mt19937_64 rng(21);
    const char* names[] = {"CORNER GROCERY", "ONLINE CASINO ROYAL", "GIFT CARD MALL", "BLUE CAFE"};
    std::vector<Txn> txns;
    int64_t t = 0;
    for (int i = 0; i < 3000; ++i) {
        t += static_cast<int64_t>(rng() % 4000);
        const int64_t when = (rng() % 20 == 0) ? t - static_cast<int64_t>(rng() % 300'000) : t;  // some late
        const uint64_t card = rng() % 40;
        const int64_t amount = (rng() % 3 == 0) ? 100 : static_cast<int64_t>(rng() % 300'000);
        Txn x = make_txn(card, ("M" + std::to_string(rng() % 25)).c_str(), amount, when);
        x.merchant_name.assign(names[rng() % 4]);
        if (rng() & 1) x = at(x, static_cast<float>(rng() % 120) - 60.0f, static_cast<float>(rng() % 340) - 170.0f);
        if (rng() % 4) x.device_id.assign("dev-" + std::to_string(card * 2 + rng() % 3));
        x.ip.assign("10.0." + std::to_string(card) + "." + std::to_string(rng() % 4));
        txns.push_back(x);
        if (rng() % 50 == 0) txns.push_back(x);  // a duplicate
        if (rng() % 3 == 0) {
            Txn o = x;
            o.kind = txn_kind::outcome;
            std::memcpy(o.response_code, rng() % 3 ? "00" : "05", 3);
            txns.push_back(o);
        }
    }
    std::vector<Verdict> want(txns.size()), got(txns.size());
    for (std::size_t i = 0; i < txns.size(); ++i) one.eng->score(txns[i], want[i]);
    const std::size_t sizes[] = {1, 2, 3, 5, 7, 16, 17, 31, 32, 33, 64, 100};
    for (std::size_t i = 0, k = 0; i < txns.size(); ++k) {
        const std::size_t n = std::min(sizes[k % std::size(sizes)], txns.size() - i);
        burst.eng->score_burst(&txns[i], n, &got[i]);
        i += n;
    }
    const int model_id = static_cast<int>(detector::model);
    std::size_t model_reasons = 0, featured = 0;
    for (std::size_t i = 0; i < txns.size(); ++i) {
        INFO("txn " << i);
        const Verdict &a = want[i], &b = got[i];
        CHECK(a.score == b.score);
        CHECK(a.dec == b.dec);
        CHECK(a.alert == b.alert);
        CHECK(a.features_version == b.features_version);
        CHECK(std::memcmp(a.features, b.features, sizeof a.features) == 0);
        REQUIRE(a.n_reasons == b.n_reasons);
        for (int j = 0; j < a.n_reasons; ++j) {
            CHECK(a.reasons[j].rule_id == b.reasons[j].rule_id);
            CHECK(a.reasons[j].weight == b.reasons[j].weight);
            CHECK(a.reasons[j].value == b.reasons[j].value);
            CHECK(a.reasons[j].limit == b.reasons[j].limit);
            model_reasons += a.reasons[j].rule_id == model_id;
        }
        featured += a.features_version != 0;
    }
    CHECK(std::memcmp(one.eng->counters().fired, burst.eng->counters().fired, sizeof one.eng->counters().fired) == 0);
    CHECK(one.eng->counters().alerts == burst.eng->counters().alerts);
    // The stream exercised the model both ways, and outcomes carry no features.
    CHECK(model_reasons > 100);
    CHECK(model_reasons < featured);
    CHECK(featured == one.eng->counters().scored);
    CHECK(featured < txns.size());
}
