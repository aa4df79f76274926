#include "controlplane/appliance/run_losses.h"

#include <algorithm>

namespace txscreen {

std::vector<loss_kind> run_losses(const appliance_result& r, const std::string& verdicts_out,
                                  uint64_t verdicts_out_unwritten) {
    std::vector<loss_kind> k;
    const std::string spool = "spool " + r.spool_dir;
    const std::string io_error = r.spool_error.empty() ? "" : " (" + r.spool_error + ")";
    const spool_stats sp = r.counters.spool.value_or(spool_stats{});
    // The budget's refusals are part of the spool's refusals; the rest were I/O.
    const uint64_t budget = std::min(sp.budget_refused, sp.refused);
    k.push_back({"spool_refused", spool, "rows refused: spool not writable" + io_error, sp.refused - budget});
    k.push_back({"spool_budget_refused", spool,
                 "rows refused: spool over its disk budget (spool.max_bytes " + std::to_string(sp.max_disk_bytes) +
                     " bytes) and no uploader to drain it",
                 budget});
    k.push_back({"spool_lost", spool, "rows accepted but never made durable" + io_error, sp.lost});
    const std::string kafka = "kafka " + r.kafka_bootstrap;
    const kafka_counters kc = r.counters.kafka.value_or(kafka_counters{});
    const kafka_topic_counters& alerts = kc[kafka_topic::alerts];
    k.push_back({"kafka_alerts_failed", kafka, "alerts whose delivery failed, not saved to an outbox", alerts.failed});
    k.push_back({"kafka_alerts_refused", kafka,
                 "alerts the producer refused (fatal error, too large), not saved to an outbox", kc.alerts_dropped});
    k.push_back({"kafka_alerts_unsettled", kafka, "alerts neither acknowledged nor saved when the producer closed",
                 alerts.pending()});
    k.push_back({"verdicts_out_unwritten", "--verdicts-out " + verdicts_out, "verdict lines not written",
                 verdicts_out_unwritten});
    return k;
}

uint64_t total_lost(const std::vector<loss_kind>& kinds) {
    uint64_t n = 0;
    for (const auto& k : kinds) n += k.count;
    return n;
}

nlohmann::ordered_json losses_json(const std::vector<loss_kind>& kinds) {
    nlohmann::ordered_json o{{"total", total_lost(kinds)}};
    for (const auto& k : kinds) o[k.name] = k.count;
    return o;
}

}  // namespace txscreen
