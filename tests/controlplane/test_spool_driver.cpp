// spool_driver: a spooling + uploading process for the integration scripts
// (tests/controlplane/s3_*.sh). Appends verdicts t<start>..t<start+records-1> to a
// spool, uploads completed files to S3, and keeps --durable-file holding the range of
// ids made durable so far ("start:end"), so a script can kill -9 it and check that
// every durable record reaches S3 exactly once after a restart.
//
// Usage: spool_driver --spool DIR [--records N] [--start S] [--step-ms MS]
//          [--endpoint URL --bucket B [--prefix P]] [--max-file-bytes N] [--age-ms N]
//          [--multipart-threshold N] [--part-size N] [--pace-us N] [--durable-file F]
//          [--wait-upload SECONDS]
// Credentials come from AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY.
// Exit 0 when everything appended is durable and (with an endpoint) uploaded.
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <thread>

#include "controlplane/s3_uploader.h"
#include "controlplane/spool_writer.h"
#include "test_spool_util.h"

using namespace txscreen;

namespace {

void write_durable(const std::string& file, uint64_t start, uint64_t durable) {
    if (file.empty()) return;
    const std::string tmp = file + ".tmp";
    FILE* f = std::fopen(tmp.c_str(), "w");
    if (!f) return;
    std::fprintf(f, "%llu:%llu\n", static_cast<unsigned long long>(start),
                 static_cast<unsigned long long>(start + durable));
    std::fflush(f);
    fsync(fileno(f));
    std::fclose(f);
    std::rename(tmp.c_str(), file.c_str());
}

}  // namespace

int main(int argc, char** argv) {
    spool_config sc;
    sc.host = "driver";
    sc.max_file_age_ms = 1000;
    sc.sync_interval_ms = 100;
    s3_config s3;
    uint64_t records = 0, start = 0, pace_us = 0;
    int64_t step_ms = 50;
    std::string durable_file;
    int wait_upload = 60;
    for (int i = 1; i + 1 < argc; i += 2) {
        const std::string k = argv[i];
        const char* v = argv[i + 1];
        if (k == "--spool") sc.dir = v;
        else if (k == "--records") records = std::strtoull(v, nullptr, 10);
        else if (k == "--start") start = std::strtoull(v, nullptr, 10);
        else if (k == "--step-ms") step_ms = std::strtoll(v, nullptr, 10);
        else if (k == "--endpoint") s3.endpoint = v;
        else if (k == "--bucket") s3.bucket = v;
        else if (k == "--prefix") s3.prefix = v;
        else if (k == "--max-file-bytes") sc.max_file_bytes = std::strtoull(v, nullptr, 10);
        else if (k == "--age-ms") sc.max_file_age_ms = static_cast<uint32_t>(std::strtoul(v, nullptr, 10));
        else if (k == "--multipart-threshold") s3.multipart_threshold = std::strtoull(v, nullptr, 10);
        else if (k == "--part-size") s3.part_size = std::strtoull(v, nullptr, 10);
        else if (k == "--pace-us") pace_us = std::strtoull(v, nullptr, 10);
        else if (k == "--durable-file") durable_file = v;
        else if (k == "--wait-upload") wait_upload = std::atoi(v);
        else {
            std::fprintf(stderr, "spool_driver: unknown option %s\n", k.c_str());
            return 2;
        }
    }
    s3.retry_base_ms = 100;
    s3.retry_max_ms = 1000;
    s3.verify_head = true;
    s3.connect_timeout_ms = 1000;
    s3.request_timeout_ms = 10000;

    spool_writer spool(sc);
    s3_uploader up(sc.dir, s3);
    if (!spool.open()) {
        std::fprintf(stderr, "spool_driver: %s\n", spool.last_error().c_str());
        return 2;
    }
    // Started after open(), which recovers torn files: its scan queues those and what an
    // earlier run completed; the spool queues every file it completes from here on.
    if (!up.start()) {
        std::fprintf(stderr, "spool_driver: %s\n", up.last_error().c_str());
        return 2;
    }
    spool.hand_files_to(&up);
    uint64_t last_durable = ~0ull;
    for (uint64_t i = 0; i < records; ++i) {
        if (spool.offer(test::make_verdict(start + i, 1709294400000, step_ms)) != sink_answer::accepted) {
            std::fprintf(stderr, "spool_driver: append refused: %s\n", spool.last_error().c_str());
            return 1;
        }
        if ((i & 255) == 255) {
            spool.tick();
            const uint64_t d = spool.stats().durable[0];
            if (d != last_durable) write_durable(durable_file, start, last_durable = d);
            if (pace_us) std::this_thread::sleep_for(std::chrono::microseconds(pace_us));
        }
    }
    spool.close();
    const spool_stats ss = spool.stats();
    write_durable(durable_file, start, ss.durable[0]);
    std::printf("spool: appended %llu durable %llu alerts %llu files %llu recovered %llu (%llu rows) errors %llu\n",
                static_cast<unsigned long long>(ss.appended[0]), static_cast<unsigned long long>(ss.durable[0]),
                static_cast<unsigned long long>(ss.durable[1]), static_cast<unsigned long long>(ss.files_completed),
                static_cast<unsigned long long>(ss.files_recovered),
                static_cast<unsigned long long>(ss.records_recovered),
                static_cast<unsigned long long>(ss.write_errors));
    int rc = ss.durable[0] == records && ss.write_errors == 0 ? 0 : 1;
    if (up.enabled()) {
        const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(wait_upload);
        while (std::chrono::steady_clock::now() < deadline && !test::files_under(sc.dir, ".avro").empty())
            std::this_thread::sleep_for(std::chrono::milliseconds(100));
        up.stop();
        const s3_uploader_stats us = up.stats();
        const std::size_t left = test::files_under(sc.dir, ".avro").size();
        std::printf("upload: files %llu bytes %llu multipart %llu retries %llu failures %llu left %zu\n",
                    static_cast<unsigned long long>(us.uploaded_files),
                    static_cast<unsigned long long>(us.uploaded_bytes),
                    static_cast<unsigned long long>(us.multipart_files), static_cast<unsigned long long>(us.retries),
                    static_cast<unsigned long long>(us.failures), left);
        if (left) rc = 1;
    }
    std::fflush(stdout);
    return rc;
}
