// txgen --transport tcp: the capture read back with libpcap and reassembled the way a
// correct passive reassembler must (tcp_capture_check.h) holds exactly the requests and
// responses txgen's labels and report say survived its injected faults: the same STANs,
// MTIs and response codes, no message twice, and the report's lost, reordered and
// retransmitted counts equal what the capture shows.
#include <catch2/catch.hpp>

#include <algorithm>
#include <climits>
#include <fstream>
#include <map>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/tools/tcp_capture_check.h"
#include "tests/tools/txgen_test_util.h"
#include "tools/txgen/tcp_conversation.h"
#include "tools/txgen/txgen_cli.h"
#include "tools/txgen/txgen_run.h"

using namespace txscreen;
using namespace txscreen::txgen;
using txgen_test::temp_dir;

namespace {

struct label_row {
    std::string txn_id, label, mti, stan, response_code;
    unsigned connection = 0;
    bool request_lost = false, response_lost = false;
};

// Label rows by (connection, STAN); fails the test when a STAN repeats on a connection.
std::map<std::pair<unsigned, std::string>, label_row> read_labels(const std::string& path, uint64_t& rows) {
    std::ifstream f(path);
    std::string line;
    std::getline(f, line);
    REQUIRE(line == tcp_labels_header);
    std::map<std::pair<unsigned, std::string>, label_row> by_key;
    rows = 0;
    while (std::getline(f, line)) {
        std::vector<std::string> cell;
        std::stringstream ss(line);
        for (std::string c; std::getline(ss, c, ',');) cell.push_back(c);
        if (line.back() == ',') cell.push_back("");
        REQUIRE(cell.size() == 9);
        label_row r{cell[0], cell[1], cell[4], cell[5], cell[6], static_cast<unsigned>(std::stoul(cell[3])),
                    cell[7] == "1", cell[8] == "1"};
        INFO("row " << line);
        REQUIRE(by_key.emplace(std::make_pair(r.connection, r.stan), r).second);
        ++rows;
    }
    return by_key;
}

struct run_output {
    txgen_options opts;
    txgen_result result;
};

run_output run_tcp(const temp_dir& dir, std::vector<std::string> args) {
    run_output out;
    args.insert(args.end(), {"--transport", "tcp", "--out", dir.file("tcp.pcap"), "--quiet"});
    const std::string err = parse_args(args, out.opts);
    INFO(err);
    REQUIRE(err.empty());
    out.result = run_txgen(out.opts, nullptr);
    return out;
}

struct decode_totals {
    uint64_t requests = 0, responses = 0, paired = 0, paired_declined = 0, straddling = 0;
    int64_t min_response_us = INT64_MAX, max_response_us = INT64_MIN;  // response complete - request complete
    uint64_t request_mtis[2] = {0, 0};  // 0100, 0200
};

// Every decoded message matches its label row; the totals match the report.
decode_totals check_capture(const temp_dir& dir, const run_output& run) {
    const tcp_options& t = run.opts.tcp;
    const tcp_report& rep = run.result.tcp;
    uint64_t rows = 0;
    const auto labels = read_labels(dir.file("tcp.pcap.labels.csv"), rows);
    CHECK(rows == rep.requests);
    const auto cap = txgen_test::read_tcp_pcap(dir.file("tcp.pcap"), t.ends.server_port);
    const auto& s = cap.stats;
    CHECK(s.packets == rep.packets);
    CHECK(s.syn == t.connections);
    CHECK(s.syn_ack == t.connections);
    CHECK(s.rst == 0);
    CHECK(s.bad_ip_checksum == 0);
    CHECK(s.bad_tcp_checksum == 0);
    CHECK(s.time_monotonic);
    REQUIRE(cap.connections.size() == t.connections);

    decode_totals got;
    uint64_t duplicates = 0, out_of_order = 0, missing[2] = {0, 0};
    std::map<std::pair<unsigned, std::string>, int64_t> requests_seen, responses_seen;  // -> complete_us
    for (const auto& [client_port, conn] : cap.connections) {
        const unsigned index = client_port - 40001u;
        for (int from_server = 0; from_server < 2; ++from_server) {
            const auto& d = conn.dir[from_server];
            CHECK(d.fins == 1);
            duplicates += d.duplicates;
            out_of_order += d.out_of_order;
            missing[from_server] += d.stream_length() - d.bytes_captured();
            const auto stream = txgen_test::decode_stream(d, t.framing, t.header_bytes, run.opts.feed.wire.get());
            got.straddling += stream.straddling;
            for (const auto& m : stream.messages) {
                const std::string stan = m.txn.stan;
                INFO("connection " << index << " STAN " << stan << " from_server " << from_server);
                const auto row = labels.find({index, stan});
                REQUIRE(row != labels.end());
                auto& seen = from_server ? responses_seen : requests_seen;
                CHECK(seen.emplace(std::make_pair(index, stan), m.complete_us).second);  // never decoded twice
                const unsigned request_mti = static_cast<unsigned>(std::stoul(row->second.mti));
                if (from_server) {
                    CHECK_FALSE(row->second.response_lost);
                    CHECK(m.txn.mti == request_mti + 10);
                    CHECK(std::string(m.txn.response_code) == row->second.response_code);
                    CHECK(std::string(m.txn.auth_code).size() == (row->second.response_code == "00" ? 6u : 0u));
                    ++got.responses;
                } else {
                    CHECK_FALSE(row->second.request_lost);
                    CHECK(m.txn.mti == request_mti);
                    ++got.request_mtis[request_mti == 200];
                    ++got.requests;
                }
            }
        }
    }
    for (const auto& [key, request_us] : requests_seen)
        if (auto response = responses_seen.find(key); response != responses_seen.end()) {
            ++got.paired;
            got.paired_declined += labels.at(key).response_code != "00";
            got.min_response_us = std::min(got.min_response_us, response->second - request_us);
            got.max_response_us = std::max(got.max_response_us, response->second - request_us);
        }
    CHECK(got.requests == rep.requests_intact());
    CHECK(got.responses == rep.responses_intact());
    CHECK(got.paired == rep.paired);
    CHECK(got.paired_declined == rep.paired_declined);
    // A tap reorders within microseconds: no response is whole before its request.
    if (got.paired > 0) CHECK(got.min_response_us > 0);
    CHECK(duplicates == rep.segments.retransmitted);
    CHECK(out_of_order == rep.segments.reordered);
    CHECK(missing[0] == rep.segments.bytes_lost[0]);
    CHECK(missing[1] == rep.segments.bytes_lost[1]);
    return got;
}

}  // namespace

TEST_CASE("a clean TCP conversation reads back whole: packed and straddling segments", "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run =
        run_tcp(dir, {"--count", "3000", "--event-rate", "5000", "--seed", "11", "--response-ms", "50-80"});
    const tcp_report& rep = run.result.tcp;
    CHECK(rep.requests == 3000);
    CHECK(rep.responses == 3000);
    CHECK(rep.requests_lost + rep.responses_lost + rep.segments.lost == 0);
    CHECK(rep.declined > 0);
    CHECK(rep.declined == rep.paired_declined);
    const decode_totals got = check_capture(dir, run);
    CHECK(got.requests == 3000);
    CHECK(got.responses == 3000);
    CHECK(got.request_mtis[0] > 0);  // e-commerce as 0100
    CHECK(got.request_mtis[1] > 0);
    CHECK(got.straddling > 100);
    // Issuer response time on the capture's clock: 50-80 ms, give or take the time a
    // message waits to fill a segment (--coalesce-ms 10) on either side.
    CHECK(got.min_response_us >= 40'000);
    CHECK(got.max_response_us <= 90'000);
    CHECK(got.max_response_us - got.min_response_us > 20'000);
    // ~7 messages per full segment: the bench's shape
    CHECK(static_cast<double>(rep.requests + rep.responses) / static_cast<double>(rep.segments.data_segments) > 5.0);
}

TEST_CASE("TCP faults: the messages lost are exactly those the report and labels name", "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "20000", "--event-rate", "20000", "--seed", "5", "--tcp-loss",
                                         "0.02", "--tcp-reorder", "0.02", "--tcp-retransmit", "0.02"});
    const tcp_report& rep = run.result.tcp;
    CHECK(rep.segments.lost > 40);
    CHECK(rep.segments.reordered > 40);
    CHECK(rep.segments.retransmitted > 40);
    CHECK(rep.requests_lost > rep.segments.bytes_lost[0] / 400);
    CHECK(rep.unpaired_responses > 0);
    CHECK(rep.unanswered > 0);
    check_capture(dir, run);
}

TEST_CASE("TCP reordering at the default event rate: the share asked for, never past the answer",
          "[unit][txgen][tcp]") {
    // At 20 transactions/s each segment is alone in its burst: a reordered one is cut
    // in two pieces captured second first, microseconds apart, not held until the
    // next segment of its direction (hundreds of ms later, after its responses).
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "3000", "--seed", "3", "--tcp-reorder", "0.05",
                                         "--response-ms", "20-40", "--tcp-loss", "0.01"});
    const tcp_report& rep = run.result.tcp;
    const double share = static_cast<double>(rep.segments.reordered) / static_cast<double>(rep.segments.data_segments);
    CHECK(share > 0.04);
    CHECK(share < 0.06);
    const decode_totals got = check_capture(dir, run);
    // The issuer's 20-40 ms, give or take the coalescing (10 ms) of each side.
    CHECK(got.min_response_us >= 10'000);
    CHECK(got.max_response_us <= 60'000);
}

TEST_CASE("TCP responses faster than coalescing still follow their request", "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "2000", "--event-rate", "5000", "--response-ms", "0-1",
                                         "--tcp-reorder", "0.03", "--tcp-retransmit", "0.03"});
    const decode_totals got = check_capture(dir, run);
    CHECK(got.paired == 2000);
    CHECK(got.max_response_us <= 12'000);
}

TEST_CASE("TCP over IPv6 and 802.1Q, len2le with a TPDU, BCD, sequence numbers wrapping", "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run =
        run_tcp(dir, {"--count", "4000", "--event-rate", "8000", "--ipv6", "--vlan", "42", "--framing", "len2le",
                      "--header-bytes", "5", "--dialect", "bcd", "--isn", "4294967000", "--connections", "3",
                      "--tcp-loss", "0.01", "--tcp-port", "9100"});
    const auto cap = txgen_test::read_tcp_pcap(dir.file("tcp.pcap"), 9100);
    CHECK(cap.stats.vlan_tagged == cap.stats.packets);
    CHECK(cap.stats.ipv6 == cap.stats.packets);
    for (const auto& [port, conn] : cap.connections) CHECK(conn.dir[0].stream_length() > 1u << 16);
    check_capture(dir, run);
}

TEST_CASE("TCP with len4ascii, hex bitmaps, one message per segment and unanswered requests",
          "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "1500", "--framing", "len4ascii", "--dialect", "hex",
                                         "--coalesce-ms", "0", "--no-response-rate", "0.1", "--decline-rate", "0.3"});
    const tcp_report& rep = run.result.tcp;
    CHECK(rep.unanswered_by_issuer > 80);
    CHECK(rep.responses + rep.unanswered_by_issuer == rep.requests);
    CHECK(rep.segments.data_segments == rep.requests + rep.responses);
    CHECK(rep.declined > rep.responses / 5);
    const decode_totals got = check_capture(dir, run);
    CHECK(got.straddling == 0);
}

namespace {

// Capture times of the request segments, oldest first, and the most requests ever in
// flight (whole on the capture, response not yet whole).
struct request_pacing {
    std::vector<int64_t> segment_us;
    int64_t in_flight_max = 0;
};

request_pacing pacing_of(const run_output& run, const std::string& pcap) {
    const tcp_options& t = run.opts.tcp;
    const auto cap = txgen_test::read_tcp_pcap(pcap, t.ends.server_port);
    request_pacing p;
    std::vector<std::pair<int64_t, int>> completions;  // (capture time, +1 request / -1 response)
    for (const auto& [port, conn] : cap.connections) {
        for (const auto& [offset, us] : conn.dir[0].segment_us) p.segment_us.push_back(us);
        for (int from_server = 0; from_server < 2; ++from_server)
            for (const auto& m : txgen_test::decode_stream(conn.dir[from_server], t.framing, t.header_bytes,
                                                           run.opts.feed.wire.get()).messages)
                completions.push_back({m.complete_us, from_server ? -1 : 1});
    }
    std::sort(p.segment_us.begin(), p.segment_us.end());
    std::sort(completions.begin(), completions.end());
    int64_t in_flight = 0;
    for (const auto& [us, step] : completions) p.in_flight_max = std::max(p.in_flight_max, in_flight += step);
    return p;
}

}  // namespace

TEST_CASE("TCP requests follow their event times at the event rate, responses their requests",
          "[unit][txgen][tcp]") {
    // 20,000 transactions at 10,000/s are 2 s of traffic (10:00 UTC: the diurnal
    // factor is 1; no fraud scenarios, whose own timescales run to the hour). A
    // generator clock that rounded each sub-ms gap away put them all in ~0.1 s, with
    // every request awaiting its response at once.
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "20000", "--event-rate", "10000", "--seed", "9", "--fraud-rate",
                                         "0", "--start", "2026-11-01T10:00:00Z"});
    const request_pacing p = pacing_of(run, dir.file("tcp.pcap"));
    REQUIRE(p.segment_us.size() > 1000);
    const int64_t span_us = p.segment_us.back() - p.segment_us.front();
    CHECK(span_us > 1'600'000);
    CHECK(span_us < 2'400'000);
    // No 100 ms holds more than 3 times its share of the request segments.
    std::map<int64_t, uint64_t> per_window;
    for (int64_t us : p.segment_us) ++per_window[(us - p.segment_us.front()) / 100'000];
    const double share = static_cast<double>(p.segment_us.size()) / (static_cast<double>(span_us) / 100'000.0);
    for (const auto& [window, n] : per_window) {
        INFO("100 ms window " << window);
        CHECK(static_cast<double>(n) < 3 * share);
    }
    // In flight: the rate times the longest wait (300 ms response + 10 ms coalescing), and some.
    CHECK(p.in_flight_max < static_cast<int64_t>(10'000 * 0.310 * 1.5));
    CHECK(p.in_flight_max > static_cast<int64_t>(10'000 * 0.020));  // responses take 20 ms at least
    check_capture(dir, run);
}

TEST_CASE("TCP output is deterministic per seed", "[unit][txgen][tcp]") {
    temp_dir a, b;
    const std::vector<std::string> args = {"--count", "500", "--event-rate", "2000", "--tcp-loss", "0.05"};
    run_tcp(a, args);
    run_tcp(b, args);
    CHECK(txgen_test::read_file(a.file("tcp.pcap")) == txgen_test::read_file(b.file("tcp.pcap")));
    CHECK(txgen_test::read_file(a.file("tcp.pcap.labels.csv")) == txgen_test::read_file(b.file("tcp.pcap.labels.csv")));
}

TEST_CASE("--transport options are refused where they do not apply", "[unit][txgen][tcp]") {
    auto error = [](std::vector<std::string> args) {
        txgen_options o;
        args.insert(args.end(), {"--out", "/tmp/never.pcap"});
        return parse_args(args, o);
    };
    CHECK(error({"--transport", "tcp"}).empty());
    CHECK(error({"--tcp-loss", "0.1"}).find("--tcp-loss applies to --transport tcp only") != std::string::npos);
    CHECK(error({"--transport", "tcp", "--port", "7001"}).find("--port applies to --transport udp") !=
          std::string::npos);
    CHECK(error({"--transport", "tcp", "--framing", "raw"}).find("len2be") != std::string::npos);
    CHECK(error({"--framing", "len2be"}).find("moldudp64 or raw") != std::string::npos);
    CHECK(error({"--transport", "tcp", "--format", "json"}).find("iso8583 only") != std::string::npos);
    CHECK(error({"--transport", "tcp", "--tcp-loss", "0.5", "--tcp-reorder", "0.5"}).find("below 1") !=
          std::string::npos);
    CHECK(error({"--transport", "tcp", "--response-ms", "300-20"}).find("--response-ms") != std::string::npos);
    CHECK(error({"--transport", "tcp", "--ipv6", "--dst-ip", "10.1.1.1"}).find("--ipv6") != std::string::npos);
    CHECK(error({"--transport", "tcp", "--vlan", "4095"}).find("--vlan") != std::string::npos);
}

TEST_CASE("TCP in EBCDIC: both directions in the dialect the feed names", "[unit][txgen][tcp]") {
    temp_dir dir;
    const run_output run = run_tcp(dir, {"--count", "1000", "--dialect", "ebcdic", "--seed", "5"});
    REQUIRE(run.opts.feed.wire);
    CHECK(run.opts.feed.wire->name == "ebcdic");
    const decode_totals got = check_capture(dir, run);
    CHECK(got.requests == 1000);
    CHECK(got.paired > 800);
}
