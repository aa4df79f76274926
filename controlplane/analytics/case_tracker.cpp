#include "controlplane/analytics/case_tracker.h"

#include <algorithm>
#include <cstdio>
#include <cstring>
#include <list>
#include <new>
#include <unordered_map>

namespace txscreen {

namespace {

// Deterministic from the card and the opening alert's event time, so a replay of the
// same feed names the same cases (webhook dedup keys, PagerDuty incidents).
uint64_t case_id_of(uint64_t card_key, int64_t opened_ms) noexcept {
    uint64_t z = card_key ^ (static_cast<uint64_t>(opened_ms) * 0x9e3779b97f4a7c15ull);
    z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
    z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
    z ^= z >> 31;
    return z ? z : 1;
}

struct open_case {
    case_summary summary;
    int64_t noticed_ms;  // event time of the latest alert stamped with a notice
    std::list<uint64_t>::iterator lru;
};

}  // namespace

struct case_tracker::impl {
    case_config conf;
    std::unordered_map<uint64_t, open_case> by_card;
    std::list<uint64_t> lru;  // card keys, most recently alerted first
    int64_t newest_ms = 0;
    case_counters counters;

    void expire() {
        while (!lru.empty()) {
            auto it = by_card.find(lru.back());
            const bool ended = it->second.summary.last_ms + conf.window_ms < newest_ms;
            if (!ended && by_card.size() <= conf.max_open) return;
            if (!ended) ++counters.closed_early;
            by_card.erase(it);
            lru.pop_back();
        }
    }

    // A card whose case ended gets a new one in the same entry: its old place in the
    // LRU list goes, so the list holds each card once.
    open_case& open(const Verdict& v, uint64_t card) {
        auto old = by_card.find(card);
        if (old != by_card.end()) lru.erase(old->second.lru);
        lru.push_front(card);
        open_case& c = by_card[card];
        c = open_case{};
        c.lru = lru.begin();
        c.summary.id = case_id_of(card, v.txn.event_time_ms);
        c.summary.opened_ms = v.txn.event_time_ms;
        c.noticed_ms = v.txn.event_time_ms;
        std::memcpy(c.summary.card_bin, v.txn.card_bin, sizeof c.summary.card_bin);
        std::memcpy(c.summary.card_last4, v.txn.card_last4, sizeof c.summary.card_last4);
        ++counters.opened;
        return c;
    }

    case_notice notice_for(open_case& c, int64_t t) {
        if (c.summary.alerts == 1) return case_notice::opened;
        if (t - c.noticed_ms < conf.notify_interval_ms) return case_notice::none;
        c.noticed_ms = t;
        return case_notice::updated;
    }

    void stamp(Verdict& v) {
        const int64_t t = v.txn.event_time_ms;
        newest_ms = std::max(newest_ms, t);
        const uint64_t card = v.txn.card_key();
        auto it = by_card.find(card);
        const bool attach = it != by_card.end() && t - it->second.summary.last_ms <= conf.window_ms;
        open_case& c = attach ? it->second : open(v, card);
        if (attach) {
            ++counters.attached;
            lru.splice(lru.begin(), lru, c.lru);
        }
        ++c.summary.alerts;
        c.summary.last_ms = std::max(c.summary.last_ms, t);
        c.summary.max_score = std::max(c.summary.max_score, v.score);
        v.case_id = c.summary.id;
        v.case_seq = c.summary.alerts;
        v.notice = notice_for(c, t);
        ++(v.notice == case_notice::none ? counters.suppressed : counters.notices);
        expire();
    }
};

case_tracker::case_tracker(const case_config& conf) : _impl(std::make_unique<impl>()) {
    _impl->conf = conf;
    _impl->by_card.reserve(std::min<std::size_t>(conf.max_open, 1u << 16));
}

case_tracker::~case_tracker() = default;

void case_tracker::stamp(Verdict& v) noexcept {
    if (!v.alert || !_impl->conf.enabled) return;
    try {
        _impl->stamp(v);
    } catch (const std::bad_alloc&) {
        // No memory for a new case: the alert goes on without one, counted.
        v.case_id = 0, v.case_seq = 0, v.notice = case_notice::none;
        ++_impl->counters.unstamped;
    }
}

case_counters case_tracker::counters() const noexcept {
    case_counters c = _impl->counters;
    c.open = _impl->by_card.size();
    return c;
}

std::vector<case_summary> case_tracker::recent(std::size_t limit) const {
    std::vector<case_summary> out;
    for (auto it = _impl->lru.begin(); it != _impl->lru.end() && out.size() < limit; ++it)
        if (auto c = _impl->by_card.find(*it); c != _impl->by_card.end()) out.push_back(c->second.summary);
    return out;
}

std::string case_id_text(uint64_t id) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

}  // namespace txscreen
