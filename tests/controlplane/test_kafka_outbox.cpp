// Unit tests for the Kafka outbox (controlplane/kafka_outbox.h): order, restart
// recovery from the settled position, torn tails, segment deletion, bad directories.
#include <catch2/catch.hpp>

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "controlplane/kafka_outbox.h"
#include "temp_dir.h"

using namespace txscreen;

namespace {

std::vector<std::string> files_in(const std::string& dir, const std::string& ext) {
    std::vector<std::string> out;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            std::string n = e->d_name;
            if (n.size() > ext.size() && n.compare(n.size() - ext.size(), ext.size(), ext) == 0) out.push_back(n);
        }
        ::closedir(d);
    }
    return out;
}

std::string key_of(int i) { return "card-" + std::to_string(i % 7); }
std::string value_of(int i) { return "{\"txn_id\":\"tx-" + std::to_string(i) + "\",\"pad\":\"" + std::string(i % 300, 'x') + "\"}"; }

// Reads back, settling each record at once; returns the ids in order.
std::vector<int> drain(kafka_outbox& ob, int max = 1 << 30) {
    std::vector<int> ids;
    std::string k, v;
    uint64_t seg = 0;
    while (static_cast<int>(ids.size()) < max && ob.peek(k, v, seg)) {
        ob.pop();
        ob.settled(seg);
        ids.push_back(std::stoi(v.substr(v.find("tx-") + 3)));
        CHECK(k == key_of(ids.back()));
        CHECK(v == value_of(ids.back()));
    }
    return ids;
}


}  // namespace

TEST_CASE("outbox: records come back in order and settled segments are deleted", "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    {
        kafka_outbox ob(dir, 16 * 1024);  // small segments: many files
        for (int i = 0; i < 2000; ++i) REQUIRE(ob.append(key_of(i), value_of(i)));
        CHECK(ob.backlog() == 2000);
        CHECK(ob.stats().segments > 5);
        // Peek without pop returns the same record.
        std::string k, v;
        uint64_t s1 = 0, s2 = 0;
        REQUIRE(ob.peek(k, v, s1));
        REQUIRE(ob.peek(k, v, s2));
        CHECK(s1 == s2);
        CHECK(v == value_of(0));
        std::vector<int> ids = drain(ob);
        REQUIRE(ids.size() == 2000);
        for (int i = 0; i < 2000; ++i) CHECK(ids[static_cast<std::size_t>(i)] == i);
        CHECK(ob.backlog() == 0);
        // Everything read back and settled: no segment left on disk.
        CHECK(ob.stats().segments == 0);
        CHECK(files_in(dir, ".kob").empty());
        // Appends after catching up go on in a new segment.
        REQUIRE(ob.append(key_of(5000), value_of(5000)));
        CHECK(drain(ob) == std::vector<int>{5000});
    }
    CHECK(files_in(dir, ".kob").empty());
}

TEST_CASE("outbox: a segment stays until every record read from it is settled", "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    kafka_outbox ob(dir);
    for (int i = 0; i < 10; ++i) REQUIRE(ob.append(key_of(i), value_of(i)));
    std::string k, v;
    std::vector<uint64_t> segs;
    uint64_t seg = 0;
    while (ob.peek(k, v, seg)) {
        ob.pop();
        segs.push_back(seg);
    }
    REQUIRE(segs.size() == 10);
    CHECK(ob.backlog() == 0);
    for (int i = 0; i < 9; ++i) ob.settled(segs[static_cast<std::size_t>(i)]);
    CHECK(files_in(dir, ".kob").size() == 1);  // one record still in flight
    ob.settled(segs[9]);
    CHECK(files_in(dir, ".kob").empty());
}

TEST_CASE("outbox: a restart resumes after the settled records, nothing twice", "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    {
        kafka_outbox ob(dir, 32 * 1024);
        for (int i = 0; i < 1000; ++i) REQUIRE(ob.append(key_of(i), value_of(i)));
        REQUIRE(ob.sync());
        CHECK(drain(ob, 420).size() == 420);
    }  // clean close with everything read back settled: positions are exact
    {
        kafka_outbox ob(dir, 32 * 1024);
        CHECK(ob.stats().recovered == 580);
        CHECK(ob.backlog() == 580);
        std::vector<int> ids = drain(ob, 100);
        REQUIRE(ids.size() == 100);
        CHECK(ids.front() == 420);
        CHECK(ids.back() == 519);
        // A record read but not settled (in flight at a crash) is published again:
        // its segment resumes from its last settled position.
        std::string k, v;
        uint64_t seg = 0;
        REQUIRE(ob.peek(k, v, seg));
        ob.pop();
    }
    {
        kafka_outbox ob(dir, 32 * 1024);
        std::vector<int> ids = drain(ob);
        REQUIRE(!ids.empty());
        CHECK(ids.front() <= 520);
        CHECK(ids.front() >= 420);  // not from the start
        std::vector<int> expect;
        for (int i = ids.front(); i < 1000; ++i) expect.push_back(i);
        CHECK(ids == expect);
    }
    CHECK(files_in(dir, ".kob").empty());
    CHECK(files_in(dir, ".pos").empty());
}

TEST_CASE("outbox: a torn tail is cut at the last whole record", "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    {
        kafka_outbox ob(dir);
        for (int i = 0; i < 50; ++i) REQUIRE(ob.append(key_of(i), value_of(i)));
    }
    std::vector<std::string> segs = files_in(dir, ".kob");
    REQUIRE(segs.size() == 1);
    {
        // A crash mid-append: half a header and a flipped byte at the end.
        std::ofstream f(dir + "/" + segs[0], std::ios::app | std::ios::binary);
        f.write("TXOB\x10\x00", 6);
    }
    {
        kafka_outbox ob(dir);
        CHECK(ob.stats().recovered == 50);
        CHECK(ob.stats().torn_bytes == 6);
        std::vector<int> ids = drain(ob);
        CHECK(ids.size() == 50);
    }
    // Corrupt a record in the middle: the records before it survive, the rest is cut.
    {
        kafka_outbox ob(dir);
        for (int i = 0; i < 20; ++i) REQUIRE(ob.append(key_of(i), value_of(i)));
    }
    segs = files_in(dir, ".kob");
    REQUIRE(segs.size() == 1);
    const std::string path = dir + "/" + segs[0];
    struct stat sb {};
    REQUIRE(::stat(path.c_str(), &sb) == 0);
    {
        std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(sb.st_size / 2);
        f.put('\x7f');
    }
    {
        kafka_outbox ob(dir);
        const auto st = ob.stats();
        CHECK(st.recovered > 0);
        CHECK(st.recovered < 20);
        CHECK(st.torn_bytes > 0);
        std::vector<int> ids = drain(ob);
        CHECK(ids.size() == st.recovered);
        for (std::size_t i = 0; i < ids.size(); ++i) CHECK(ids[i] == static_cast<int>(i));
    }
}

TEST_CASE("outbox: an unusable directory is refused with its name", "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    const std::string file = dir + "/plain-file";
    { std::ofstream(file) << "x"; }
    try {
        kafka_outbox ob(file);
        FAIL("a plain file was accepted as the outbox directory");
    } catch (const std::runtime_error& e) {
        CHECK(std::string(e.what()).find(file) != std::string::npos);
    }
    if (::geteuid() != 0) {  // root writes anywhere
        const std::string ro = dir + "/ro";
        REQUIRE(::mkdir(ro.c_str(), 0500) == 0);
        CHECK_THROWS_WITH(kafka_outbox(ro), Catch::Contains(ro));
    }
}

TEST_CASE("outbox: a write error (file size limit, as on a full disk) loses only what was buffered, counted",
          "[unit][kafka]") {
    const test::temp_dir tmp("txscreen-outbox");
    const std::string& dir = tmp.path;
    // RLIMIT_FSIZE makes write() fail with EFBIG past 1 MiB per file, the way a full
    // disk fails with ENOSPC, without needing a small filesystem.
    struct sigaction ign {}, old_sa {};
    ign.sa_handler = SIG_IGN;
    REQUIRE(::sigaction(SIGXFSZ, &ign, &old_sa) == 0);
    rlimit old_lim {};
    REQUIRE(::getrlimit(RLIMIT_FSIZE, &old_lim) == 0);
    rlimit lim = old_lim;
    lim.rlim_cur = 1 << 20;
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &lim) == 0);
    uint64_t appended = 0;
    kafka_outbox_stats st;
    {
        kafka_outbox ob(dir);  // 64 MiB segments: the limit hits first
        for (int i = 0; i < 6000; ++i)
            if (ob.append(key_of(i), value_of(i))) ++appended;
        ob.sync();
        st = ob.stats();
        CHECK(st.write_errors > 0);
        CHECK(st.lost > 0);
        CHECK(!ob.last_error().empty());
        CHECK(ob.last_error().find("write") != std::string::npos);
        CHECK(ob.backlog() == appended - st.lost);
        // What was not lost reads back whole and in order.
        std::vector<int> ids = drain(ob);
        CHECK(ids.size() == appended - st.lost);
        for (std::size_t i = 1; i < ids.size(); ++i) CHECK(ids[i] > ids[i - 1]);
    }
    REQUIRE(::setrlimit(RLIMIT_FSIZE, &old_lim) == 0);
    ::sigaction(SIGXFSZ, &old_sa, nullptr);
    {
        // Space back: appends work again.
        kafka_outbox ob(dir);
        REQUIRE(ob.append(key_of(7), value_of(7)));
        REQUIRE(ob.sync());
        CHECK(drain(ob) == std::vector<int>{7});
    }
}
