#include "tools/txscreen/run_losses.h"

#include <algorithm>

namespace txscreen {

std::vector<loss_kind> run_losses(const appliance_result& r, const std::string& verdicts_out,
                                  uint64_t verdicts_out_unwritten) {
    std::vector<loss_kind> k;
    const std::string spool = "spool " + r.spool_dir;
    const std::string io_error = r.spool_error.empty() ? "" : " (" + r.spool_error + ")";
    // The budget's refusals are part of the spool's refusals; the rest were I/O.
    const uint64_t budget = std::min(r.spool_budget_refused, r.spool_refused);
    k.push_back({"spool_refused", spool, "rows refused: spool not writable" + io_error, r.spool_refused - budget});
    k.push_back({"spool_budget_refused", spool,
                 "rows refused: spool over its disk budget (spool.max_bytes " + std::to_string(r.spool_max_bytes) +
                     " bytes) and no uploader to drain it",
                 budget});
    k.push_back({"spool_lost", spool, "rows accepted but never made durable" + io_error, r.spool_lost});
    const std::string kafka = "kafka " + r.kafka_bootstrap;
    k.push_back({"kafka_alerts_failed", kafka, "alerts whose delivery failed, not saved to an outbox",
                 r.kafka_alerts_failed});
    k.push_back({"kafka_alerts_refused", kafka,
                 "alerts the producer refused (fatal error, too large), not saved to an outbox",
                 r.kafka_alerts_dropped});
    k.push_back({"kafka_alerts_unsettled", kafka, "alerts neither acknowledged nor saved when the producer closed",
                 r.kafka_alerts_pending});
    k.push_back({"verdicts_out_unwritten", "--verdicts-out " + verdicts_out, "verdict lines not written",
                 verdicts_out_unwritten});
    return k;
}

uint64_t total_lost(const std::vector<loss_kind>& kinds) {
    uint64_t n = 0;
    for (const auto& k : kinds) n += k.count;
    return n;
}

std::string losses_json(const std::vector<loss_kind>& kinds) {
    std::string o = "{\"total\":" + std::to_string(total_lost(kinds));
    for (const auto& k : kinds) o += ",\"" + std::string(k.name) + "\":" + std::to_string(k.count);
    return o + "}";
}

}  // namespace txscreen
