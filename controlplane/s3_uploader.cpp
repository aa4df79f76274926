#include "controlplane/s3_uploader.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <new>
#include <vector>

#include "common/log.h"

namespace txscreen {

namespace fs = std::filesystem;

namespace {

bool read_at(int fd, uint64_t off, std::vector<char>& buf, std::size_t len) {
    buf.resize(len);
    std::size_t got = 0;
    while (got < len) {
        ssize_t n = pread(fd, buf.data() + got, len - got, static_cast<off_t>(off + got));
        if (n <= 0) return false;
        got += static_cast<std::size_t>(n);
    }
    return true;
}

}  // namespace

s3_uploader::s3_uploader(std::string spool_dir, s3_config config)
    : _dir(std::move(spool_dir)), _config([&] {
          s3_config_from_env(config);
          return config;
      }()),
      _client(_config) {}

s3_uploader::~s3_uploader() { stop(); }

void s3_uploader::set_error(const std::string& e) {
    log_line(log_level::warning, "s3 uploader: %s", e.c_str());
    std::lock_guard<std::mutex> g(_mutex);
    _last_error = e;
}

std::string s3_uploader::last_error() const {
    std::lock_guard<std::mutex> g(_mutex);
    return _last_error;
}

s3_uploader_stats s3_uploader::stats() const noexcept {
    s3_uploader_stats s{};
    s.uploaded_files = _uploaded_files.load(std::memory_order_relaxed);
    s.uploaded_bytes = _uploaded_bytes.load(std::memory_order_relaxed);
    s.multipart_files = _multipart_files.load(std::memory_order_relaxed);
    s.retries = _retries.load(std::memory_order_relaxed);
    s.failures = _failures.load(std::memory_order_relaxed);
    s.backlog_files = _backlog_files.load(std::memory_order_relaxed);
    s.backlog_bytes = _backlog_bytes.load(std::memory_order_relaxed);
    s.vanished = _vanished.load(std::memory_order_relaxed);
    s.connected = _connected.load(std::memory_order_relaxed);
    return s;
}

bool s3_uploader::start() {
    if (std::string e = validate_s3_config(_config); !e.empty()) {
        set_error(e);
        return false;
    }
    if (!enabled() || _thread.joinable()) return true;
    scan_spool();
    _stop = false;
    _thread = std::thread([this] { run(); });
    return true;
}

// What the uploader takes: complete spool files (`.avro`), and the lake compactor's
// Parquet files and data-quality reports, all under table=...; never a `.tmp`, nor the
// outboxes and work files elsewhere in the spool directory.
bool s3_uploader::is_lake_file(std::string_view rel) noexcept {
    if (rel.rfind("table=", 0) != 0) return false;
    for (std::string_view suffix : {".avro", ".parquet", ".json"})
        if (rel.size() > suffix.size() && rel.substr(rel.size() - suffix.size()) == suffix) return true;
    return false;
}

// The files an earlier run completed and did not upload; sorted so older sequence
// numbers of a partition go first.
void s3_uploader::scan_spool() {
    std::vector<std::pair<std::string, uint64_t>> files;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(_dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        std::string rel = fs::relative(it->path(), _dir, ec).string();
        if (is_lake_file(rel)) files.emplace_back(std::move(rel), it->file_size(ec));
    }
    std::sort(files.begin(), files.end());
    std::lock_guard<std::mutex> g(_mutex);
    for (auto& [rel, bytes] : files) add_to_queue(std::move(rel), bytes);
}

void s3_uploader::add_to_queue(std::string rel_path, uint64_t bytes) {
    _queue.push_back({std::move(rel_path), bytes});
    _backlog_files.fetch_add(1, std::memory_order_relaxed);
    _backlog_bytes.fetch_add(bytes, std::memory_order_relaxed);
}

void s3_uploader::enqueue(const std::string& rel_path) noexcept {
    struct stat st {};
    const uint64_t bytes = ::stat((_dir + "/" + rel_path).c_str(), &st) == 0 ? static_cast<uint64_t>(st.st_size) : 0;
    try {
        std::lock_guard<std::mutex> g(_mutex);
        add_to_queue(rel_path, bytes);
    } catch (const std::bad_alloc&) {  // the file stays in the spool: the next start's scan finds it
        log_line(log_level::error, "s3 uploader: out of memory queueing %s; the next start uploads it", rel_path.c_str());
        return;
    }
    _cv.notify_all();
}

std::vector<std::string> s3_uploader::queued() const {
    std::lock_guard<std::mutex> g(_mutex);
    std::vector<std::string> out;
    for (const queued_file& f : _queue) out.push_back(f.rel_path);
    return out;
}

void s3_uploader::stop() {
    {
        std::lock_guard<std::mutex> g(_mutex);
        _stop = true;
    }
    _cv.notify_all();
    if (_thread.joinable()) _thread.join();
}

bool s3_uploader::upload_single(const std::string& key, int fd, uint64_t size) {
    std::vector<char> body;
    if (!read_at(fd, 0, body, size)) {
        set_error("cannot read " + key);
        return false;
    }
    s3_response r = _client.put_object(key, body.data(), body.size());
    if (!r.ok()) {
        set_error("PUT " + key + ": " + r.error);
        return false;
    }
    return true;
}

bool s3_uploader::upload_multipart(const std::string& key, int fd, uint64_t size) {
    s3_response r;
    const std::string id = _client.create_multipart(key, r);
    if (id.empty()) {
        set_error("CreateMultipartUpload " + key + ": " + r.error);
        return false;
    }
    std::vector<std::string> etags;
    std::vector<char> part;
    for (uint64_t off = 0; off < size; off += _config.part_size) {
        const std::size_t len = static_cast<std::size_t>(std::min<uint64_t>(_config.part_size, size - off));
        bool ok = read_at(fd, off, part, len);
        s3_response pr;
        if (ok) pr = _client.upload_part(key, id, static_cast<int>(etags.size() + 1), part.data(), len);
        if (!ok || !pr.ok() || pr.etag.empty()) {
            set_error("UploadPart " + key + ": " + (ok ? (pr.error.empty() ? "no ETag" : pr.error) : "read failed"));
            _client.abort_multipart(key, id);  // best effort; lifecycle rules clean up the rest
            return false;
        }
        etags.push_back(pr.etag);
    }
    s3_response c = _client.complete_multipart(key, id, etags);
    if (!c.ok()) {
        set_error("CompleteMultipartUpload " + key + ": " + c.error);
        _client.abort_multipart(key, id);
        return false;
    }
    add(_multipart_files);
    return true;
}

bool s3_uploader::upload_file(const std::string& rel) {
    const std::string path = _dir + "/" + rel;
    const std::string key = key_for(rel);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        set_error("cannot open " + path + ": " + std::strerror(errno));
        return false;
    }
    struct stat st {};
    fstat(fd, &st);
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    bool ok = size >= _config.multipart_threshold ? upload_multipart(key, fd, size) : upload_single(key, fd, size);
    ::close(fd);
    if (ok && _config.verify_head) {
        s3_response h = _client.head_object(key);
        if (!h.ok() || h.content_length != static_cast<long long>(size)) {
            set_error("HEAD " + key + ": size " + std::to_string(h.content_length) + " != " + std::to_string(size) +
                      (h.error.empty() ? "" : " (" + h.error + ")"));
            ok = false;
        }
    }
    _connected.store(ok, std::memory_order_relaxed);
    if (!ok) return false;
    // Only now is the local copy redundant. A crash before this unlink re-uploads the
    // same key after restart: an overwrite, not a duplicate.
    if (::unlink(path.c_str()) != 0 && errno != ENOENT) set_error("cannot delete " + path + ": " + std::strerror(errno));
    remove_empty_partitions(rel);
    add(_uploaded_files);
    add(_uploaded_bytes, size);
    return true;
}

// Partition directories (hour=HH, then dt=...) emptied by an upload are removed, so the
// spool does not collect one empty directory per hour forever. rmdir fails harmlessly
// (ENOTEMPTY) while a file is open or waiting there; a writer that loses the race
// between its mkdir and its open re-creates the directory (spool_writer).
void s3_uploader::remove_empty_partitions(const std::string& rel) noexcept {
    std::string dir = rel;
    for (int level = 0; level < 2; ++level) {
        const std::size_t slash = dir.rfind('/');
        if (slash == std::string::npos) return;
        dir.resize(slash);
        const std::string_view name = std::string_view(dir).substr(dir.rfind('/') + 1);  // npos + 1 = 0
        if (name.rfind("hour=", 0) != 0 && name.rfind("dt=", 0) != 0) return;
        if (::rmdir((_dir + "/" + dir).c_str()) != 0) return;
    }
}

// Waits for a queued file (or stop); copies the oldest into `next`, which stays queued
// until uploaded_or_gone() settles it.
bool s3_uploader::wait_for_file(queued_file& next) {
    std::unique_lock<std::mutex> lk(_mutex);
    _cv.wait(lk, [&] { return _stop || !_queue.empty(); });
    if (_stop) return false;
    next = _queue.front();
    return true;
}

void s3_uploader::uploaded_or_gone(const queued_file& f, bool uploaded) {
    if (!uploaded) {
        add(_vanished);
        set_error("queued file " + _dir + "/" + f.rel_path + " is gone from the spool; not uploaded");
    }
    std::lock_guard<std::mutex> g(_mutex);
    _queue.pop_front();
    _backlog_files.fetch_sub(1, std::memory_order_relaxed);
    _backlog_bytes.fetch_sub(f.bytes, std::memory_order_relaxed);
}

void s3_uploader::run() {
    uint32_t backoff = _config.retry_base_ms;
    bool failed_last = false;
    queued_file next;
    while (wait_for_file(next)) {
        if (failed_last) add(_retries);
        if (upload_file(next.rel_path)) {
            failed_last = false;
            backoff = _config.retry_base_ms;
            uploaded_or_gone(next, true);
            continue;
        }
        std::error_code ec;
        if (!fs::exists(_dir + "/" + next.rel_path, ec) && !ec) {  // moved away: nothing to retry
            uploaded_or_gone(next, false);
            continue;
        }
        add(_failures);
        // Back off, then try the same file again (only stop interrupts the wait).
        failed_last = true;
        const uint32_t wait_ms = backoff;
        backoff = std::min(_config.retry_max_ms, backoff * 2);
        std::unique_lock<std::mutex> lk(_mutex);
        if (_cv.wait_for(lk, std::chrono::milliseconds(wait_ms), [&] { return _stop; })) return;
    }
}

}  // namespace txscreen
