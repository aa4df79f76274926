#include <cstdio>
#include <cstring>

#include "common/pan_token.h"
#include "common/response_code.h"
#include "controlplane/appliance/appliance.h"

namespace txscreen {

std::string verdict_line(const Verdict& v, const ruleset& rules) {
    const Txn& t = v.txn;
    std::string s;
    s.reserve(160);
    s += std::to_string(t.feed_id);
    s += ':';
    if (!t.txn_id.empty())
        s += t.txn_id.view();
    else
        s += std::string(t.rrn) + "/" + t.stan + "/" + std::string(t.terminal_id.view());
    s += ' ';
    s += token_hex(t.card_token);
    if (t.kind == txn_kind::outcome) {
        // The issuer's answer to an earlier request (no score): code, approval code.
        s += " outcome=" + std::string(t.response_code, strnlen(t.response_code, sizeof t.response_code));
        s += response_declined(t.response_code) ? " declined" : " approved";
        if (t.auth_code[0]) s += " auth=" + std::string(t.auth_code);
        return s;
    }
    s += " score=" + std::to_string(v.score) + ' ' + decision_name(v.dec);
    if (v.alert) s += " alert";
    if (v.duplicate) s += " duplicate";
    for (int i = 0; i < v.n_reasons; ++i) {
        char buf[96];
        std::snprintf(buf, sizeof buf, " %.*s=%g/%g", static_cast<int>(rules.rule_name(v.reasons[i].rule_id).size()),
                      rules.rule_name(v.reasons[i].rule_id).data(), v.reasons[i].value, v.reasons[i].limit);
        s += buf;
    }
    return s;
}

}  // namespace txscreen
