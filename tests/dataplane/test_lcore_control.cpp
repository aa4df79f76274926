// The lcore control channel with real components, in-process: EAL (--no-huge), a
// net_ring port looped back onto itself, 1 rx lcore and 2 workers scoring with the
// default rules, and lookup_scorer asking the workers while they run and after they
// stopped. EAL initialises once per process, so this is one test case, in steps.
#include <catch2/catch.hpp>

#include <sched.h>

#include <chrono>
#include <cstring>
#include <ctime>
#include <map>
#include <string>
#include <thread>
#include <vector>

#include <rte_ethdev.h>
#include <rte_mbuf.h>

#include "../common/luhn_complete.h"
#include "controlplane/appliance/card_lookup.h"
#include "controlplane/appliance/engine_scorer.h"
#include "dataplane/dataplane.h"
#include "rules/default_rules.h"

using namespace txscreen;
using namespace std::chrono_literals;

namespace {

constexpr uint16_t feed_port = 7001;
const std::string tokenization_key = "0123456789abcdef0123456789abcdef";

// EAL lcores 0-3 (main, rx, two workers) on the first two CPUs this process may use.
std::string lcore_map() {
    cpu_set_t set;
    CPU_ZERO(&set);
    sched_getaffinity(0, sizeof set, &set);
    std::string map = "(0-3)@(";
    for (int c = 0, n = 0; c < CPU_SETSIZE && n < 2; ++c) {
        if (!CPU_ISSET(c, &set)) continue;
        if (n++) map += ',';
        map += std::to_string(c);
    }
    map += ')';
    return map;
}

dp_config ring_config() {
    dp_config c;
    c.eal_args = {"--no-huge", "-m", "512", "--lcores", lcore_map(), "--log-level", "*:error"};
    c.ports.push_back({"ring0", "net_ring0", 1, 256});
    dp_feed_config f;
    f.name = "cards";
    f.udp_port = feed_port;
    f.frame = framing::raw;
    f.format = payload_format::json;
    c.feeds.push_back(f);
    c.rx_lcores = 1;
    c.workers = 2;
    c.burst = 32;
    c.txn_ring_size = 1024;
    c.verdict_ring_size = 1024;
    c.mbufs_per_queue = 1024;
    c.tokenization_key = tokenization_key;
    return c;
}

engine_config small_engines() {
    engine_config e;
    e.velocity.card_capacity = 4096;
    e.velocity.merchant_capacity = e.velocity.device_capacity = e.velocity.ip_capacity = 1024;
    e.velocity.dedup_capacity = 4096;
    e.repeat_entries = e.small_txn_entries = 4096;
    return e;
}

std::string iso_now() {
    char buf[32];
    const std::time_t t = std::time(nullptr) - 1;
    std::tm tm{};
    gmtime_r(&t, &tm);
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

// Ethernet + IPv4 + UDP to the feed's port around one JSON transaction.
std::string frame(const std::string& json) {
    const uint16_t total = static_cast<uint16_t>(20 + 8 + json.size()), udp = static_cast<uint16_t>(8 + json.size());
    const uint8_t headers[] = {0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0xaa, 0x08, 0x00,
                               0x45, 0, uint8_t(total >> 8), uint8_t(total), 0, 1, 0, 0, 64, 17, 0, 0,
                               10, 0, 0, 1, 10, 0, 0, 2, 0x30, 0x39, uint8_t(feed_port >> 8), uint8_t(feed_port & 0xff),
                               uint8_t(udp >> 8), uint8_t(udp), 0, 0};
    return std::string(reinterpret_cast<const char*>(headers), sizeof headers) + json;
}

// Transmits on the ring port: what it sends, its rx queue receives.
void send(uint16_t port, rte_mempool* pool, const std::string& bytes) {
    rte_mbuf* m = rte_pktmbuf_alloc(pool);
    REQUIRE(m);
    std::memcpy(rte_pktmbuf_append(m, static_cast<uint16_t>(bytes.size())), bytes.data(), bytes.size());
    const auto deadline = std::chrono::steady_clock::now() + 5s;
    while (rte_eth_tx_burst(port, 0, &m, 1) == 0 && std::chrono::steady_clock::now() < deadline) {
    }
}

std::string token_of(const std::string& pan) {
    uint8_t t[card_token_bytes];
    pan_tokenizer::from_config(tokenization_key, dp_config{}.tokenizer).tokenize_pan(pan.data(), pan.size(), t);
    return std::string(reinterpret_cast<const char*>(t), card_token_bytes);
}

const uint8_t* bytes(const std::string& token) { return reinterpret_cast<const uint8_t*>(token.data()); }

}  // namespace

TEST_CASE("workers answer card lookups, counters and reload acknowledgements on their control rings",
          "[integration][lcore_control]") {
    ruleset_store rules;
    REQUIRE(rules.load(default_rules_text(), "default rules").version == 1);
    engine_scorer scorer(rules, small_engines(), 2);
    lookup_scorer lookups(scorer);
    dataplane dp(ring_config(), lookups);
    struct release_engines {  // before the dataplane hands EAL memory back
        engine_scorer& s;
        ~release_engines() { s.release_all(); }
    } engines_first{scorer};

    // Before start() no worker polls: a lookup waits its timeout, then gives up.
    bool timed_out = false;
    const std::string unknown = token_of(test::luhn_complete("400000000000000"));
    CHECK_FALSE(lookups.card_json(bytes(unknown), 50ms, &timed_out));
    CHECK(timed_out);

    dp.start();
    uint16_t port = 0;
    REQUIRE(rte_eth_dev_get_port_by_name("net_ring0", &port) == 0);
    rte_mempool* pool = rte_pktmbuf_pool_create("test_tx", 511, 0, 0, RTE_MBUF_DEFAULT_BUF_SIZE, SOCKET_ID_ANY);
    REQUIRE(pool);

    // Three cards: 3, 1 and 2 transactions.
    const std::vector<std::string> pans = {test::luhn_complete("411111111111111"), test::luhn_complete("550000000000000"),
                                           test::luhn_complete("400005665566555")};
    const std::vector<int> txns_per_card = {3, 1, 2};
    unsigned sent = 0;
    for (std::size_t c = 0; c < pans.size(); ++c)
        for (int i = 0; i < txns_per_card[c]; ++i, ++sent)
            send(port, pool, frame(R"({"txn_id":"t)" + std::to_string(sent) + R"(","ts":")" + iso_now() +
                                   R"(","card":")" + pans[c] + R"(","amount":12.34,"currency":"USD","merchant_id":"M)" +
                                   std::to_string(sent) + R"("})"));

    // The controlplane's part: take the verdicts, noting which worker owns each card.
    std::map<std::string, unsigned> owner;
    std::vector<Verdict> buf(64);
    unsigned verdicts = 0;
    for (auto deadline = std::chrono::steady_clock::now() + 10s;
         verdicts < sent && std::chrono::steady_clock::now() < deadline;) {
        const unsigned n = dp.poll_verdicts(buf.data(), static_cast<unsigned>(buf.size()));
        for (unsigned i = 0; i < n; ++i)
            owner[std::string(reinterpret_cast<const char*>(buf[i].txn.card_token), card_token_bytes)] = buf[i].worker;
        verdicts += n;
    }
    REQUIRE(verdicts == sent);
    REQUIRE(owner.size() == 3);

    // A card lookup is answered by the worker owning the card, formatted here.
    const std::string first = token_of(pans[0]);
    std::optional<std::string> json = lookups.card_json(bytes(first), 2000ms, &timed_out);
    REQUIRE(json);
    CHECK_FALSE(timed_out);
    CHECK(json->find(R"("worker":)" + std::to_string(owner[first])) != std::string::npos);
    CHECK(json->find(R"("count":{"1m":3,)") != std::string::npos);
    CHECK_FALSE(lookups.card_json(bytes(unknown), 2000ms, &timed_out));
    CHECK_FALSE(timed_out);

    // Counters copied off the workers: every txn scored, each card inserted once.
    REQUIRE(lookups.await_versions(1, 0, 5s));
    std::vector<worker_report> reports = lookups.worker_reports();
    uint64_t scored = 0;
    for (const worker_report& r : reports) {
        CHECK(r.ruleset_version == 1);
        CHECK(r.capacity[static_cast<unsigned>(velocity_key::card)] >= 4096);
        scored += r.counters.scored;
    }
    CHECK(scored == sent);
    CHECK(lookups.velocity_totals().inserted[static_cast<unsigned>(velocity_key::card)] == 3);

    // A reload is acknowledged once each worker has passed a quiescent point.
    REQUIRE(rules.load(default_rules_text(), "reloaded").version == 2);
    REQUIRE(lookups.await_versions(2, 0, 5s));
    for (const worker_report& r : lookups.worker_reports()) CHECK(r.ruleset_version == 2);

    // The dataplane's counters, read while the lcores run.
    dp_stats s = dp.stats();
    CHECK(s.rx.decoded == sent);
    CHECK(s.work.verdicts == sent);
    CHECK(s.per_worker[0].txns + s.per_worker[1].txns == sent);
    CHECK(s.identities_hold());

    // Stopped: the lookups read the tables directly, with the same answers.
    dp.stop_rx();
    for (auto deadline = std::chrono::steady_clock::now() + 10s; !dp.drained();) {
        REQUIRE(std::chrono::steady_clock::now() < deadline);  // a few iterations
        dp.poll_verdicts(buf.data(), static_cast<unsigned>(buf.size()));
        std::this_thread::sleep_for(1ms);
    }
    dp.join();
    lookups.set_workers_stopped();
    CHECK(lookups.card_json(bytes(first), 0ms, &timed_out) == json);
    CHECK_FALSE(timed_out);
    scored = 0;
    for (const worker_report& r : lookups.worker_reports()) scored += r.counters.scored;
    CHECK(scored == sent);
}
