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
#include <chrono>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

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

std::string read_text(const std::string& path) {
    std::ifstream f(path);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

}  // namespace

TEST_CASE("shipped .avsc files are the schemas written into spool files", "[unit][spool]") {
    for (spool_table t : {spool_table::scored, spool_table::alerts, spool_table::rejects, spool_table::outcomes}) {
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
