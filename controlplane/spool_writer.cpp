#include "controlplane/spool_writer.h"

#include <fcntl.h>
#include <sys/file.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>

#include "common/civil_time.h"
#include "common/log.h"
#include "controlplane/avro_analytics.h"
#include "controlplane/avro_container.h"
#include "controlplane/s3_uploader.h"
#include "rules/ruleset.h"

namespace txscreen {

namespace fs = std::filesystem;

namespace {

constexpr uint64_t fsync_tag = 1ull << 40;   // user_data of an fsync: tag | slot index
constexpr uint64_t wait_tag = 1ull << 41;    // user_data of a one-off fsync (fsync_wait)
constexpr uint64_t seq_chunk = 1024;         // file sequence numbers reserved per seq-file write
constexpr int64_t ms_per_hour = 3'600'000;

int64_t now_ms() noexcept {
    return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now().time_since_epoch())
        .count();
}

int64_t floor_div(int64_t a, int64_t b) noexcept { return a / b - ((a % b != 0) && ((a < 0) != (b < 0))); }

std::string partition_for_hour(spool_table table, int64_t hour) {
    const civil_date date = civil_from_days(floor_div(hour, 24));
    char buf[96];
    std::snprintf(buf, sizeof buf, "table=%s/dt=%04d-%02u-%02u/hour=%02d", spool_table_name(table).data(), date.year,
                  date.month, date.day, static_cast<int>(hour - floor_div(hour, 24) * 24));
    return buf;
}

std::string sanitized_host(const std::string& configured) {
    std::string h = configured;
    if (h.empty()) {
        char buf[256] = {};
        if (gethostname(buf, sizeof buf - 1) == 0) h = buf;
        if (h.empty()) h = "txscreen";
    }
    // The name ends up in paths and S3 keys: keep it to [A-Za-z0-9._] ('-' separates the seq).
    for (char& c : h)
        if (!(std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '_')) c = '_';
    return h;
}

// Parses "<host>-<seq>.avro[.tmp]"; returns the seq or 0.
uint64_t seq_of(const std::string& name) {
    std::size_t dash = name.rfind('-');
    std::size_t dot = name.find(".avro", dash == std::string::npos ? 0 : dash);
    if (dash == std::string::npos || dot == std::string::npos || dot <= dash + 1) return 0;
    uint64_t v = 0;
    for (std::size_t i = dash + 1; i < dot; ++i) {
        if (name[i] < '0' || name[i] > '9') return 0;
        v = v * 10 + static_cast<uint64_t>(name[i] - '0');
    }
    return v;
}

bool ends_with(const std::string& s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

}  // namespace

std::string spool_partition(spool_table table, int64_t ms) { return partition_for_hour(table, floor_div(ms, ms_per_hour)); }

struct spool_writer::file_slot {
    bool used = false;
    bool failed = false;
    bool dirty = false;        // written since its last fsync
    spool_table table = spool_table::scored;
    int64_t hour = 0;
    int fd = -1;
    std::string dir_rel;       // "table=scored/dt=2024-03-01/hour=05"
    std::string name;          // "<host>-<seq>.avro"
    uint64_t off = 0;          // bytes submitted (the next write's offset)
    int buf = -1;              // buffer holding the open block, -1 none
    std::size_t buf_len = 0;   // record bytes in the open block
    uint64_t buf_records = 0;
    uint64_t records = 0;          // rows appended to the file
    uint64_t records_sealed = 0;   // rows in blocks submitted for writing
    uint64_t records_durable = 0;  // rows covered by a completed fsync
    int64_t opened_ms = 0;
    uint64_t last_use = 0;
    uint8_t sync[avro_sync_bytes] = {};
};

struct spool_writer::buffer {
    std::unique_ptr<uint8_t[]> mem;
    int slot = -1;
    std::size_t start = 0, end = 0;  // bytes of mem still to write
    uint64_t off = 0;                // file offset of mem[start]
};

spool_writer::spool_writer(spool_config config)
    : _config(std::move(config)), _budget(_config.max_disk_bytes, _config.budget_scan_ms) {
    _config.host = sanitized_host(_config.host);
    std::fill(std::begin(_last_slot), std::end(_last_slot), -1);
    // Called inside offer(), on the owner thread, while its snapshot is current.
    _names = [this](uint32_t, uint16_t id) { return _ruleset ? _ruleset->rule_name(id) : std::string_view(); };
}

spool_writer::~spool_writer() {
    close();
    if (_seq_fd >= 0) ::close(_seq_fd);
    if (_lock_fd >= 0) ::close(_lock_fd);
}

void spool_writer::fail(const char* what, const std::string& path, int err) noexcept {
    char msg[512];
    std::snprintf(msg, sizeof msg, "spool: %s %s: %s (errno %d)", what, path.c_str(), std::strerror(err), err);
    {
        std::lock_guard<std::mutex> g(_error_mutex);
        _last_error = msg;
    }
    log_line(log_level::error, "%s", msg);
    count(_write_errors);
    _writable.store(false, std::memory_order_relaxed);
    _error_at_ms = now_ms();
}

std::string spool_writer::last_error() const {
    std::lock_guard<std::mutex> g(_error_mutex);
    return _last_error;
}

spool_stats spool_writer::stats() const noexcept {
    spool_stats s{};
    for (int t = 0; t < spool_table_count; ++t) {
        s.appended[t] = _appended[t].load(std::memory_order_relaxed);
        s.durable[t] = _durable[t].load(std::memory_order_relaxed);
    }
    s.refused = _refused.load(std::memory_order_relaxed);
    s.derived_refused = _derived_refused.load(std::memory_order_relaxed);
    s.lost = _lost.load(std::memory_order_relaxed);
    s.files_completed = _files_completed.load(std::memory_order_relaxed);
    s.files_recovered = _files_recovered.load(std::memory_order_relaxed);
    s.records_recovered = _records_recovered.load(std::memory_order_relaxed);
    s.files_discarded = _files_discarded.load(std::memory_order_relaxed);
    s.bytes_written = _bytes_written.load(std::memory_order_relaxed);
    s.blocks_written = _blocks_written.load(std::memory_order_relaxed);
    s.fsyncs = _fsyncs.load(std::memory_order_relaxed);
    s.write_errors = _write_errors.load(std::memory_order_relaxed);
    s.open_files = _open_files.load(std::memory_order_relaxed);
    s.disk_bytes = _budget.bytes();
    s.max_disk_bytes = _budget.max_bytes();
    s.budget_refused = _budget_refused.load(std::memory_order_relaxed);
    s.budget_waits = _budget_waits.load(std::memory_order_relaxed);
    s.writable = _writable.load(std::memory_order_relaxed);
    s.over_budget = _budget.over();
    return s;
}

// ---- opening, sequence numbers, recovery

bool spool_writer::open() {
    if (_opened) return true;
    if (std::string e = validate_spool_config(_config); !e.empty()) {
        std::lock_guard<std::mutex> g(_error_mutex);
        _last_error = "spool: " + e;
        count(_write_errors);
        return false;
    }
    if (int rc = _ring.init(256); rc < 0) {
        fail("io_uring_queue_init for", _config.dir, -rc);
        return false;
    }
    // One row beyond a block's bytes: the verdict row is the widest of the tables.
    static_assert(avro_verdict_max_bytes >= avro_aggregate_max_bytes && avro_verdict_max_bytes >= avro_spike_max_bytes &&
                  avro_verdict_max_bytes >= avro_outcome_max_bytes);
    const std::size_t buf_bytes = avro_block_header_max + _config.block_bytes + avro_verdict_max_bytes +
                                  avro_sync_bytes + 8192;  // + room for a file header
    const std::size_t n_buffers = 2 * _config.max_open_files + 8;
    _buffers.resize(n_buffers);
    for (std::size_t i = 0; i < n_buffers; ++i) {
        _buffers[i].mem.reset(new uint8_t[buf_bytes]);
        _free_buffers.push_back(static_cast<int>(n_buffers - 1 - i));
    }
    _slots.resize(_config.max_open_files);

    std::error_code ec;
    fs::create_directories(_config.dir, ec);
    if (ec) {
        fail("cannot create directory", _config.dir, ec.value());
        return false;
    }
    const std::string lock_path = _config.dir + "/.lock";
    _lock_fd = ::open(lock_path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
    if (_lock_fd < 0) {
        fail("cannot open", lock_path, errno);
        return false;
    }
    if (flock(_lock_fd, LOCK_EX | LOCK_NB) != 0) {
        fail("another process holds the spool lock", lock_path, errno);
        return false;
    }
    if (!recover()) return false;
    if (!reserve_seq()) return false;
    // What earlier runs left (not uploaded yet) counts against the budget from the start.
    if (!_budget.scan(_config.dir, now_ms())) {
        fail("cannot measure the spool files in", _config.dir, EIO);
        return false;
    }
    warn_if_disk_below_budget();
    _opened = true;
    _last_sync_ms = now_ms();
    _writable.store(true, std::memory_order_relaxed);
    return true;
}

bool spool_writer::reserve_seq() {
    const std::string path = _config.dir + "/.spool-seq";
    if (_seq_fd < 0) {
        _seq_fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (_seq_fd < 0) {
            fail("cannot open", path, errno);
            return false;
        }
        char buf[32] = {};
        if (pread(_seq_fd, buf, sizeof buf - 1, 0) > 0) {
            uint64_t v = std::strtoull(buf, nullptr, 10);
            _seq_next = std::max(_seq_next, v);
        }
    }
    // The seq file holds the first number not yet handed out by any run, so a restart
    // (even after kill -9) never reuses a file name, and so never an S3 key.
    char buf[24];
    std::snprintf(buf, sizeof buf, "%020llu\n", static_cast<unsigned long long>(_seq_next + seq_chunk));
    if (pwrite(_seq_fd, buf, 21, 0) != 21) {
        fail("cannot write", path, errno ? errno : EIO);
        return false;
    }
    if (int rc = fsync_wait(_seq_fd); rc < 0) {
        fail("cannot fsync", path, -rc);
        return false;
    }
    _seq_reserved = _seq_next + seq_chunk;
    return true;
}

int spool_writer::fsync_wait(int fd) noexcept {
    if (!_ring.queue_fsync(fd, wait_tag)) return -EBUSY;
    _wait_result = 1;
    while (_wait_result == 1) {
        int rc = _ring.reap(1, [this](uint64_t ud, int res) { handle_completion(ud, res); });
        if (rc < 0) return rc;
    }
    count(_fsyncs);
    return _wait_result;
}

int spool_writer::fsync_dir(const std::string& dir) noexcept {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return -errno;
    int rc = fsync_wait(fd);
    ::close(fd);
    return rc;
}

bool spool_writer::recover() {
    uint64_t max_seq = 0;
    std::vector<fs::path> torn;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(_config.dir, ec); !ec && it != fs::recursive_directory_iterator();
         it.increment(ec)) {
        if (!it->is_regular_file(ec)) continue;
        const std::string name = it->path().filename().string();
        if (ends_with(name, ".avro.tmp")) torn.push_back(it->path());
        if (ends_with(name, ".avro") || ends_with(name, ".avro.tmp")) max_seq = std::max(max_seq, seq_of(name));
    }
    if (ec) {
        fail("cannot list", _config.dir, ec.value());
        return false;
    }
    _seq_next = std::max(_seq_next, max_seq + 1);

    for (const fs::path& p : torn) {
        const std::string path = p.string();
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) {
            fail("cannot open torn file", path, errno);
            return false;
        }
        struct stat st {};
        fstat(fd, &st);
        std::vector<uint8_t> data(static_cast<std::size_t>(st.st_size));
        std::size_t got = 0;
        while (got < data.size()) {
            ssize_t n = pread(fd, data.data() + got, data.size() - got, static_cast<off_t>(got));
            if (n <= 0) break;
            got += static_cast<std::size_t>(n);
        }
        avro_scan_result r = avro_scan_container(data.data(), got, true);
        const std::string dir = p.parent_path().string();
        if (r.header_ok && r.blocks > 0) {
            // Keep the complete blocks: every row reported durable lies in one (a row is
            // durable only after the fsync covering its whole block), and what follows
            // the last sync marker was never acknowledged.
            if (r.valid_end < got && ftruncate(fd, static_cast<off_t>(r.valid_end)) != 0) {
                fail("cannot truncate torn file", path, errno);
                ::close(fd);
                return false;
            }
            if (int rc = fsync_wait(fd); rc < 0) {
                fail("cannot fsync", path, -rc);
                ::close(fd);
                return false;
            }
            ::close(fd);
            const std::string final_path = path.substr(0, path.size() - 4);  // drop ".tmp"
            if (std::rename(path.c_str(), final_path.c_str()) != 0) {
                fail("cannot rename", path, errno);
                return false;
            }
            count(_files_recovered);
            count(_records_recovered, r.records);
            log_line(log_level::warning, "spool: recovered %s: %llu rows in %llu blocks, %llu torn bytes dropped",
                         final_path.c_str(), static_cast<unsigned long long>(r.records),
                         static_cast<unsigned long long>(r.blocks),
                         static_cast<unsigned long long>(got - r.valid_end));
        } else {
            ::close(fd);
            if (::unlink(path.c_str()) != 0) {
                fail("cannot delete torn file", path, errno);
                return false;
            }
            count(_files_discarded);
        }
        if (int rc = fsync_dir(dir); rc < 0) {
            fail("cannot fsync directory", dir, -rc);
            return false;
        }
    }
    return true;
}

uint64_t spool_writer::next_seq() {
    if (_seq_next >= _seq_reserved && !reserve_seq()) return 0;
    return _seq_next++;
}

// ---- buffers and writes

int spool_writer::take_buffer() noexcept {
    while (_free_buffers.empty()) {
        int rc = _ring.reap(1, [this](uint64_t ud, int res) { handle_completion(ud, res); });
        if (rc < 0) return -1;
    }
    int b = _free_buffers.back();
    _free_buffers.pop_back();
    return b;
}

void spool_writer::handle_completion(uint64_t ud, int res) noexcept {
    if (ud == wait_tag) {
        _wait_result = res < 0 ? res : 0;
        return;
    }
    if (ud & fsync_tag) {
        file_slot& f = _slots[ud & 0xffffffffu];
        --_fsyncs_pending;
        count(_fsyncs);
        if (res < 0) [[unlikely]] {
            if (!f.failed) fail("fsync", _config.dir + "/" + f.dir_rel + "/" + f.name + ".tmp", -res);
            f.failed = true;
            return;
        }
        if (f.records_sealed > f.records_durable) {
            count(_durable[static_cast<int>(f.table)], f.records_sealed - f.records_durable);
            f.records_durable = f.records_sealed;
        }
        return;
    }
    buffer& b = _buffers[ud];
    file_slot& f = _slots[b.slot];
    if (res < 0 || (res == 0 && b.end > b.start)) [[unlikely]] {
        if (!f.failed) fail("write", _config.dir + "/" + f.dir_rel + "/" + f.name + ".tmp", res < 0 ? -res : ENOSPC);
        f.failed = true;
    } else if (static_cast<std::size_t>(res) < b.end - b.start) [[unlikely]] {
        // Short write (e.g. the disk filled mid-block): write the rest; the next attempt
        // reports the error if there is one.
        count(_bytes_written, static_cast<uint64_t>(res));
        b.start += static_cast<std::size_t>(res);
        b.off += static_cast<uint64_t>(res);
        if (_ring.queue_write(f.fd, b.mem.get() + b.start, b.end - b.start, b.off, ud)) {
            _ring.submit();
            return;
        }
        if (!f.failed) fail("write", _config.dir + "/" + f.dir_rel + "/" + f.name + ".tmp", EBUSY);
        f.failed = true;
    } else {
        count(_bytes_written, static_cast<uint64_t>(res));
    }
    --_inflight;
    b.slot = -1;
    _free_buffers.push_back(static_cast<int>(ud));
}

bool spool_writer::submit_buffer(file_slot& f, int bi, std::size_t start, std::size_t end) noexcept {
    buffer& b = _buffers[bi];
    b.slot = static_cast<int>(&f - _slots.data());
    b.start = start;
    b.end = end;
    b.off = f.off;
    f.off += end - start;
    f.dirty = true;
    _budget.wrote(end - start);
    if (!_ring.queue_write(f.fd, b.mem.get() + start, end - start, b.off, static_cast<uint64_t>(bi))) [[unlikely]] {
        fail("queue write for", _config.dir + "/" + f.dir_rel + "/" + f.name + ".tmp", EBUSY);
        f.failed = true;
        b.slot = -1;
        _free_buffers.push_back(bi);
        return false;
    }
    ++_inflight;
    _ring.submit();
    return true;
}

bool spool_writer::seal_block(file_slot& f) noexcept {
    if (f.buf < 0 || f.buf_records == 0) return true;
    const int bi = f.buf;
    const std::size_t start = avro_seal_block(_buffers[bi].mem.get(), f.buf_len, f.buf_records, f.sync);
    const std::size_t end = avro_block_header_max + f.buf_len + avro_sync_bytes;
    f.records_sealed += f.buf_records;
    f.buf = -1;
    f.buf_len = 0;
    f.buf_records = 0;
    count(_blocks_written);
    return submit_buffer(f, bi, start, end);
}

bool spool_writer::wait_writes() noexcept {
    while (_inflight > 0) {
        int rc = _ring.reap(1, [this](uint64_t ud, int res) { handle_completion(ud, res); });
        if (rc < 0) return false;
    }
    return true;
}

// ---- slots

spool_writer::file_slot* spool_writer::slot_for(spool_table t, int64_t hour) noexcept {
    const int cached = _last_slot[static_cast<int>(t)];
    if (cached >= 0) {
        file_slot& f = _slots[cached];
        if (f.used && !f.failed && f.table == t && f.hour == hour) [[likely]] return &f;
    }
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        file_slot& f = _slots[i];
        if (f.used && !f.failed && f.table == t && f.hour == hour) {
            _last_slot[static_cast<int>(t)] = static_cast<int>(i);
            return &f;
        }
    }
    return open_slot(t, hour);
}

spool_writer::file_slot* spool_writer::open_slot(spool_table t, int64_t hour) noexcept {
    // A late or early event for a partition with no open file: open one; when all slots
    // are busy, complete the least recently used file first.
    int free_i = -1;
    int lru = -1;
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        if (!_slots[i].used) {
            free_i = static_cast<int>(i);
            break;
        }
        if (lru < 0 || _slots[i].last_use < _slots[lru].last_use) lru = static_cast<int>(i);
    }
    if (free_i < 0) {
        std::vector<char> mask(_slots.size(), 0);
        mask[lru] = 1;
        sync_files(mask.data());
        free_i = lru;
        if (_slots[free_i].used) return nullptr;
    }
    file_slot& f = _slots[free_i];
    try {
        f.dir_rel = partition_for_hour(t, hour);
        const uint64_t seq = next_seq();
        if (seq == 0) return nullptr;
        char name[300];
        std::snprintf(name, sizeof name, "%s-%012llu.avro", _config.host.c_str(), static_cast<unsigned long long>(seq));
        f.name = name;
        // Create the partition directories one level at a time and fsync the parent of
        // each new one, so a file's directory entry is as durable as its data. The
        // uploader removes partition directories it emptied; if it does so between
        // our mkdir of a level and the next one (mkdir fails with ENOENT: dt= went
        // before hour= was made) or between our mkdir and open (the open fails with
        // ENOENT), the walk runs again.
        constexpr int walks = 4;
        std::string dir;
        int open_errno = 0;
        for (int attempt = 0; attempt < walks; ++attempt) {
            dir = _config.dir;
            std::size_t pos = 0;
            bool parent_vanished = false;
            while (pos <= f.dir_rel.size()) {
                std::size_t slash = f.dir_rel.find('/', pos);
                if (slash == std::string::npos) slash = f.dir_rel.size();
                const std::string parent = dir;
                dir.push_back('/');
                dir.append(f.dir_rel, pos, slash - pos);
                if (::mkdir(dir.c_str(), 0755) == 0) {
                    if (int rc = fsync_dir(parent); rc < 0) {
                        fail("cannot fsync directory", parent, -rc);
                        return nullptr;
                    }
                } else if (errno == ENOENT && attempt + 1 < walks) {
                    parent_vanished = true;
                    break;
                } else if (errno != EEXIST) {
                    fail("cannot create directory", dir, errno);
                    return nullptr;
                }
                pos = slash + 1;
            }
            if (parent_vanished) continue;
            f.fd = ::open((dir + "/" + f.name + ".tmp").c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0644);
            open_errno = errno;
            if (f.fd >= 0 || open_errno != ENOENT) break;
        }
        const std::string tmp = dir + "/" + f.name + ".tmp";
        if (f.fd < 0) {
            fail("cannot create", tmp, open_errno);
            return nullptr;
        }
        if (int rc = fsync_dir(dir); rc < 0) {
            fail("cannot fsync directory", dir, -rc);
            ::close(f.fd);
            ::unlink(tmp.c_str());
            f.fd = -1;
            return nullptr;
        }
    } catch (...) {  // std::bad_alloc building paths: refuse rather than crash
        fail("out of memory opening a file in", _config.dir, ENOMEM);
        return nullptr;
    }
    if (getrandom(f.sync, sizeof f.sync, 0) != static_cast<ssize_t>(sizeof f.sync)) {
        // The marker only has to be unlikely to occur in the data; fall back to time bits.
        uint64_t x = static_cast<uint64_t>(now_ms()) * 0x9e3779b97f4a7c15ull ^ reinterpret_cast<uintptr_t>(&f);
        for (std::size_t i = 0; i < sizeof f.sync; ++i, x = x * 6364136223846793005ull + 1442695040888963407ull)
            f.sync[i] = static_cast<uint8_t>(x >> 56);
    }
    f.used = true;
    f.failed = false;
    f.dirty = false;
    f.table = t;
    f.hour = hour;
    f.off = 0;
    f.buf = -1;
    f.buf_len = 0;
    f.buf_records = f.records = f.records_sealed = f.records_durable = 0;
    f.opened_ms = now_ms();
    f.last_use = ++_use_clock;
    count(_open_files);
    _last_slot[static_cast<int>(t)] = free_i;

    const int bi = take_buffer();
    if (bi < 0) {
        f.failed = true;
        fail("no write buffer for", f.name, EIO);
        return nullptr;
    }
    const std::string_view schema = avro_schema_json(t);
    const std::size_t hlen = avro_write_header(schema, f.sync, _buffers[bi].mem.get(),
                                               avro_block_header_max + _config.block_bytes);
    if (!submit_buffer(f, bi, 0, hlen)) return nullptr;
    return &f;
}

uint8_t* spool_writer::reserve(file_slot& f, std::size_t max_bytes) noexcept {
    if (f.buf >= 0 && f.buf_len + max_bytes > _config.block_bytes) seal_block(f);
    if (f.buf < 0) {
        f.buf = take_buffer();
        if (f.buf < 0) [[unlikely]] return nullptr;
    }
    return _buffers[f.buf].mem.get() + avro_block_header_max + f.buf_len;
}

void spool_writer::commit(file_slot& f, std::size_t bytes) noexcept {
    f.buf_len += bytes;
    ++f.buf_records;
    ++f.records;
    f.last_use = ++_use_clock;
    count(_appended[static_cast<int>(f.table)]);
    if (f.off + f.buf_len >= _config.max_file_bytes) [[unlikely]] {
        std::vector<char> mask(_slots.size(), 0);
        mask[&f - _slots.data()] = 1;
        sync_files(mask.data());
    }
}

sink_answer spool_writer::offer(const Verdict& v) noexcept {
    if (!_writable.load(std::memory_order_relaxed) || refused_by_budget()) [[unlikely]] {
        count(_refused);
        return sink_answer::refused;
    }
    const int64_t hour = floor_div(v.txn.event_time_ms, ms_per_hour);
    file_slot* f = slot_for(spool_table::scored, hour);
    uint8_t* out = f ? reserve(*f, avro_verdict_max_bytes) : nullptr;
    if (!out) [[unlikely]] {
        count(_refused);
        return sink_answer::refused;
    }
    const std::size_t n = encode_verdict_avro(v, _names, out);
    commit(*f, n);
    if (v.alert && _config.write_alerts) {
        file_slot* a = slot_for(spool_table::alerts, hour);
        uint8_t* ao = a ? reserve(*a, avro_verdict_max_bytes) : nullptr;
        if (!ao) [[unlikely]] {
            // The scored row is in; the alerts row is the one refused.
            count(_refused);
            return sink_answer::refused;
        }
        // Encoded again rather than copied: opening the alerts file may have completed
        // (and recycled the buffer of) the scored file.
        encode_verdict_avro(v, _names, ao);
        commit(*a, n);
    }
    return sink_answer::accepted;
}

sink_answer spool_writer::offer(const reject_record& r) noexcept {
    const int64_t hour = floor_div(floor_div(r.rx_ns, 1'000'000), ms_per_hour);
    uint8_t* out = nullptr;
    file_slot* f = reserve_row(spool_table::rejects, hour, avro_reject_max_bytes, out);
    if (!f) [[unlikely]]
        return sink_answer::refused;
    commit(*f, encode_reject_avro(r, out));
    return sink_answer::accepted;
}

// An outcome's event time is its request's; the response's arrival is what the outcome
// is, and what a reader of an hour's outcomes asks for.
sink_answer spool_writer::offer_outcome(const Verdict& v) noexcept {
    const int64_t hour = floor_div(floor_div(v.rx_ns, 1'000'000), ms_per_hour);
    uint8_t* out = nullptr;
    file_slot* f = reserve_row(spool_table::outcomes, hour, avro_outcome_max_bytes, out);
    if (!f) [[unlikely]]
        return sink_answer::refused;
    commit(*f, encode_outcome_avro(v, out));
    return sink_answer::accepted;
}

spool_writer::file_slot* spool_writer::reserve_row(spool_table t, int64_t hour, std::size_t max_bytes,
                                                   uint8_t*& out, bool derived) noexcept {
    std::atomic<uint64_t>& refusals = derived ? _derived_refused : _refused;
    if (!_writable.load(std::memory_order_relaxed) || refused_by_budget(derived)) [[unlikely]] {
        count(refusals);
        return nullptr;
    }
    file_slot* f = slot_for(t, hour);
    out = f ? reserve(*f, max_bytes) : nullptr;
    if (!out) [[unlikely]] {
        count(refusals);
        return nullptr;
    }
    return f;
}

// Aggregates and spikes belong to their window: a window's rows and its corrections
// land in the window's hour, wherever the watermark was when they were emitted.
sink_answer spool_writer::offer(const aggregate_record& r) noexcept {
    const int64_t hour = floor_div(r.window_start_ms, ms_per_hour);
    uint8_t* out = nullptr;
    file_slot* f = reserve_row(spool_table::aggregates, hour, avro_aggregate_max_bytes, out, true);
    if (!f) [[unlikely]]
        return sink_answer::refused;
    commit(*f, encode_aggregate_avro(r, out));
    return sink_answer::accepted;
}

sink_answer spool_writer::offer(const spike_event& s) noexcept {
    const int64_t hour = floor_div(s.window_start_ms, ms_per_hour);
    uint8_t* out = nullptr;
    file_slot* f = reserve_row(spool_table::spikes, hour, avro_spike_max_bytes, out, true);
    if (!f) [[unlikely]]
        return sink_answer::refused;
    commit(*f, encode_spike_avro(s, out));
    return sink_answer::accepted;
}

// ---- disk budget

void spool_writer::warn_if_disk_below_budget() const noexcept {
    struct statvfs vfs {};
    if (::statvfs(_config.dir.c_str(), &vfs) != 0) return;
    const uint64_t room = static_cast<uint64_t>(vfs.f_bavail) * vfs.f_frsize + _budget.bytes();
    if (room < _budget.max_bytes())
        log_line(log_level::error, "spool: warning: %s has room for %llu bytes of spool files, less than spool.max_bytes (%llu): "
                     "the disk fills first, and rows are then refused or lost as write errors",
                     _config.dir.c_str(), static_cast<unsigned long long>(room),
                     static_cast<unsigned long long>(_budget.max_bytes()));
}

bool spool_writer::refused_by_budget(bool derived) noexcept {
    if (!_config.refuse_over_budget || !_budget.over()) [[likely]]
        return false;
    if (!derived) count(_budget_refused);
    return true;
}

bool spool_writer::holding() noexcept {
    const bool wait = !_config.refuse_over_budget && _budget.over();
    if (wait && !_waiting) {
        count(_budget_waits);
        // Completed files are what an uploader can take and delete.
        _complete_for_upload = true;
    }
    _waiting = wait;
    return wait;
}

// ---- sync, completion, housekeeping

void spool_writer::abandon(file_slot& f) noexcept {
    // The rows this file held past its last good fsync are reported, never dropped
    // silently; the .tmp stays on disk and the next open() recovers its durable blocks.
    if (f.records > f.records_durable) count(_lost, f.records - f.records_durable);
    if (f.buf >= 0) {
        _free_buffers.push_back(f.buf);
        f.buf = -1;
    }
    if (f.fd >= 0) ::close(f.fd);
    f.fd = -1;
    f.used = false;
    f.failed = false;
    count(_open_files, static_cast<uint64_t>(-1));
}

bool spool_writer::sync_files(const char* complete) noexcept {
    bool ok = true;
    for (std::size_t i = 0; i < _slots.size(); ++i)
        if (_slots[i].used && !_slots[i].failed) seal_block(_slots[i]);
    if (!wait_writes()) ok = false;
    _fsyncs_pending = 0;
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        file_slot& f = _slots[i];
        if (!f.used || f.failed || !f.dirty) continue;
        f.dirty = false;
        if (_ring.queue_fsync(f.fd, fsync_tag | i)) ++_fsyncs_pending;
    }
    // All fsyncs go to the kernel in one submit and run in parallel.
    while (_fsyncs_pending > 0) {
        if (_ring.reap(1, [this](uint64_t ud, int res) { handle_completion(ud, res); }) < 0) {
            ok = false;
            break;
        }
    }
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        file_slot& f = _slots[i];
        if (!f.used) continue;
        if (f.failed) {
            ok = false;
            abandon(f);
            continue;
        }
        if (!complete || !complete[i]) continue;
        const std::string dir = _config.dir + "/" + f.dir_rel;
        const std::string final_path = dir + "/" + f.name;
        const std::string tmp = final_path + ".tmp";
        ::close(f.fd);
        f.fd = -1;
        if (std::rename(tmp.c_str(), final_path.c_str()) != 0) {
            fail("cannot rename", tmp, errno);
            abandon(f);
            ok = false;
            continue;
        }
        if (int rc = fsync_dir(dir); rc < 0) {
            fail("cannot fsync directory", dir, -rc);
            abandon(f);
            ok = false;
            continue;
        }
        f.used = false;
        count(_open_files, static_cast<uint64_t>(-1));
        count(_files_completed);
        if (_uploader) _uploader->enqueue(f.dir_rel + "/" + f.name);
        if (_listener) _listener(f.dir_rel + "/" + f.name);
    }
    _last_sync_ms = now_ms();
    return ok;
}

bool spool_writer::sync() {
    if (!_opened) return false;
    return sync_files(nullptr);
}

void spool_writer::tick() noexcept {
    if (!_opened) return;
    const int64_t now = now_ms();
    bool any_failed = false;
    std::vector<char> mask(_slots.size(), 0);
    bool any_old = false;
    for (std::size_t i = 0; i < _slots.size(); ++i) {
        if (!_slots[i].used) continue;
        any_failed |= _slots[i].failed;
        if (now - _slots[i].opened_ms >= static_cast<int64_t>(_config.max_file_age_ms)) {
            mask[i] = 1;
            any_old = true;
        }
    }
    if (_complete_for_upload) {
        std::fill(mask.begin(), mask.end(), 1);
        _complete_for_upload = false;
        any_old = true;
    }
    const bool scan = _budget.scan_due(now);
    if (any_old || any_failed || scan || now - _last_sync_ms >= static_cast<int64_t>(_config.sync_interval_ms)) {
        sync_files(mask.data());
        // After the sync no write is in flight: the scan sees every byte submitted.
        if (scan) _budget.scan(_config.dir, now);
    } else {
        _ring.reap(0, [this](uint64_t ud, int res) { handle_completion(ud, res); });
    }
    if (!_writable.load(std::memory_order_relaxed) && now - _error_at_ms >= static_cast<int64_t>(_config.error_retry_ms))
        _writable.store(true, std::memory_order_relaxed);  // probe: the next append retries the disk
}

bool spool_writer::close() {
    if (!_opened) return true;
    std::vector<char> mask(_slots.size(), 1);
    bool ok = sync_files(mask.data());
    wait_writes();
    return ok;
}

}  // namespace txscreen
