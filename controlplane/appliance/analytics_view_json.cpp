#include "controlplane/appliance/analytics_view_json.h"

namespace txscreen {

namespace {

nlohmann::ordered_json windows_json(const analytics_view& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& w : v.windows)
        a.push_back({{"start_ms", w.start_ms}, {"transactions", w.transactions}, {"alerts", w.alerts},
                     {"reviews", w.reviews}, {"blocks", w.blocks}});
    return a;
}

nlohmann::ordered_json merchants_json(const analytics_view& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& m : v.top_merchants)
        a.push_back({{"merchant", m.merchant}, {"transactions", m.transactions}, {"alerts", m.alerts},
                     {"alert_rate", m.transactions ? static_cast<double>(m.alerts) / m.transactions : 0.0}});
    return a;
}

nlohmann::ordered_json cases_json(const analytics_view& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& c : v.cases)
        a.push_back({{"case_id", case_id_text(c.id)}, {"card_masked", std::string(c.card_bin) + "..." + c.card_last4},
                     {"alerts", c.alerts}, {"max_score", c.max_score}, {"opened_ms", c.opened_ms},
                     {"last_ms", c.last_ms}});
    return a;
}

nlohmann::ordered_json spikes_json(const analytics_view& v) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const auto& s : v.spikes)
        a.push_back({{"kind", spike_kind_name(s.kind)}, {"dimension", agg_dimension_name(s.dimension)},
                     {"key", s.key}, {"window_start_ms", s.window_start_ms}, {"observed", s.observed},
                     {"baseline", s.baseline}, {"z", s.z}});
    return a;
}

}  // namespace

nlohmann::ordered_json analytics_view_json(const analytics_view& v) {
    return {{"window_ms", v.window_ms}, {"windows", windows_json(v)}, {"top_merchants", merchants_json(v)}, {"cases", cases_json(v)},
            {"spikes", spikes_json(v)}};
}

}  // namespace txscreen
