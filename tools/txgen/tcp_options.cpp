#include "tools/txgen/tcp_options.h"

namespace txscreen::txgen {

std::string validate(const tcp_options& o) {
    if (o.connections < 1 || o.connections > 20000) return "--connections must be in [1, 20000]";
    if (o.header_bytes > 64) return "--header-bytes must be in [0, 64]";
    if (o.mss != 0 && (o.mss < 64 || o.mss > 9000)) return "--mss must be in [64, 9000]";
    if (o.ends.server_port == 0) return "--tcp-port must be in [1, 65535]";
    if (o.ends.vlan > 4094) return "--vlan must be in [1, 4094]";
    if (o.coalesce_us < 0) return "--coalesce-ms must be >= 0";
    const issuer_config& i = o.issuer;
    if (!(i.decline_rate >= 0 && i.decline_rate <= 1)) return "--decline-rate must be in [0, 1]";
    if (!(i.no_response_rate >= 0 && i.no_response_rate <= 1)) return "--no-response-rate must be in [0, 1]";
    if (i.response_us_min < 0 || i.response_us_max < i.response_us_min)
        return "--response-ms must be MIN-MAX with 0 <= MIN <= MAX";
    const tcp_fault_rates& f = o.faults;
    for (double r : {f.loss, f.reorder, f.retransmit})
        if (!(r >= 0 && r < 1)) return "--tcp-loss, --tcp-reorder and --tcp-retransmit must be in [0, 1)";
    if (f.loss + f.reorder + f.retransmit >= 1)
        return "--tcp-loss + --tcp-reorder + --tcp-retransmit must be below 1 (each segment gets at most one fault)";
    return {};
}

}  // namespace txscreen::txgen
