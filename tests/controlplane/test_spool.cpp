// Spool unit tests: partition layout, rotation, read-back with libavro and python3-avro,
// I/O errors, torn-file recovery, the disk budget, and the hand-over of completed files
// to the uploader's queue.
#include <avro.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <algorithm>
#include <cfloat>
#include <chrono>
#include <cmath>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include <nlohmann/json.hpp>

#include "controlplane/avro_analytics.h"
#include "controlplane/avro_container.h"
#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "outcome_records.h"
#include "rules/ruleset.h"
#include "temp_dir.h"
#include "test_spool_util.h"

using namespace txscreen;
using namespace txscreen::test;
namespace fs = std::filesystem;

namespace {

spool_config small_config(const std::string& dir) {
    spool_config c;
    c.dir = dir;
    c.host = "testhost";
    c.block_bytes = 16 << 10;
    c.max_file_bytes = 4 << 20;
    return c;
}

std::string source_root() {
    const char* r = std::getenv("TXSCREEN_SOURCE_ROOT");
    return r ? r : ".";
}

// The spool took the row (the spool answers accepted or refused, never held).
bool took(sink_answer a) { return a == sink_answer::accepted; }

// The standard output of `cmd` (the independent reader's --dump lines).
std::string run_output(const std::string& cmd) {
    std::string out;
    FILE* p = ::popen(cmd.c_str(), "r");
    if (!p) return out;
    char buf[4096];
    for (std::size_t n; (n = std::fread(buf, 1, sizeof buf, p)) > 0;) out.append(buf, n);
    CHECK(::pclose(p) == 0);
    return out;
}

// Every record of `table` under `dir` as python3-avro reads it (spool_check.py --dump).
std::vector<nlohmann::json> dump_table(const std::string& dir, const char* table) {
    const std::string cmd = "/usr/bin/python3 " + source_root() + "/tests/controlplane/spool_check.py --dump --dir " +
                            dir + " --table " + table;
    std::vector<nlohmann::json> rows;
    std::istringstream lines(run_output(cmd));
    for (std::string line; std::getline(lines, line);) rows.push_back(nlohmann::json::parse(line));
    return rows;
}

std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("shipped .avsc files are the schemas written into spool files", "[unit][spool]") {
    for (int i = 0; i < spool_table_count; ++i) {
        const auto t = static_cast<spool_table>(i);
        const std::string file = source_root() + "/controlplane/schemas/" + std::string(spool_table_name(t)) + ".avsc";
        const std::string text = read_text(file);
        REQUIRE(!text.empty());
        avro_schema_t from_file = nullptr, embedded = nullptr;
        REQUIRE(avro_schema_from_json_length(text.data(), text.size(), &from_file) == 0);
        const std::string_view e = avro_schema_json(t);
        INFO(avro_strerror());
        REQUIRE(avro_schema_from_json_length(e.data(), e.size(), &embedded) == 0);
        CHECK(avro_schema_equal(from_file, embedded));
        avro_schema_decref(from_file);
        avro_schema_decref(embedded);
    }
}

TEST_CASE("spool partitions by event hour and every record reads back with libavro", "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    const ruleset names;  // the builtin detectors' names
    const uint64_t n = 20000;
    {
        spool_writer s(c);
        s.use_ruleset(&names);
        REQUIRE(s.open());
        // 20000 records 400 ms apart span 2024-03-01 12:00 .. 14:13 UTC: three hours.
        for (uint64_t i = 0; i < n; ++i) REQUIRE(took(s.offer(make_verdict(i, 1709294400000, 400))));
        reject_record rj{1709294400000ll * 1000000 + 7, 99, 131, 2, reject_reason::iso_bad_bitmap};
        rj.field = 65;  // the field where the message stopped fitting its dialect
        REQUIRE(took(s.offer(rj)));
        REQUIRE(s.close());
        spool_stats st = s.stats();
        CHECK(st.appended[0] == n);
        CHECK(st.durable[0] == n);
        CHECK(st.appended[1] == (n + 6) / 7);
        CHECK(st.durable[1] == st.appended[1]);
        CHECK(st.durable[2] == 1);
        CHECK(st.lost == 0);
        CHECK(st.write_errors == 0);
        CHECK(st.open_files == 0);
        CHECK(st.files_completed == 7);  // scored x3, alerts x3, rejects x1
    }
    CHECK(files_under(tmp.path, ".tmp").empty());
    const auto files = files_under(tmp.path, ".avro");
    REQUIRE(files.size() == 7);
    CHECK(fs::exists(tmp.path + "/table=scored/dt=2024-03-01/hour=12"));
    CHECK(fs::exists(tmp.path + "/table=scored/dt=2024-03-01/hour=14"));
    CHECK(fs::exists(tmp.path + "/table=rejects/dt=2024-03-01/hour=12"));

    std::multiset<std::string> scored_ids;
    uint64_t alert_rows = 0;
    for (const std::string& f : files) {
        INFO(f);
        read_result r = read_avro_file(f);
        REQUIRE(r.ok);
        CHECK(fs::path(f).filename().string().rfind("testhost-", 0) == 0);
        if (f.find("table=scored") != std::string::npos) {
            scored_ids.insert(r.txn_ids.begin(), r.txn_ids.end());
            // Event time of the first record falls in the file's hour partition.
            const int64_t ms = std::stoll(r.first["event_time_ms"]);
            CHECK(f.find(spool_partition(spool_table::scored, ms)) != std::string::npos);
            CHECK(r.first["card_token"].size() == 32);
            CHECK(r.first["currency"] == "USD");
            CHECK(r.first["channel"] == "ecom");
            CHECK(r.first["merchant_name"] == "Caf\xc3\xa9 \xef\xbf\xbd Bad");
            CHECK(r.first["reasons"] == "2");
            CHECK(r.first["reason1_rule"] == names.rule_name(9));
        } else if (f.find("table=alerts") != std::string::npos) {
            alert_rows += r.records;
        } else {
            CHECK(r.records == 1);
            CHECK(r.first["reason"] == "iso_bad_bitmap");
            CHECK(r.first["field"] == "65");
        }
    }
    CHECK(scored_ids.size() == n);
    CHECK(std::set<std::string>(scored_ids.begin(), scored_ids.end()).size() == n);
    CHECK(alert_rows == (n + 6) / 7);

    // The independent reader: python3-avro reads every file and finds each id once.
    const std::string cmd = "/usr/bin/python3 " + source_root() + "/tests/controlplane/spool_check.py --dir " +
                            tmp.path + " --table scored --ids 0:" + std::to_string(n) + " --exact";
    CHECK(std::system(cmd.c_str()) == 0);
}

// Outcomes come off the verdict ring between verdicts; they are rows of their own table,
// in the hour their response arrived, and never scored rows or alerts.
TEST_CASE("outcomes go to table=outcomes by response hour, verdicts unchanged; python3-avro reads them",
          "[unit][spool]") {
    temp_dir tmp;
    const uint32_t n_verdicts = 3000;  // events 12:00:00 .. 12:00:30 UTC
    const uint32_t n_outcomes = 4000;  // responses 12:34:56 .. 13:41:35 UTC: two hours
    {
        spool_writer s(small_config(tmp.path));
        REQUIRE(s.open());
        for (uint32_t i = 0; i < n_outcomes; ++i) {
            REQUIRE(took(s.offer_outcome(make_outcome(i))));
            if (i < n_verdicts) REQUIRE(took(s.offer(make_verdict(i))));
        }
        REQUIRE(s.close());
        const spool_stats st = s.stats();
        CHECK(st.appended[static_cast<int>(spool_table::outcomes)] == n_outcomes);
        CHECK(st.durable[static_cast<int>(spool_table::outcomes)] == n_outcomes);
        CHECK(st.appended[static_cast<int>(spool_table::scored)] == n_verdicts);
        CHECK(st.appended[static_cast<int>(spool_table::alerts)] == (n_verdicts + 6) / 7);
        CHECK(st.lost == 0);
    }
    CHECK(fs::exists(tmp.path + "/table=outcomes/dt=2024-03-01/hour=12"));
    CHECK(fs::exists(tmp.path + "/table=outcomes/dt=2024-03-01/hour=13"));
    uint64_t outcome_rows = 0;
    for (const std::string& f : files_under(tmp.path, ".avro")) {
        if (f.find("/table=outcomes/") == std::string::npos) continue;
        INFO(f);
        const read_result r = read_avro_file(f);  // libavro, with the schema in the file's header
        REQUIRE(r.ok);
        outcome_rows += r.records;
        const int64_t response_ms = std::stoll(r.first.at("response_rx_ns")) / 1'000'000;
        CHECK(f.find(spool_partition(spool_table::outcomes, response_ms)) != std::string::npos);
        CHECK(r.first.at("card_token").size() == 32);
        CHECK(std::stoll(r.first.at("response_rx_ns")) - std::stoll(r.first.at("request_rx_ns")) ==
              1000 * std::stoll(r.first.at("issuer_response_us")));
        // Structure check the recovery of a torn file relies on: the walker agrees with the encoder.
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const avro_scan_result scan =
            avro_scan_container(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), true);
        CHECK(scan.error == nullptr);
        CHECK(scan.records == r.records);
        CHECK(std::string(scan.schema_name) == "outcomes");
    }
    CHECK(outcome_rows == n_outcomes);

    // The independent reader: every outcome once by its STAN, half of them declined
    // ("05"); scored holds exactly the verdicts.
    const std::string check = "/usr/bin/python3 " + source_root() + "/tests/controlplane/spool_check.py --dir " + tmp.path;
    CHECK(std::system((check + " --table outcomes --id-field stan --id-format %06d --ids 0:" +
                       std::to_string(n_outcomes) + " --exact --true-count declined=" + std::to_string(n_outcomes / 2))
                          .c_str()) == 0);
    CHECK(std::system((check + " --table scored --ids 0:" + std::to_string(n_verdicts) + " --exact").c_str()) == 0);
}

TEST_CASE("the largest outcome row fits avro_outcome_max_bytes", "[unit][spool]") {
    Verdict v = make_outcome(1);
    Txn& t = v.txn;
    // Every text byte invalid UTF-8 (3 bytes each as U+FFFD), every number at its widest.
    const std::string bad(64, '\xff');
    t.terminal_id.assign(bad);
    t.merchant_id.assign(bad);
    std::memset(t.stan, 0xff, sizeof t.stan - 1);
    std::memset(t.rrn, 0xff, sizeof t.rrn - 1);
    std::memset(t.auth_code, 0xff, sizeof t.auth_code - 1);
    std::memset(t.response_code, 0xff, sizeof t.response_code - 1);
    std::memset(t.card_bin, 0xff, sizeof t.card_bin - 1);
    std::memset(t.card_last4, 0xff, sizeof t.card_last4 - 1);
    t.request_mti = t.mti = 65535;
    t.feed_id = 65535;
    t.amount_minor = t.event_time_ms = t.request_rx_ns = v.rx_ns = INT64_MIN;
    t.issuer_response_us = UINT32_MAX;
    std::vector<uint8_t> out(4 * avro_outcome_max_bytes);
    CHECK(encode_outcome_avro(v, out.data()) <= avro_outcome_max_bytes);
}

TEST_CASE("spool rotates files by size and by age", "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    c.max_file_bytes = 256 << 10;
    c.max_file_age_ms = 300;
    spool_writer s(c);
    REQUIRE(s.open());
    const uint64_t n = 12000;  // ~3 MB of verdicts in one hour
    for (uint64_t i = 0; i < n; ++i) REQUIRE(took(s.offer(make_verdict(i, 1709294400000, 1))));
    spool_stats st = s.stats();
    // Every file completed by size holds at least max_file_bytes, and a file never
    // outgrows the limit by more than one block.
    const uint64_t per_file_max = c.max_file_bytes + c.block_bytes + avro_verdict_max_bytes;
    CHECK(st.files_completed >= 8);
    CHECK(st.files_completed * c.max_file_bytes <= st.bytes_written);
    CHECK(st.files_completed + 2 >= st.bytes_written / per_file_max);
    for (const std::string& f : files_under(tmp.path, ".avro")) {
        // A file closes at the first block that reaches the limit: at most one block over.
        CHECK(fs::file_size(f) <= per_file_max);
    }
    const uint64_t before = st.files_completed;
    // Age: the open file completes once it is older than max_file_age_ms.
    std::this_thread::sleep_for(std::chrono::milliseconds(350));
    s.tick();
    st = s.stats();
    CHECK(st.files_completed >= before + 1);
    CHECK(st.open_files == 0);
    CHECK(st.durable[0] == n);
    uint64_t rows = 0;
    for (const std::string& f : files_under(tmp.path, ".avro")) rows += read_avro_file(f).records;
    CHECK(rows == n + (n + 6) / 7);
}

TEST_CASE("sync makes appended rows durable without completing files", "[unit][spool]") {
    temp_dir tmp;
    spool_writer s(small_config(tmp.path));
    REQUIRE(s.open());
    for (uint64_t i = 0; i < 100; ++i) REQUIRE(took(s.offer(make_verdict(i * 7 + 1))));  // none are alerts
    CHECK(s.stats().durable[0] == 0);
    REQUIRE(s.sync());
    CHECK(s.stats().durable[0] == 100);
    CHECK(s.stats().files_completed == 0);
    CHECK(files_under(tmp.path, ".avro.tmp").size() == 1);
}

TEST_CASE("unwritable spool directory: error names the path and errno, not writable, refusals counted",
          "[unit][spool]") {
    temp_dir tmp;
    const std::string blocker = tmp.path + "/not-a-dir";
    std::ofstream(blocker) << "x";
    spool_config c = small_config(blocker + "/spool");
    spool_writer s(c);
    CHECK_FALSE(s.open());
    CHECK_FALSE(s.writable());
    const std::string err = s.last_error();
    CHECK(err.find(blocker) != std::string::npos);
    CHECK(err.find("errno 20") != std::string::npos);  // ENOTDIR
    CHECK(s.stats().write_errors >= 1);
    CHECK_FALSE(took(s.offer(make_verdict(1))));
    CHECK(s.stats().refused == 1);
}

TEST_CASE("a write error mid-run (file size limit, like a full disk) is reported, rows not durable counted lost",
          "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    c.error_retry_ms = 100;
    spool_writer s(c);
    REQUIRE(s.open());
    // RLIMIT_FSIZE makes writes past 64 KiB fail with EFBIG, as ENOSPC would on a full disk.
    signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit lim = old;
    lim.rlim_cur = 64 << 10;
    REQUIRE(setrlimit(RLIMIT_FSIZE, &lim) == 0);
    uint64_t accepted = 0;
    for (uint64_t i = 0; i < 2000; ++i) accepted += took(s.offer(make_verdict(i * 7 + 1))) ? 1 : 0;
    const bool synced = s.sync();
    setrlimit(RLIMIT_FSIZE, &old);
    CHECK_FALSE(synced);
    CHECK_FALSE(s.writable());
    const std::string err = s.last_error();
    CHECK(err.find(tmp.path + "/table=scored/dt=") != std::string::npos);
    CHECK(err.find("errno 27") != std::string::npos);  // EFBIG
    spool_stats st = s.stats();
    CHECK(st.write_errors >= 1);
    CHECK(st.lost > 0);
    // Nothing vanishes: every accepted row is either durable or counted lost.
    CHECK(st.appended[0] == accepted);
    CHECK(st.durable[0] + st.lost == accepted);
    CHECK(st.refused == 2000 - accepted);
    CHECK_FALSE(took(s.offer(make_verdict(1))));
    // After error_retry_ms the spool probes again, and with room it works.
    std::this_thread::sleep_for(std::chrono::milliseconds(150));
    s.tick();
    CHECK(s.writable());
    CHECK(took(s.offer(make_verdict(1))));
    CHECK(s.close());
}

TEST_CASE("restart recovers the complete blocks of a torn file and deletes a file with none", "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    int pipefd[2];
    REQUIRE(pipe(pipefd) == 0);
    pid_t pid = fork();
    REQUIRE(pid >= 0);
    if (pid == 0) {
        // Child: append, sync (durable), append more, then die without closing anything.
        spool_writer s(c);
        if (!s.open()) _exit(2);
        for (uint64_t i = 0; i < 3000; ++i) s.offer(make_verdict(i * 7 + 1));
        s.sync();
        uint64_t durable = s.stats().durable[0];
        for (uint64_t i = 3000; i < 3500; ++i) s.offer(make_verdict(i * 7 + 1));
        (void)!write(pipefd[1], &durable, sizeof durable);
        _exit(0);
    }
    close(pipefd[1]);
    uint64_t durable = 0;
    REQUIRE(read(pipefd[0], &durable, sizeof durable) == sizeof durable);
    close(pipefd[0]);
    int status = 0;
    waitpid(pid, &status, 0);
    REQUIRE(durable == 3000);
    auto torn = files_under(tmp.path, ".avro.tmp");
    REQUIRE(torn.size() == 1);
    // Tear the tail: half a block of garbage after the last complete block.
    {
        std::ofstream f(torn[0], std::ios::app | std::ios::binary);
        f << std::string("\x80\x01garbage-half-block", 20);
    }
    // And a file that died inside its header.
    const std::string dead = tmp.path + "/table=scored/dt=2024-03-01/hour=12/testhost-000000099999.avro.tmp";
    std::ofstream(dead, std::ios::binary) << std::string("Obj\x01\x04", 5);

    spool_writer s(c);
    REQUIRE(s.open());
    spool_stats st = s.stats();
    CHECK(st.files_recovered == 1);
    CHECK(st.files_discarded == 1);
    CHECK(st.records_recovered >= durable);
    CHECK(files_under(tmp.path, ".tmp").empty());
    const auto files = files_under(tmp.path, ".avro");
    REQUIRE(files.size() == 1);
    read_result r = read_avro_file(files[0]);
    REQUIRE(r.ok);
    CHECK(r.records == st.records_recovered);
    std::set<std::string> ids(r.txn_ids.begin(), r.txn_ids.end());
    CHECK(ids.size() == r.txn_ids.size());
    for (uint64_t i = 0; i < durable; ++i) {
        if (!ids.count("t" + std::to_string(i * 7 + 1))) FAIL("durable record t" << i * 7 + 1 << " lost");
    }
    // New files never reuse a name from before the crash.
    REQUIRE(took(s.offer(make_verdict(1))));
    REQUIRE(s.close());
    CHECK(files_under(tmp.path, ".avro").size() == 2);
}

TEST_CASE("container scan stops at a block without the sync marker", "[unit][spool]") {
    uint8_t sync[16];
    for (int i = 0; i < 16; ++i) sync[i] = static_cast<uint8_t>(i * 17 + 3);
    std::vector<uint8_t> file(1 << 16);
    std::size_t len = avro_write_header(avro_schema_json(spool_table::rejects), sync, file.data(), file.size());
    REQUIRE(len > 0);
    std::vector<uint8_t> block(avro_block_header_max + 1024);
    std::size_t data = 0;
    for (int i = 0; i < 3; ++i) {
        reject_record r{1, 2, 3, 4, reject_reason::json_syntax};
        data += encode_reject_avro(r, block.data() + avro_block_header_max + data);
    }
    std::size_t start = avro_seal_block(block.data(), data, 3, sync);
    std::size_t end = avro_block_header_max + data + 16;
    for (int k = 0; k < 2; ++k) {
        std::memcpy(file.data() + len, block.data() + start, end - start);
        len += end - start;
    }
    avro_scan_result ok = avro_scan_container(file.data(), len, true);
    CHECK(ok.error == nullptr);
    CHECK(ok.blocks == 2);
    CHECK(ok.records == 6);
    CHECK(std::string(ok.schema_name) == "rejects");
    file[len - 1] ^= 0xff;  // damage the last sync marker
    avro_scan_result cut = avro_scan_container(file.data(), len, true);
    CHECK(cut.blocks == 1);
    CHECK(cut.valid_end == len - (end - start));
    CHECK(std::string(cut.error) == "block does not end in the sync marker");
    // A block whose declared count does not match its bytes is refused too.
    file[len - 1] ^= 0xff;
    file[ok.header_len] = 8;  // count 4 (zig-zag) instead of 3
    avro_scan_result bad = avro_scan_container(file.data(), len, true);
    CHECK(bad.blocks == 0);
}

// ---- disk budget (spool.max_bytes)

namespace {

uint64_t spool_bytes_on_disk(const std::string& dir) {
    uint64_t total = 0;
    for (const std::string& f : files_under(dir, ".avro")) total += fs::file_size(f);
    for (const std::string& f : files_under(dir, ".avro.tmp")) total += fs::file_size(f);
    return total;
}

// Removes the completed files, as the uploader does after a confirmed upload.
void upload_completed(const std::string& dir) {
    for (const std::string& f : files_under(dir, ".avro"))
        if (f.size() < 4 || f.compare(f.size() - 4, 4, ".tmp") != 0) fs::remove(f);
}

// Most a spool can exceed its budget by: the open block of each open file (the budget
// counts bytes submitted to the disk), its header, and one record.
uint64_t budget_slack(const spool_config& c, unsigned open_files) {
    return open_files * (c.block_bytes + avro_block_header_max + avro_sync_bytes + 8192 + avro_verdict_max_bytes);
}

}  // namespace

TEST_CASE("spool budget: max_disk_bytes below 1 MiB is refused, naming the key", "[unit][spool]") {
    spool_config c = small_config("/tmp/x");
    c.max_disk_bytes = 4096;
    CHECK(validate_spool_config(c).find("spool.max_bytes") != std::string::npos);
    c.max_disk_bytes = 1 << 20;
    CHECK(validate_spool_config(c).empty());
}

TEST_CASE("spool budget, refuse mode: appends past the budget are refused and counted; freed disk takes them again",
          "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    c.max_disk_bytes = 1 << 20;
    c.max_file_bytes = 256 << 10;  // files complete by size, so some can be "uploaded"
    c.refuse_over_budget = true;
    c.budget_scan_ms = 20;
    spool_writer s(c);
    REQUIRE(s.open());
    CHECK(s.stats().max_disk_bytes == c.max_disk_bytes);
    uint64_t accepted = 0, refused = 0;
    for (uint64_t i = 0; i < 40000; ++i) (took(s.offer(make_verdict(i * 7 + 1))) ? accepted : refused)++;  // no alerts
    REQUIRE(s.sync());
    spool_stats st = s.stats();
    INFO("accepted " << accepted << ", refused " << refused << ", on disk " << spool_bytes_on_disk(tmp.path));
    CHECK(refused > 0);
    CHECK(st.refused == refused);
    CHECK(st.budget_refused == refused);
    CHECK(st.appended[0] == accepted);
    CHECK(st.durable[0] == accepted);  // the budget refuses new rows, it never loses taken ones
    CHECK(st.lost == 0);
    CHECK(st.over_budget);
    CHECK(s.over_budget());
    CHECK(s.writable());           // over budget is not an I/O error
    CHECK_FALSE(s.holding());  // refuse mode never asks the owner to wait
    CHECK(st.budget_waits == 0);
    const uint64_t on_disk = spool_bytes_on_disk(tmp.path);
    CHECK(on_disk >= c.max_disk_bytes);
    CHECK(on_disk <= c.max_disk_bytes + budget_slack(c, 1));
    CHECK(st.disk_bytes == on_disk);

    // An operator moves the completed files away: the next rescan sees the room.
    upload_completed(tmp.path);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    s.tick();
    CHECK_FALSE(s.over_budget());
    CHECK(s.stats().disk_bytes == spool_bytes_on_disk(tmp.path));
    CHECK(took(s.offer(make_verdict(1))));
}

TEST_CASE("spool budget, wait mode: holding past the budget, nothing refused, open files completed for the "
          "uploader; an upload ends the wait", "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    c.max_disk_bytes = 1 << 20;
    c.budget_scan_ms = 20;
    spool_writer s(c);
    REQUIRE(s.open());
    uint64_t i = 0;
    while (!s.holding() && i < 100000) REQUIRE(took(s.offer(make_verdict(++i * 7 + 1))));
    REQUIRE(s.holding());
    CHECK(s.held_records() == 0);  // a pause: the spool holds no rows itself
    // The owner still appends what it already holds: accepted, the overshoot is bounded by it.
    for (int k = 0; k < 100; ++k) REQUIRE(took(s.offer(make_verdict(++i * 7 + 1))));
    CHECK(s.holding());
    spool_stats st = s.stats();
    CHECK(st.budget_waits == 1);  // one wait, however often the owner asks
    CHECK(st.refused == 0);
    CHECK(st.budget_refused == 0);
    CHECK(st.files_completed == 0);  // 4 MiB files: nothing completed by size yet
    // The next tick completes the open file so an uploader can take it.
    s.tick();
    st = s.stats();
    CHECK(st.files_completed == 1);
    CHECK(st.open_files == 0);
    CHECK(st.durable[0] == i);
    // Over by at most the open block and the 100 rows taken while waiting.
    CHECK(spool_bytes_on_disk(tmp.path) <= c.max_disk_bytes + budget_slack(c, 1) + 100 * avro_verdict_max_bytes);
    CHECK(s.holding());  // nothing uploaded yet

    upload_completed(tmp.path);
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    s.tick();
    CHECK_FALSE(s.holding());
    CHECK(s.stats().disk_bytes == 0);
    // Filling it again is a second wait.
    while (!s.holding() && i < 200000) REQUIRE(took(s.offer(make_verdict(++i * 7 + 1))));
    CHECK(s.stats().budget_waits == 2);
}

TEST_CASE("spool budget: files an earlier run left count from open(); the Kafka outbox does not", "[unit][spool]") {
    temp_dir tmp;
    spool_config c = small_config(tmp.path);
    {
        spool_writer s(c);
        REQUIRE(s.open());
        for (uint64_t i = 0; i < 12000; ++i) REQUIRE(took(s.offer(make_verdict(i * 7 + 1))));  // ~2.5 MB
        REQUIRE(s.close());
    }
    fs::create_directories(tmp.path + "/kafka-outbox");
    {
        std::ofstream seg(tmp.path + "/kafka-outbox/000000000001.kob");
        seg << std::string(3 << 20, 'x');
    }
    const uint64_t left = spool_bytes_on_disk(tmp.path);
    REQUIRE(left > (2u << 20));
    c.max_disk_bytes = 2 << 20;
    spool_writer s(c);
    REQUIRE(s.open());
    CHECK(s.stats().disk_bytes == left);
    CHECK(s.over_budget());
    CHECK(s.holding());
}

// ---- hand-over to the uploader

namespace {

// An uploader for `dir` whose endpoint refuses connections: nothing is ever uploaded.
s3_config unreachable_s3() {
    s3_config c;
    c.endpoint = "http://127.0.0.1:9";
    c.bucket = "lake";
    c.access_key = "AKIDEXAMPLE";
    c.secret_key = "secret";
    c.region = "us-east-1";
    c.retry_base_ms = 10;
    c.retry_max_ms = 20;
    c.connect_timeout_ms = 500;
    return c;
}

std::vector<std::string> relative_to(const std::string& dir, const std::vector<std::string>& paths) {
    std::vector<std::string> out;
    for (const std::string& p : paths) out.push_back(fs::relative(p, dir).string());
    return out;
}

}  // namespace

TEST_CASE("each completed spool file reaches the uploader's queue, with no scan", "[unit][spool]") {
    temp_dir tmp;
    s3_uploader up(tmp.path, unreachable_s3());  // never started: no scan, no thread
    spool_writer s(small_config(tmp.path));
    s.hand_files_to(&up);
    REQUIRE(s.open());
    for (uint64_t i = 0; i < 700; ++i) REQUIRE(took(s.offer(make_verdict(i))));
    CHECK(up.queued().empty());  // open files are not the uploader's
    REQUIRE(s.close());
    const std::vector<std::string> files = files_under(tmp.path, ".avro");
    REQUIRE(files.size() == 2);  // table=scored and table=alerts
    std::vector<std::string> queued = up.queued();
    std::sort(queued.begin(), queued.end());
    CHECK(queued == relative_to(tmp.path, files));
    const s3_uploader_stats st = up.stats();
    CHECK(st.backlog_files == 2);
    CHECK(st.backlog_bytes == fs::file_size(files[0]) + fs::file_size(files[1]));
}

TEST_CASE("the uploader's start queues what an earlier run left; a queued file moved away is dropped, counted",
          "[unit][spool]") {
    temp_dir tmp;
    {
        spool_writer s(small_config(tmp.path));
        REQUIRE(s.open());
        for (uint64_t i = 0; i < 700; ++i) REQUIRE(took(s.offer(make_verdict(i))));
        REQUIRE(s.close());
    }
    const std::vector<std::string> files = files_under(tmp.path, ".avro");
    REQUIRE(files.size() == 2);
    s3_uploader up(tmp.path, unreachable_s3());
    REQUIRE(up.start());
    CHECK(up.queued() == relative_to(tmp.path, files));  // sorted: older sequence numbers first
    // Uploads fail (nothing listens) and are retried; the files stay queued...
    for (int i = 0; i < 200 && up.stats().failures < 2; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
    CHECK(up.stats().failures >= 2);
    CHECK(up.stats().backlog_files == 2);
    // ...until they are gone from the spool: then they leave the queue, counted.
    for (const std::string& f : files) fs::remove(f);
    for (int i = 0; i < 200 && up.stats().backlog_files > 0; ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    up.stop();
    const s3_uploader_stats st = up.stats();
    CHECK(st.backlog_files == 0);
    CHECK(st.backlog_bytes == 0);
    CHECK(st.vanished == 2);
    CHECK(st.uploaded_files == 0);
}

// ---- issue #17: case fields on verdict rows; the aggregates and spikes tables

namespace {

// Row `i` of a run of aggregates: windows a minute apart from 12:50 UTC (so they span
// two hours), the five dimensions in turn, every third a correction, 0..3 currencies.
aggregate_record make_aggregate(uint32_t i) {
    aggregate_record r{};
    r.window_start_ms = 1709297400000 + int64_t(i / 5) * 60'000;  // 2024-03-01T12:50:00Z
    r.window_end_ms = r.window_start_ms + 60'000;
    r.dimension = static_cast<agg_dimension>(i % agg_dimension_count);
    r.kind = i % 3 == 2 ? aggregate_record::row_kind::correction : aggregate_record::row_kind::window;
    std::snprintf(r.key, sizeof r.key, i % 11 == 0 ? "other" : "k%u-Caf\xc3\xa9", i);
    r.transactions = 1000 + i;
    r.alerts = i % 17;
    r.reviews = i % 5;
    r.blocks = i % 7;
    r.approved = 3 * i;
    r.declined = i / 2;
    r.rejects = r.dimension == agg_dimension::feed ? i : 0;
    r.gaps = r.dimension == agg_dimension::feed ? i / 3 : 0;
    r.distinct_cards = 900 + i;
    r.latency_p50_ns = 20'000 + i;
    r.latency_p99_ns = 80'000 + i;
    r.amounts_other = i % 4 == 3 ? 2 : 0;
    r.n_amounts = static_cast<uint8_t>(i % 4);
    const agg_amount currencies[] = {{840, 2, 0, 0}, {978, 2, 0, 0}, {392, 0, 0, 0}};
    for (int k = 0; k < r.n_amounts; ++k) {
        r.amounts[k] = currencies[k];
        r.amounts[k].transactions = 10 + i + k;
        r.amounts[k].amount_minor = (k == 1 ? -1 : 1) * int64_t(123456789) * (i + 1);
    }
    return r;
}

spike_event make_spike(uint32_t i) {
    spike_event s{};
    s.id = 0x9e3779b97f4a7c15ull * (i + 1);
    s.window_start_ms = 1709297400000 + int64_t(i) * 60'000;
    s.window_end_ms = s.window_start_ms + 60'000;
    s.kind = static_cast<spike_event::spike_kind>(i % 5);
    s.dimension = i % 2 ? agg_dimension::mcc : agg_dimension::feed;
    std::snprintf(s.key, sizeof s.key, "%u", 7995 + i);
    s.observed = 0.1 * i + 1.0 / 3;
    s.baseline = 0.05 * i;
    s.stddev = 0.01 + i * 1e-9;
    s.z = (s.observed - s.baseline) / s.stddev;
    s.threshold = 4;
    s.transactions = 200 + i;
    s.alerts = 70 + i;
    return s;
}

std::string hex16(uint64_t id) {
    char buf[17];
    std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(id));
    return buf;
}

// The row as aggregates.avsc spells it (what the independent reader must return).
nlohmann::json expected_row(const aggregate_record& r) {
    nlohmann::json amounts = nlohmann::json::array();
    for (int k = 0; k < r.n_amounts; ++k) {
        const agg_amount& a = r.amounts[k];
        amounts.push_back({{"currency", a.currency == 840 ? "USD" : a.currency == 978 ? "EUR" : "JPY"},
                           {"currency_numeric", a.currency}, {"currency_exponent", a.exponent},
                           {"transactions", a.transactions}, {"amount_minor", a.amount_minor}});
    }
    return {{"schema_version", 1}, {"window_start_ms", r.window_start_ms}, {"window_end_ms", r.window_end_ms},
            {"dimension", std::string(agg_dimension_name(r.dimension))}, {"key", std::string(r.key)},
            {"kind", r.kind == aggregate_record::row_kind::correction ? "correction" : "window"},
            {"transactions", r.transactions}, {"alerts", r.alerts}, {"reviews", r.reviews}, {"blocks", r.blocks},
            {"approved", r.approved}, {"declined", r.declined}, {"rejects", r.rejects}, {"gaps", r.gaps},
            {"distinct_cards", r.distinct_cards}, {"latency_p50_ns", r.latency_p50_ns},
            {"latency_p99_ns", r.latency_p99_ns}, {"amounts", amounts}, {"amounts_other", r.amounts_other}};
}

nlohmann::json expected_spike(const spike_event& s) {
    return {{"schema_version", 1}, {"id", hex16(s.id)}, {"kind", std::string(spike_kind_name(s.kind))},
            {"dimension", std::string(agg_dimension_name(s.dimension))}, {"key", std::string(s.key)},
            {"window_start_ms", s.window_start_ms}, {"window_end_ms", s.window_end_ms}, {"observed", s.observed},
            {"baseline", s.baseline}, {"stddev", s.stddev}, {"z", s.z}, {"threshold", s.threshold},
            {"transactions", s.transactions}, {"alerts", s.alerts}};
}

// Each file of `table`: in the partition of its first row's window, and the walker the
// recovery of a torn file relies on agrees with the encoder. Returns the rows seen.
uint64_t check_files(const std::string& dir, spool_table table) {
    uint64_t rows = 0;
    const std::string part = "/table=" + std::string(spool_table_name(table)) + "/";
    for (const std::string& f : files_under(dir, ".avro")) {
        if (f.find(part) == std::string::npos) continue;
        INFO(f);
        std::ifstream in(f, std::ios::binary);
        const std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
        const avro_scan_result scan =
            avro_scan_container(reinterpret_cast<const uint8_t*>(bytes.data()), bytes.size(), true);
        CHECK(scan.error == nullptr);
        CHECK(std::string(scan.schema_name) == spool_table_name(table));
        rows += scan.records;
    }
    return rows;
}

}  // namespace

TEST_CASE("aggregates and spikes go to their tables by window hour; python3-avro reads every field back",
          "[unit][spool]") {
    temp_dir tmp;
    const uint32_t n_rows = 500;   // windows 12:50 .. 14:29 UTC: three hours
    const uint32_t n_spikes = 40;  // 12:50 .. 13:29
    {
        spool_writer s(small_config(tmp.path));
        REQUIRE(s.open());
        for (uint32_t i = 0; i < n_rows; ++i) REQUIRE(took(s.offer(make_aggregate(i))));
        for (uint32_t i = 0; i < n_spikes; ++i) REQUIRE(took(s.offer(make_spike(i))));
        REQUIRE(s.close());
        const spool_stats st = s.stats();
        CHECK(st.appended[static_cast<int>(spool_table::aggregates)] == n_rows);
        CHECK(st.durable[static_cast<int>(spool_table::aggregates)] == n_rows);
        CHECK(st.appended[static_cast<int>(spool_table::spikes)] == n_spikes);
        CHECK(st.durable[static_cast<int>(spool_table::spikes)] == n_spikes);
        CHECK(st.appended[static_cast<int>(spool_table::scored)] == 0);
        CHECK(st.refused + st.derived_refused + st.lost == 0);
    }
    for (const char* hour : {"12", "13", "14"})
        CHECK(fs::exists(tmp.path + "/table=aggregates/dt=2024-03-01/hour=" + hour));
    CHECK(fs::exists(tmp.path + "/table=spikes/dt=2024-03-01/hour=12"));
    CHECK(fs::exists(tmp.path + "/table=spikes/dt=2024-03-01/hour=13"));
    CHECK(check_files(tmp.path, spool_table::aggregates) == n_rows);
    CHECK(check_files(tmp.path, spool_table::spikes) == n_spikes);

    // The independent reader: every row once, every field equal, in the partition of its window.
    std::map<std::string, nlohmann::json> expected;
    for (uint32_t i = 0; i < n_rows; ++i) {
        const nlohmann::json e = expected_row(make_aggregate(i));
        expected[e.dump()] = e;
    }
    const auto rows = dump_table(tmp.path, "aggregates");
    CHECK(rows.size() == n_rows);
    std::size_t unmatched = 0;
    for (const nlohmann::json& r : rows) unmatched += expected.erase(r.dump()) == 1 ? 0 : 1;
    CHECK(unmatched == 0);
    CHECK(expected.empty());

    std::map<std::string, nlohmann::json> spikes;
    for (uint32_t i = 0; i < n_spikes; ++i) spikes[hex16(make_spike(i).id)] = expected_spike(make_spike(i));
    const auto read = dump_table(tmp.path, "spikes");
    CHECK(read.size() == n_spikes);
    for (const nlohmann::json& r : read) {
        INFO(r.dump());
        const auto it = spikes.find(r.at("id").get<std::string>());
        REQUIRE(it != spikes.end());
        CHECK(r == it->second);  // doubles bit for bit: Avro writes IEEE 754, Python reads it back
        spikes.erase(it);
    }
    CHECK(spikes.empty());
}

TEST_CASE("verdict rows end in case_id and case_seq: an alert's case, \"\" and 0 without one", "[unit][spool]") {
    temp_dir tmp;
    const uint32_t n = 700;  // alerts: every 7th
    {
        spool_writer s(small_config(tmp.path));
        REQUIRE(s.open());
        for (uint32_t i = 0; i < n; ++i) {
            Verdict v = make_verdict(i);
            if (v.alert) {
                v.case_id = 0xc0ffee0000000000ull + i / 21;  // three alerts a case
                v.case_seq = i / 7 % 3 + 1;
            }
            REQUIRE(took(s.offer(v)));
        }
        REQUIRE(s.close());
    }
    CHECK(check_files(tmp.path, spool_table::scored) == n);
    CHECK(check_files(tmp.path, spool_table::alerts) == n / 7);
    std::size_t bad = 0, alerts = 0;
    for (const char* table : {"scored", "alerts"}) {
        for (const nlohmann::json& r : dump_table(tmp.path, table)) {
            const uint32_t i = static_cast<uint32_t>(std::stoul(r.at("txn_id").get<std::string>().substr(1)));
            const bool alert = i % 7 == 0;
            alerts += alert;
            const std::string id = alert ? hex16(0xc0ffee0000000000ull + i / 21) : "";
            const int seq = alert ? static_cast<int>(i / 7 % 3 + 1) : 0;
            bad += r.at("case_id") != id || r.at("case_seq") != seq;
        }
    }
    CHECK(bad == 0);
    CHECK(alerts == 2 * (n / 7));  // in scored and in alerts
}

TEST_CASE("verdict rows end in the feature vector and its version; empty and 0 without one", "[unit][spool]") {
    // Every third verdict has no features (an outcome, or scored before any ruleset).
    temp_dir tmp;
    const uint32_t n = 300;
    auto feature = [](uint32_t i, int k) {
        return k == 7 && i % 2 ? NAN : static_cast<float>(i) * 0.25f + static_cast<float>(k) / 3.0f;
    };
    {
        spool_writer s(small_config(tmp.path));
        REQUIRE(s.open());
        for (uint32_t i = 0; i < n; ++i) {
            Verdict v = make_verdict(i);
            if (i % 3) {
                v.features_version = feature_version;
                for (int k = 0; k < feature_count; ++k) v.features[k] = feature(i, k);
            } else {
                for (float& f : v.features) f = 99;  // not written: the version says none
            }
            REQUIRE(took(s.offer(v)));
        }
        REQUIRE(s.close());
    }
    CHECK(check_files(tmp.path, spool_table::scored) == n);
    std::size_t bad = 0, rows = 0;
    for (const char* table : {"scored", "alerts"}) {
        for (const nlohmann::json& r : dump_table(tmp.path, table)) {
            ++rows;
            const uint32_t i = static_cast<uint32_t>(std::stoul(r.at("txn_id").get<std::string>().substr(1)));
            INFO(r.at("features").dump());
            const nlohmann::json& f = r.at("features");
            if (i % 3 == 0) {
                bad += r.at("features_version") != 0 || !f.empty();
                continue;
            }
            bad += r.at("features_version") != feature_version || f.size() != static_cast<std::size_t>(feature_count);
            for (int k = 0; k < feature_count && k < static_cast<int>(f.size()); ++k) {
                const float want = feature(i, k);
                // Python reads the 4-byte float as a double: exact; NaN comes back as 'nan'.
                bad += std::isnan(want) ? f[k] != "nan" : f[k].get<double>() != static_cast<double>(want);
            }
        }
    }
    CHECK(bad == 0);
    CHECK(rows == n + (n + 6) / 7);
}

TEST_CASE("the largest aggregate, spike and verdict-with-case rows fit their maximum", "[unit][spool]") {
    aggregate_record r = make_aggregate(3);
    std::memset(r.key, 0xff, sizeof r.key);  // no NUL, every byte a 3-byte U+FFFD
    r.window_start_ms = r.window_end_ms = INT64_MIN;
    r.transactions = r.alerts = r.reviews = r.blocks = r.approved = r.declined = r.rejects = r.gaps = UINT64_MAX;
    r.distinct_cards = r.latency_p50_ns = r.latency_p99_ns = r.amounts_other = UINT64_MAX;
    r.n_amounts = 255;  // clamped to agg_max_currencies
    for (auto& a : r.amounts) a = {840, 255, UINT64_MAX, INT64_MIN};
    std::vector<uint8_t> out(4 * avro_verdict_max_bytes);
    CHECK(encode_aggregate_avro(r, out.data()) <= avro_aggregate_max_bytes);

    spike_event s = make_spike(1);
    std::memset(s.key, 0xff, sizeof s.key);
    s.window_start_ms = s.window_end_ms = INT64_MIN;
    s.transactions = s.alerts = UINT64_MAX;
    CHECK(encode_spike_avro(s, out.data()) <= avro_spike_max_bytes);

    Verdict v = make_verdict(7);
    const std::string bad(256, '\xff');  // assign() cuts it to each field's capacity
    Txn& t = v.txn;
    t.txn_id.assign(bad);
    t.card_id.assign(bad);
    t.account_id.assign(bad);
    t.merchant_id.assign(bad);
    t.merchant_name.assign(bad);
    t.city.assign(bad);
    t.terminal_id.assign(bad);
    t.acquirer_id.assign(bad);
    std::memset(t.stan, 0xff, sizeof t.stan);
    std::memset(t.rrn, 0xff, sizeof t.rrn);
    std::memset(t.card_bin, 0xff, sizeof t.card_bin);
    std::memset(t.card_last4, 0xff, sizeof t.card_last4);
    std::memset(t.country, 0xff, sizeof t.country);
    v.n_reasons = max_verdict_reasons;
    v.n_patterns = max_verdict_patterns;
    for (auto& p : v.pattern_ids) p = UINT32_MAX;
    v.case_id = ~0ull;
    v.case_seq = UINT32_MAX;
    v.features_version = UINT8_MAX;
    for (float& f : v.features) f = -FLT_MAX;
    static const std::string long_name(200, '\xff');
    const avro_rule_namer names = [](uint32_t, uint16_t) -> std::string_view { return long_name; };
    CHECK(encode_verdict_avro(v, names, out.data()) <= avro_verdict_max_bytes);
}

TEST_CASE("a spool that cannot take an aggregate or spike counts it apart from the consumed records",
          "[unit][spool]") {
    temp_dir tmp;
    const std::string blocker = tmp.path + "/not-a-dir";
    std::ofstream(blocker) << "x";
    spool_writer s(small_config(blocker + "/spool"));
    CHECK_FALSE(s.open());
    CHECK_FALSE(took(s.offer(make_aggregate(1))));
    CHECK_FALSE(took(s.offer(make_spike(1))));
    // The spool identity (verdicts + rejects + outcomes = rows + refused) is untouched.
    CHECK(s.stats().refused == 0);
    CHECK(s.stats().derived_refused == 2);
}
