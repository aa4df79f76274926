// Request/response pairing (src/flow/pairing.h): requests and responses encoded with
// encode_iso8583 and decoded as the rx stage does, paired by a real pairing_table.
#include <catch2/catch.hpp>

#include <algorithm>
#include <cstring>
#include <list>
#include <random>
#include <string>
#include <vector>

#include "codec/iso8583.h"
#include "codec/iso8583_encode.h"
#include "codec/iso_wire.h"
#include "common/response_code.h"
#include "flow/pairing.h"

using namespace txscreen;

namespace {

constexpr int64_t ref_ms = 1'797'292'800'000;  // 2026-12-15T00:00:00Z
constexpr int64_t ms = 1'000'000;              // ns
constexpr int64_t sec = 1'000'000'000;
constexpr int64_t t0 = ref_ms * ms;            // rx clock of the first request

const pan_tokenizer& tokenizer() {
    static const pan_tokenizer tok(std::string("0123456789abcdef0123456789ABCDEF"));
    return tok;
}

std::string cstr(const char* s) { return s; }

clear_txn request_c(const std::string& stan, const std::string& pan, const std::string& terminal = "TERM0001",
                    const std::string& rrn = "", uint16_t mti = 200) {
    clear_txn c;
    c.mti = mti;
    c.pan = pan;
    c.stan = stan;
    c.terminal_id = terminal;
    c.rrn = rrn;
    c.event_time_ms = ref_ms + 3'600'000;
    c.amount_minor = 4200;
    c.currency = "EUR";
    c.merchant_id = "MERCHANT-77";
    return c;
}

// The issuer's answer: the request's key fields, no PAN, its own codes.
clear_txn response_c(const clear_txn& req, const std::string& code, const std::string& auth = "") {
    clear_txn c = req;
    c.mti = static_cast<uint16_t>(req.mti + 10);
    c.pan.clear();
    c.response_code = code;
    c.auth_code = auth;
    c.merchant_id.clear();
    return c;
}

Txn decode(const clear_txn& c, std::string_view dialect = "binary") {
    std::vector<uint8_t> m;
    encode_iso8583(c, builtin_wire(dialect), m);
    iso_decode_context ctx;
    ctx.tokenizer = &tokenizer();
    ctx.wire = &builtin_wire(dialect);
    ctx.reference_time_ms = ref_ms;
    Txn t;
    const reject_reason r = decode_iso8583(m.data(), m.size(), ctx, t);
    INFO("decode: " << reject_name(r));
    REQUIRE(r == reject_reason::none);
    return t;
}

// What the rx stage does for a request: record it, and fill its token once hashed.
pending_handle record(pairing_table& table, uint64_t flow, const Txn& request, int64_t rx_ns) {
    const pending_handle h = table.add_request(flow, request, rx_ns);
    if (h) table.set_token(h, request.card_token);
    return h;
}

bool same_token(const Txn& t, const std::string& pan) {
    uint8_t tok[card_token_bytes];
    tokenizer().tokenize_pan(pan.data(), pan.size(), tok);
    return std::memcmp(t.card_token, tok, card_token_bytes) == 0;
}

const std::string pan_a = "5500005555555559", pan_b = "4111111111111111", pan_c = "4012888888881881";

}  // namespace

TEST_CASE("a response pairs with its request into an outcome, in every dialect", "[unit][pairing]") {
    for (std::string_view dialect : {"binary", "hex", "bcd", "ebcdic"}) {
        INFO("dialect " << dialect);
        pairing_table table{pairing_config{}};
        const clear_txn req = request_c("000123", pan_a, "TERM0001", "612300000042");
        REQUIRE(record(table, 7, decode(req, dialect), t0));
        CHECK(table.pending() == 1);

        const Txn resp = decode(response_c(req, "00", "A1B2C3"), dialect);
        CHECK(resp.pan_len == 0);
        Txn out;
        REQUIRE(table.match_response(7, resp, t0 + 250 * ms + 1500, out) == pair_result::paired);
        CHECK(out.kind == txn_kind::outcome);
        CHECK(out.mti == 210);
        CHECK(out.request_mti == 200);
        CHECK(out.request_rx_ns == t0);
        CHECK(out.issuer_response_us == 250'001);
        CHECK(same_token(out, pan_a));
        CHECK(cstr(out.card_bin) == "55000055");
        CHECK(cstr(out.card_last4) == "5559");
        CHECK(out.pan_len == 16);
        CHECK(cstr(out.response_code) == "00");
        CHECK(cstr(out.auth_code) == "A1B2C3");
        CHECK(cstr(out.stan) == "000123");
        CHECK(cstr(out.rrn) == "612300000042");
        CHECK(out.terminal_id == "TERM0001");
        CHECK(out.merchant_id == "MERCHANT-77");  // the request's: the response has none
        CHECK(out.amount_minor == 4200);
        CHECK(out.currency == 978);
        CHECK(out.event_time_ms == req.event_time_ms);
        CHECK(table.pending() == 0);
        const pairing_counters& c = table.counters();
        CHECK(c.requests == 1);
        CHECK(c.responses == 1);
        CHECK(c.paired == 1);
        CHECK(c.declined == 0);
        CHECK(c.unpaired_responses == 0);

        // The same response again finds nothing: the request was freed.
        CHECK(table.match_response(7, resp, t0 + sec, out) == pair_result::unpaired);
        CHECK(table.counters().unpaired_responses == 1);
        CHECK(table.counters().responses == 2);
    }
}

TEST_CASE("a response that echoes the PAN pairs the same and keeps the request's amount when it has none",
          "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const clear_txn req = request_c("000124", pan_b);
    record(table, 1, decode(req), t0);
    clear_txn echo = response_c(req, "51");
    echo.pan = pan_b;
    echo.amount_minor = 0;  // encoded as zeros: read as no amount
    Txn out;
    REQUIRE(table.match_response(1, decode(echo), t0 + ms, out) == pair_result::paired);
    CHECK(same_token(out, pan_b));
    CHECK(out.amount_minor == 4200);
    CHECK(out.currency == 978);
    CHECK(out.currency_exponent == 2);
    CHECK(table.counters().declined == 1);

    // A partial approval's own amount stands.
    const clear_txn req2 = request_c("000125", pan_b);
    record(table, 1, decode(req2), t0);
    clear_txn partial = response_c(req2, "10");
    partial.amount_minor = 2100;
    REQUIRE(table.match_response(1, decode(partial), t0 + ms, out) == pair_result::paired);
    CHECK(out.amount_minor == 2100);
    CHECK(table.counters().declined == 1);
}

TEST_CASE("interleaved connections pair each response with its own request", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const std::string pans[3] = {pan_a, pan_b, pan_c};
    const char* terminals[4] = {"T0", "T1", "T2", "T3"};
    std::vector<clear_txn> reqs;
    for (int i = 0; i < 30; ++i) {
        reqs.push_back(request_c(std::to_string(100010 + i), pans[i % 3], terminals[i % 4]));
        record(table, static_cast<uint64_t>(100 + i % 5), decode(reqs.back()), t0 + i * ms);
    }
    CHECK(table.pending() == 30);
    // Answered in another order: reversed within each connection, connections mixed.
    std::mt19937_64 rng(15);
    std::vector<int> order(30);
    for (int i = 0; i < 30; ++i) order[i] = 29 - i;
    std::shuffle(order.begin(), order.end(), rng);
    for (int i : order) {
        INFO("request " << i);
        Txn out;
        REQUIRE(table.match_response(static_cast<uint64_t>(100 + i % 5), decode(response_c(reqs[i], "00")),
                                     t0 + 40 * ms, out) == pair_result::paired);
        CHECK(same_token(out, pans[i % 3]));
        CHECK(cstr(out.stan) == reqs[i].stan);
        CHECK(out.issuer_response_us == static_cast<uint32_t>((40 - i) * 1000));
    }
    CHECK(table.pending() == 0);
    CHECK(table.counters().paired == 30);
}

TEST_CASE("the same STAN on two connections pairs per connection", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const clear_txn on_a = request_c("000777", pan_a), on_b = request_c("000777", pan_b);
    record(table, 1, decode(on_a), t0);
    record(table, 2, decode(on_b), t0);
    CHECK(table.counters().duplicate_requests == 0);
    Txn out;
    REQUIRE(table.match_response(2, decode(response_c(on_b, "05")), t0 + ms, out) == pair_result::paired);
    CHECK(same_token(out, pan_b));
    REQUIRE(table.match_response(1, decode(response_c(on_a, "00")), t0 + ms, out) == pair_result::paired);
    CHECK(same_token(out, pan_a));
    // On a third connection it is nobody's response.
    CHECK(table.match_response(3, decode(response_c(on_a, "00")), t0 + ms, out) == pair_result::unpaired);
}

TEST_CASE("every key part counts: MTI class, field 7, terminal", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const clear_txn auth = request_c("000001", pan_a, "TERM0001", "", 100);
    record(table, 1, decode(auth), t0);
    Txn out;
    clear_txn wrong_class = response_c(auth, "00");
    wrong_class.mti = 210;
    CHECK(table.match_response(1, decode(wrong_class), t0 + ms, out) == pair_result::unpaired);
    clear_txn wrong_time = response_c(auth, "00");
    wrong_time.event_time_ms += 1000;
    CHECK(table.match_response(1, decode(wrong_time), t0 + ms, out) == pair_result::unpaired);
    clear_txn wrong_terminal = response_c(auth, "00");
    wrong_terminal.terminal_id = "TERM0002";
    CHECK(table.match_response(1, decode(wrong_terminal), t0 + ms, out) == pair_result::unpaired);
    CHECK(table.counters().unpaired_responses == 3);
    REQUIRE(table.match_response(1, decode(response_c(auth, "00")), t0 + ms, out) == pair_result::paired);
    CHECK(out.mti == 110);
    CHECK(out.request_mti == 100);

    // A reversal advice and its repeat share the class: the repeat is a duplicate, and
    // the one 0430 pairs with the original.
    const clear_txn reversal = request_c("000002", pan_a, "TERM0001", "", 420);
    clear_txn repeat = reversal;
    repeat.mti = 421;
    REQUIRE(record(table, 1, decode(reversal), t0));
    CHECK_FALSE(record(table, 1, decode(repeat), t0 + sec));
    CHECK(table.counters().duplicate_requests == 1);
    REQUIRE(table.match_response(1, decode(response_c(reversal, "00")), t0 + 2 * sec, out) == pair_result::paired);
    CHECK(out.mti == 430);
    CHECK(out.request_mti == 420);
    CHECK(out.issuer_response_us == 2'000'000);  // from the first transmission
}

TEST_CASE("an RRN mismatch is not the same exchange; a missing RRN is no mismatch", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const clear_txn req = request_c("000321", pan_a, "TERM0001", "612300000001");
    record(table, 1, decode(req), t0);
    clear_txn other = response_c(req, "00");
    other.rrn = "612300000002";
    Txn out;
    CHECK(table.match_response(1, decode(other), t0 + ms, out) == pair_result::unpaired);
    CHECK(table.counters().rrn_mismatches == 1);
    CHECK(table.counters().unpaired_responses == 1);
    CHECK(table.pending() == 1);  // still waiting for its own answer
    REQUIRE(table.match_response(1, decode(response_c(req, "00")), t0 + ms, out) == pair_result::paired);

    // The request without field 37 pairs with a response that has one (the issuer's), and
    // the outcome carries it.
    const clear_txn bare = request_c("000322", pan_a);
    record(table, 1, decode(bare), t0);
    clear_txn with_rrn = response_c(bare, "00");
    with_rrn.rrn = "612300000009";
    REQUIRE(table.match_response(1, decode(with_rrn), t0 + ms, out) == pair_result::paired);
    CHECK(cstr(out.rrn) == "612300000009");
}

TEST_CASE("timeouts: expire() and late responses with a fake clock", "[unit][pairing]") {
    pairing_config cfg;
    cfg.timeout_ns = 30 * sec;
    cfg.expire_batch = 64;
    pairing_table table{cfg};
    std::vector<clear_txn> reqs;
    for (int i = 0; i < 200; ++i) {
        reqs.push_back(request_c(std::to_string(100000 + i), pan_a));
        record(table, 1, decode(reqs.back()), t0 + i * ms);
    }
    CHECK(table.expire(t0 + 30 * sec) == 0);  // exactly the timeout: still pending
    Txn out;
    // Request 0 answered exactly at the timeout still pairs.
    REQUIRE(table.match_response(1, decode(response_c(reqs[0], "00")), t0 + 30 * sec, out) == pair_result::paired);
    // Bounded work per call: 64, 64, then the rest of those due (requests 1..149).
    CHECK(table.expire(t0 + 30 * sec + 149 * ms + 1) == 64);
    CHECK(table.expire(t0 + 30 * sec + 149 * ms + 1) == 64);
    CHECK(table.expire(t0 + 30 * sec + 149 * ms + 1) == 21);
    CHECK(table.expire(t0 + 30 * sec + 149 * ms + 1) == 0);
    CHECK(table.counters().timed_out == 149);
    CHECK(table.pending() == 50);

    // A late response to an expired request, and one whose request expire() has not
    // reached yet: both unpaired, the second request counted as timed out on the spot.
    CHECK(table.match_response(1, decode(response_c(reqs[5], "00")), t0 + 40 * sec, out) == pair_result::unpaired);
    CHECK(table.match_response(1, decode(response_c(reqs[199], "00")), t0 + 40 * sec, out) == pair_result::unpaired);
    const pairing_counters& c = table.counters();
    CHECK(c.late_responses == 1);
    CHECK(c.unpaired_responses == 2);
    CHECK(c.timed_out == 150);
    CHECK(table.pending() == 49);
    while (table.expire(t0 + 40 * sec) > 0) {
    }
    CHECK(c.timed_out == 199);
    CHECK(c.requests == c.paired + c.timed_out + table.pending());
}

TEST_CASE("a full table evicts its oldest request, counted, and stale handles stay harmless", "[unit][pairing]") {
    pairing_config cfg;
    cfg.capacity = 4;
    pairing_table table{cfg};
    std::vector<clear_txn> reqs;
    std::vector<pending_handle> handles;
    for (int i = 0; i < 6; ++i) {
        reqs.push_back(request_c(std::to_string(200000 + i), i % 2 ? pan_a : pan_b));
        handles.push_back(table.add_request(1, decode(reqs.back()), t0 + i * ms));
        REQUIRE(handles.back());
    }
    CHECK(table.counters().table_full == 2);
    CHECK(table.pending() == 4);
    // The rx stage fills the batch's tokens afterwards: the evicted requests' handles
    // point at entries reused by requests 4 and 5, and must not overwrite their tokens.
    for (int i = 0; i < 6; ++i) table.set_token(handles[i], decode(reqs[i]).card_token);
    Txn out;
    CHECK(table.match_response(1, decode(response_c(reqs[0], "00")), t0 + sec, out) == pair_result::unpaired);
    CHECK(table.match_response(1, decode(response_c(reqs[1], "00")), t0 + sec, out) == pair_result::unpaired);
    for (int i = 2; i < 6; ++i) {
        INFO("request " << i);
        REQUIRE(table.match_response(1, decode(response_c(reqs[i], "00")), t0 + sec, out) == pair_result::paired);
        CHECK(same_token(out, i % 2 ? pan_a : pan_b));
    }
    const pairing_counters& c = table.counters();
    CHECK(c.requests == c.paired + c.table_full + table.pending());
}

TEST_CASE("drop_flow abandons that connection's pending requests only", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    std::vector<clear_txn> reqs;
    for (int i = 0; i < 9; ++i) {
        reqs.push_back(request_c(std::to_string(300000 + i), pan_a));
        record(table, static_cast<uint64_t>(i % 3), decode(reqs.back()), t0 + i * ms);
    }
    CHECK(table.drop_flow(1) == 3);
    CHECK(table.drop_flow(1) == 0);
    CHECK(table.drop_flow(99) == 0);
    CHECK(table.counters().abandoned == 3);
    CHECK(table.pending() == 6);
    Txn out;
    for (int i = 0; i < 9; ++i) {
        INFO("request " << i);
        const pair_result want = i % 3 == 1 ? pair_result::unpaired : pair_result::paired;
        CHECK(table.match_response(static_cast<uint64_t>(i % 3), decode(response_c(reqs[i], "00")), t0 + sec, out) ==
              want);
    }
    // A new connection reusing the flow id starts clean.
    record(table, 1, decode(reqs[1]), t0 + 2 * sec);
    CHECK(table.match_response(1, decode(response_c(reqs[1], "00")), t0 + 2 * sec + ms, out) == pair_result::paired);
    CHECK(table.counters().paired == 7);
    CHECK(table.pending() == 0);
}

TEST_CASE("a response before its request's token is filled waits for set_token", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    const clear_txn req = request_c("000900", pan_c);
    const Txn request = decode(req);
    const pending_handle h = table.add_request(4, request, t0);
    REQUIRE(h);
    const Txn resp = decode(response_c(req, "00"));
    Txn out;
    out.reset();
    CHECK(table.match_response(4, resp, t0 + ms, out) == pair_result::token_pending);
    CHECK(table.counters().responses == 0);  // nothing counted until it is settled
    CHECK(table.pending() == 1);
    CHECK(out.kind == txn_kind::request);
    table.set_token(h, request.card_token);
    REQUIRE(table.match_response(4, resp, t0 + ms, out) == pair_result::paired);
    CHECK(same_token(out, pan_c));
    CHECK(table.counters().responses == 1);
    // The handle of a paired request is stale: nothing happens.
    table.set_token(h, request.card_token);
    CHECK(table.pending() == 0);
}

TEST_CASE("declines are counted by response code", "[unit][pairing]") {
    struct code_case {
        const char* code;
        bool declined;
    };
    const code_case codes[] = {{"00", false}, {"08", false}, {"10", false}, {"11", false}, {"16", false},
                               {"85", false}, {"Y1", false}, {"Y3", false}, {"05", true},  {"51", true},
                               {"14", true},  {"54", true},  {"59", true},  {"91", true},  {"Z1", true},
                               {"Z3", true},  {"01", true},  {"N7", true}};
    pairing_table table{pairing_config{}};
    uint64_t want_declined = 0;
    int stan = 400000;
    for (const auto& [code, declined] : codes) {
        INFO("code " << code);
        CHECK(response_declined(code) == declined);
        const clear_txn req = request_c(std::to_string(stan++), pan_a);
        record(table, 1, decode(req), t0);
        Txn out;
        REQUIRE(table.match_response(1, decode(response_c(req, code)), t0 + ms, out) == pair_result::paired);
        CHECK(cstr(out.response_code) == code);
        want_declined += declined;
        CHECK(table.counters().declined == want_declined);
    }
    CHECK(table.counters().paired == std::size(codes));
    CHECK(response_declined(""));
    CHECK(response_code_name("51") == "insufficient_funds");
    CHECK(response_code_name("Q9").empty());
}

TEST_CASE("requests without a STAN are not tracked", "[unit][pairing]") {
    pairing_table table{pairing_config{}};
    clear_txn req = request_c("", pan_a);
    CHECK_FALSE(record(table, 1, decode(req), t0));
    CHECK(table.counters().unkeyed_requests == 1);
    CHECK(table.pending() == 0);
}

TEST_CASE("bad pairing settings are refused by name", "[unit][pairing]") {
    pairing_config cfg;
    cfg.capacity = 0;
    CHECK_THROWS_WITH(pairing_table{cfg}, Catch::Contains("pairing capacity"));
    cfg = {};
    cfg.timeout_ns = 0;
    CHECK_THROWS_WITH(pairing_table{cfg}, Catch::Contains("pairing timeout"));
    cfg = {};
    cfg.expire_batch = 0;
    CHECK_THROWS_WITH(pairing_table{cfg}, Catch::Contains("expire_batch"));
}

namespace {

// A reference model of the pairing rules: a list in arrival order searched whole.
struct model_entry {
    uint64_t flow;
    uint16_t cls;
    int stan;
    int64_t event_ms;
    std::string terminal, rrn;
    int64_t rx_ns;
    int64_t id;  // carried as the request's amount
    std::string code;  // field 39 of a response
};

struct model {
    std::size_t capacity;
    int64_t timeout;
    unsigned batch;
    std::list<model_entry> pending;
    pairing_counters c;

    static bool same(const model_entry& a, const model_entry& b) {
        return a.flow == b.flow && a.cls == b.cls && a.stan == b.stan && a.event_ms == b.event_ms &&
               a.terminal == b.terminal;
    }
    void add(const model_entry& e) {
        ++c.requests;
        if (std::any_of(pending.begin(), pending.end(), [&](const model_entry& p) { return same(p, e); })) {
            ++c.duplicate_requests;
            return;
        }
        if (pending.size() == capacity) {
            pending.pop_front();
            ++c.table_full;
        }
        pending.push_back(e);
    }
    // Returns the id paired, or -1.
    int64_t match(const model_entry& r, int64_t rx_ns) {
        ++c.responses;
        auto it = std::find_if(pending.begin(), pending.end(), [&](const model_entry& p) { return same(p, r); });
        if (it == pending.end()) {
            ++c.unpaired_responses;
            return -1;
        }
        if (rx_ns - it->rx_ns > timeout) {
            ++c.unpaired_responses;
            ++c.late_responses;
            ++c.timed_out;
            pending.erase(it);
            return -1;
        }
        if (!r.rrn.empty() && !it->rrn.empty() && r.rrn != it->rrn) {
            ++c.unpaired_responses;
            ++c.rrn_mismatches;
            return -1;
        }
        ++c.paired;
        c.declined += r.code != "00";
        const int64_t id = it->id;
        pending.erase(it);
        return id;
    }
    void expire(int64_t now) {
        for (unsigned n = 0; n < batch && !pending.empty() && now - pending.front().rx_ns > timeout; ++n) {
            pending.pop_front();
            ++c.timed_out;
        }
    }
    void drop(uint64_t flow) {
        const auto dropped = std::erase_if(pending, [&](const model_entry& p) { return p.flow == flow; });
        c.abandoned += static_cast<uint64_t>(dropped);
    }
};

Txn as_txn(const model_entry& e, uint16_t mti) {
    Txn t;
    t.reset();
    t.mti = mti;
    t.event_time_ms = e.event_ms;
    std::snprintf(t.stan, sizeof t.stan, "%06d", e.stan);
    t.terminal_id.assign(e.terminal);
    std::memcpy(t.rrn, e.rrn.data(), e.rrn.size());
    t.amount_minor = e.id;
    std::memcpy(t.response_code, e.code.data(), e.code.size());
    std::memcpy(t.card_token, &e.id, sizeof e.id);
    return t;
}

}  // namespace

TEST_CASE("random operations agree with a reference model of the rules", "[unit][pairing]") {
    // Small key domains make duplicates, collisions in the index, evictions, drops and
    // late answers common; the index's deletions (backward shift) get exercised hard.
    std::mt19937_64 rng(8583);
    pairing_config cfg;
    cfg.capacity = 48;
    cfg.timeout_ns = 150;
    cfg.expire_batch = 3;
    pairing_table table{cfg};
    model m{cfg.capacity, cfg.timeout_ns, cfg.expire_batch, {}, {}};
    int64_t now = 1000, next_id = 1;
    static const char* terminals[] = {"T1", "T2", "TERM0003"};
    static const char* rrns[] = {"", "", "R1", "R2"};
    auto random_entry = [&] {
        return model_entry{rng() % 6, static_cast<uint16_t>(rng() % 2 ? 20 : 10), static_cast<int>(rng() % 12),
                           1'000'000 + static_cast<int64_t>(rng() % 3) * 1000, terminals[rng() % 3], rrns[rng() % 4],
                           now, next_id, rng() % 2 ? "00" : "51"};
    };
    for (int step = 0; step < 200'000; ++step) {
        now += static_cast<int64_t>(rng() % 3);
        const unsigned op = static_cast<unsigned>(rng() % 100);
        if (op < 45) {
            const model_entry e = random_entry();
            ++next_id;
            m.add(e);
            record(table, e.flow, as_txn(e, static_cast<uint16_t>(e.cls * 10)), now);
        } else if (op < 85) {
            model_entry r = random_entry();
            if (!m.pending.empty() && rng() % 4) {  // most answer a pending request
                const model_entry& p = *std::next(m.pending.begin(), static_cast<long>(rng() % m.pending.size()));
                const std::string rrn = r.rrn, code = r.code;
                r = p;
                if (rng() % 4 == 0) r.rrn = rrn;
                r.code = code;
            }
            const int64_t want = m.match(r, now);
            Txn out;
            Txn response = as_txn(r, static_cast<uint16_t>(r.cls * 10 + 10));
            response.amount_minor = 0;  // the outcome then carries the request's: its id
            const pair_result got = table.match_response(r.flow, response, now, out);
            REQUIRE(got == (want < 0 ? pair_result::unpaired : pair_result::paired));
            if (want >= 0) {
                REQUIRE(out.amount_minor == want);
                REQUIRE(std::memcmp(out.card_token, &want, sizeof want) == 0);
            }
        } else if (op < 97) {
            m.expire(now);
            table.expire(now);
        } else {
            const uint64_t flow = rng() % 6;
            m.drop(flow);
            table.drop_flow(flow);
        }
        INFO("step " << step);
        REQUIRE(table.pending() == m.pending.size());
#define TXSCREEN_CHECK_COUNTER(name) REQUIRE(table.counters().name == m.c.name);
        TXSCREEN_PAIRING_COUNTERS(TXSCREEN_CHECK_COUNTER)
#undef TXSCREEN_CHECK_COUNTER
    }
    const pairing_counters& c = table.counters();
    CHECK(c.requests == c.unkeyed_requests + c.duplicate_requests + c.paired + c.timed_out + c.abandoned +
                            c.table_full + table.pending());
    CHECK(c.responses == c.paired + c.unpaired_responses);
    // Each rule was exercised.
    CHECK(c.paired > 10000);
    CHECK(c.duplicate_requests > 100);
    CHECK(c.table_full > 100);
    CHECK(c.timed_out > 100);
    CHECK(c.abandoned > 100);
    CHECK(c.declined > 10000);
    CHECK(c.late_responses > 100);
    CHECK(c.rrn_mismatches > 100);
}
