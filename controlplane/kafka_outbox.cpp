#include "controlplane/kafka_outbox.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <stdexcept>
#include <vector>

#include "common/log.h"

namespace txscreen {

namespace {

constexpr uint32_t record_magic = 0x424f5854;  // "TXOB" little-endian
constexpr std::size_t header_bytes = 16;
// Larger than any rendered alert (verdict_json_max_bytes) by a wide margin; a length
// beyond it in a header means a torn or foreign file.
constexpr uint32_t max_value_bytes = 1u << 20;
constexpr uint32_t max_key_bytes = 1024;
constexpr std::size_t write_buffer_bytes = 256 * 1024;
constexpr std::size_t read_buffer_bytes = 1024 * 1024;

// CRC-32C (Castagnoli): SSE4.2's crc32 instruction where the CPU has it (8 bytes a
// cycle; a record is ~1 KB), a table otherwise.
std::array<uint32_t, 256> make_crc_table() {
    std::array<uint32_t, 256> t{};
    for (uint32_t i = 0; i < 256; ++i) {
        uint32_t c = i;
        for (int k = 0; k < 8; ++k) c = (c & 1) ? 0x82f63b78u ^ (c >> 1) : c >> 1;
        t[i] = c;
    }
    return t;
}
const std::array<uint32_t, 256> crc_table = make_crc_table();

uint32_t crc32c_table(uint32_t crc, const uint8_t* p, std::size_t n) noexcept {
    for (std::size_t i = 0; i < n; ++i) crc = crc_table[(crc ^ p[i]) & 0xff] ^ (crc >> 8);
    return crc;
}

#if defined(__x86_64__)
__attribute__((target("sse4.2"))) uint32_t crc32c_sse42(uint32_t crc, const uint8_t* p, std::size_t n) noexcept {
    uint64_t c = crc;
    for (; n >= 8; n -= 8, p += 8) {
        uint64_t v;
        std::memcpy(&v, p, 8);
        c = __builtin_ia32_crc32di(c, v);
    }
    auto c32 = static_cast<uint32_t>(c);
    for (; n; --n) c32 = __builtin_ia32_crc32qi(c32, *p++);
    return c32;
}
const bool crc_hw = __builtin_cpu_supports("sse4.2");
#endif

uint32_t crc32_update(uint32_t crc, const void* data, std::size_t n) noexcept {
    const auto* p = static_cast<const uint8_t*>(data);
    crc = ~crc;
#if defined(__x86_64__)
    crc = crc_hw ? crc32c_sse42(crc, p, n) : crc32c_table(crc, p, n);
#else
    crc = crc32c_table(crc, p, n);
#endif
    return ~crc;
}

void put_u32(char* p, uint32_t v) noexcept { std::memcpy(p, &v, 4); }
uint32_t get_u32(const char* p) noexcept {
    uint32_t v;
    std::memcpy(&v, p, 4);
    return v;
}

bool pread_all(int fd, char* buf, std::size_t n, uint64_t off) noexcept {
    while (n) {
        ssize_t r = ::pread(fd, buf, n, static_cast<off_t>(off));
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        buf += r;
        n -= static_cast<std::size_t>(r);
        off += static_cast<uint64_t>(r);
    }
    return true;
}

bool write_all(int fd, const char* buf, std::size_t n) noexcept {
    while (n) {
        ssize_t r = ::write(fd, buf, n);
        if (r < 0 && errno == EINTR) continue;
        if (r <= 0) return false;
        buf += r;
        n -= static_cast<std::size_t>(r);
    }
    return true;
}

std::string errno_text(const std::string& what) { return what + ": " + std::strerror(errno); }

}  // namespace

kafka_outbox::kafka_outbox(std::string dir, uint64_t segment_bytes)
    : _dir(std::move(dir)), _segment_bytes(segment_bytes ? segment_bytes : default_segment_bytes) {
    if (_dir.empty()) throw std::runtime_error("kafka outbox: no directory given");
    std::error_code ec;
    if (std::filesystem::create_directories(_dir, ec))
        std::filesystem::permissions(_dir, std::filesystem::perms(0750), ec);
    if (ec) throw std::runtime_error("kafka outbox: cannot create " + _dir + ": " + ec.message());
    struct stat sb {};
    if (::stat(_dir.c_str(), &sb) != 0 || !S_ISDIR(sb.st_mode))
        throw std::runtime_error("kafka outbox: " + _dir + " is not a directory");
    if (::access(_dir.c_str(), W_OK) != 0) throw std::runtime_error(errno_text("kafka outbox: " + _dir + " is not writable"));
    scan();
}

kafka_outbox::~kafka_outbox() {
    std::lock_guard lock(_mu);
    flush_locked();
    mark_positions_locked();
    if (_reader.fd >= 0) ::close(_reader.fd);
    if (_wfd >= 0) {
        if (_dirty) ::fdatasync(_wfd);
        ::close(_wfd);
        _wfd = -1;
    }
}

std::string kafka_outbox::path_of(uint64_t seq, const char* ext) const {
    char name[48];
    std::snprintf(name, sizeof name, "/outbox-%016llu.%s", static_cast<unsigned long long>(seq), ext);
    return _dir + name;
}

// Records the settled prefix of each segment, so a restart does not publish it again.
void kafka_outbox::mark_positions_locked() noexcept {
    for (auto& [seq, s] : _segments) {
        if (s.read == 0 || s.settled < s.read || s.read_off == s.marked_off) continue;
        const std::string pos = path_of(seq, "pos"), tmp = path_of(seq, "pos.tmp");
        char text[32];
        int n = std::snprintf(text, sizeof text, "%llu\n", static_cast<unsigned long long>(s.read_off));
        int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0640);
        if (fd < 0) continue;
        bool ok = write_all(fd, text, static_cast<std::size_t>(n));
        ::close(fd);
        if (ok && ::rename(tmp.c_str(), pos.c_str()) == 0) s.marked_off = s.read_off;
    }
}

void kafka_outbox::scan() {
    std::vector<uint64_t> seqs;
    if (DIR* d = ::opendir(_dir.c_str())) {
        while (dirent* e = ::readdir(d)) {
            unsigned long long seq = 0;
            char tail[8] = {};
            const std::size_t len = std::strlen(e->d_name);
            if (len == 27 && std::sscanf(e->d_name, "outbox-%16llu.%3s", &seq, tail) == 2 &&
                std::strcmp(tail, "kob") == 0 && seq > 0)
                seqs.push_back(seq);
            else if (len > 8 && std::strncmp(e->d_name, "outbox-", 7) == 0 &&
                     std::strcmp(e->d_name + len - 8, ".pos.tmp") == 0)
                ::unlink((_dir + "/" + e->d_name).c_str());  // a position update cut short
        }
        ::closedir(d);
    } else {
        throw std::runtime_error(errno_text("kafka outbox: cannot read " + _dir));
    }
    std::sort(seqs.begin(), seqs.end());
    for (uint64_t seq : seqs) {
        const std::string path = path_of(seq);
        int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
        if (fd < 0) throw std::runtime_error(errno_text("kafka outbox: cannot open " + path));
        struct stat sb {};
        ::fstat(fd, &sb);
        const auto size = static_cast<uint64_t>(sb.st_size);
        segment s;
        // Where an earlier run stopped reading back (all before it was acked).
        uint64_t mark = 0;
        if (FILE* pf = std::fopen(path_of(seq, "pos").c_str(), "r")) {
            unsigned long long m = 0;
            if (std::fscanf(pf, "%llu", &m) == 1) mark = m;
            std::fclose(pf);
        }
        uint64_t off = 0, n = 0, before_mark = 0;
        record_reader reader{fd};
        while (reader.read(off, size, nullptr, nullptr, n)) {
            off += n;
            ++s.records;
            if (off == mark) before_mark = s.records;
        }
        if (before_mark) {
            s.read = s.settled = before_mark;
            s.read_off = s.marked_off = mark;
        }
        if (off < size) {
            log_line(log_level::warning, "kafka outbox: %s: torn or corrupt after %llu records; cutting %llu bytes",
                         path.c_str(), static_cast<unsigned long long>(s.records),
                         static_cast<unsigned long long>(size - off));
            _st.torn_bytes += size - off;
            if (::ftruncate(fd, static_cast<off_t>(off)) != 0 || ::fsync(fd) != 0) {
                ::close(fd);
                throw std::runtime_error(errno_text("kafka outbox: cannot truncate " + path));
            }
        }
        ::close(fd);
        _next_seq = seq + 1;
        if (s.records == s.read) {  // empty, or read back and acked in full
            ::unlink(path.c_str());
            ::unlink(path_of(seq, "pos").c_str());
            continue;
        }
        s.bytes = off;
        s.sealed = true;
        _st.recovered += s.records - s.read;
        _disk_bytes.fetch_add(s.bytes, std::memory_order_relaxed);
        _segments.emplace(seq, s);
        _backlog.fetch_add(s.records - s.read, std::memory_order_release);
    }
    if (_st.recovered)
        log_line(log_level::info, "kafka outbox: %llu alerts in %s from an earlier run will be published",
                     static_cast<unsigned long long>(_st.recovered), _dir.c_str());
}

bool kafka_outbox::append(std::string_view key, std::string_view value) noexcept {
    if (key.size() > max_key_bytes || value.size() > max_value_bytes) {
        std::lock_guard lock(_mu);
        ++_st.write_errors;
        _error = "record too large for the outbox";
        return false;
    }
    std::lock_guard lock(_mu);
    if (_wseq == 0 || _segments[_wseq].bytes >= _segment_bytes) {
        if (_wseq) seal_locked();
        const uint64_t seq = _next_seq;
        const std::string path = path_of(seq);
        int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd < 0) {
            ++_st.write_errors;
            _error = errno_text("cannot create " + path);
            return false;
        }
        ++_next_seq;
        _wfd = fd;
        _wseq = seq;
        _segments.emplace(seq, segment{});
    }
    char h[header_bytes];
    put_u32(h, record_magic);
    put_u32(h + 4, static_cast<uint32_t>(key.size()));
    put_u32(h + 8, static_cast<uint32_t>(value.size()));
    put_u32(h + 12, crc32_update(crc32_update(0, key.data(), key.size()), value.data(), value.size()));
    try {
        _wbuf.append(h, header_bytes);
        _wbuf.append(key);
        _wbuf.append(value);
    } catch (...) {
        ++_st.write_errors;
        _error = "out of memory";
        return false;
    }
    segment& s = _segments[_wseq];
    ++s.records;
    s.bytes += header_bytes + key.size() + value.size();
    _disk_bytes.fetch_add(header_bytes + key.size() + value.size(), std::memory_order_relaxed);
    ++_st.appended;
    ++_wbuf_records;
    _backlog.fetch_add(1, std::memory_order_release);
    if (_wbuf.size() >= write_buffer_bytes) flush_locked();
    return true;
}

bool kafka_outbox::flush_locked() noexcept {
    if (_wbuf.empty() || _wfd < 0) return true;
    if (!write_all(_wfd, _wbuf.data(), _wbuf.size())) {
        // Disk full or an I/O error: the buffered records are lost (counted). The
        // segment is closed at its last whole write, so readers never see a partial
        // record, and the next append tries a fresh segment.
        _error = errno_text("write " + path_of(_wseq));
        log_line(log_level::error, "kafka outbox: %s; %llu alerts not saved", _error.c_str(),
                     static_cast<unsigned long long>(_wbuf_records));
        segment& s = _segments[_wseq];
        s.records -= _wbuf_records;
        s.bytes -= _wbuf.size();
        _disk_bytes.fetch_sub(_wbuf.size(), std::memory_order_relaxed);
        s.sealed = true;
        _st.write_errors += 1;
        _st.lost += _wbuf_records;
        _backlog.fetch_sub(_wbuf_records, std::memory_order_release);
        _wbuf.clear();
        _wbuf_records = 0;
        ::close(_wfd);
        _wfd = -1;
        const uint64_t seq = _wseq;
        _wseq = 0;
        _dirty = false;
        maybe_delete_locked(seq);
        return false;
    }
    _wbuf.clear();
    _wbuf_records = 0;
    _dirty = true;
    return true;
}

void kafka_outbox::seal_locked() noexcept {
    if (_wseq == 0) return;
    if (!flush_locked()) return;  // already closed
    if (_dirty) {
        ::fdatasync(_wfd);
        ++_st.syncs;
        _dirty = false;
    }
    ::close(_wfd);
    _wfd = -1;
    const uint64_t seq = _wseq;
    _wseq = 0;
    _segments[seq].sealed = true;
    maybe_delete_locked(seq);
}

bool kafka_outbox::sync() noexcept {
    std::lock_guard lock(_mu);
    bool ok = flush_locked();
    mark_positions_locked();
    if (_dirty && _wfd >= 0) {
        if (::fdatasync(_wfd) != 0) {
            ++_st.write_errors;
            _error = errno_text("fdatasync " + path_of(_wseq));
            ok = false;
        }
        ++_st.syncs;
        _dirty = false;
    }
    return ok;
}

bool kafka_outbox::peek(std::string& key, std::string& value, uint64_t& seg) {
    std::lock_guard lock(_mu);
    _peeked = false;
    // Records still in the append buffer are read from the file: write them first.
    if (!_wbuf.empty()) flush_locked();
    std::vector<uint64_t> skipped_segments;
    for (auto& [seq, s] : _segments) {
        if (s.read == s.records) continue;
        const std::string path = path_of(seq);
        if (_rseq != seq) {  // one read descriptor, kept while the segment is read
            if (_reader.fd >= 0) ::close(_reader.fd);
            _reader.fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
            _reader.buf_len = 0;
            _rseq = _reader.fd >= 0 ? seq : 0;
            if (_reader.fd < 0) return false;
        }
        uint64_t n = 0;
        bool ok = _reader.read(s.read_off, s.bytes, &key, &value, n);
        if (!ok) {
            // Unreadable (a failed write left a hole): skip the rest of this segment.
            log_line(log_level::warning, "kafka outbox: %s unreadable at offset %llu; %llu records skipped",
                         path.c_str(), static_cast<unsigned long long>(s.read_off),
                         static_cast<unsigned long long>(s.records - s.read));
            const uint64_t skipped = s.records - s.read;
            s.read = s.records;
            s.settled += skipped;
            _st.lost += skipped;
            _backlog.fetch_sub(skipped, std::memory_order_release);
            skipped_segments.push_back(seq);
            continue;
        }
        _peeked = true;
        _peek_seq = seq;
        _peek_len = n;
        seg = seq;
        break;
    }
    for (uint64_t seq : skipped_segments) {
        if (seq == _wseq) seal_locked();
        else maybe_delete_locked(seq);
    }
    return _peeked;
}

bool kafka_outbox::record_reader::read(uint64_t off, uint64_t limit, std::string* key, std::string* value,
                                        uint64_t& record_bytes) {
    auto inside = [&](uint64_t len) { return off >= buf_off && off + len <= buf_off + buf_len; };
    auto refill = [&](uint64_t need) {
        const uint64_t len = std::min<uint64_t>(std::max<uint64_t>(need, read_buffer_bytes), limit - off);
        if (buf.size() < len) buf.resize(len);
        buf_len = 0;
        if (!pread_all(fd, buf.data(), len, off)) return false;
        buf_off = off;
        buf_len = len;
        return true;
    };
    if (off + header_bytes > limit) return false;
    if (!inside(header_bytes) && !refill(header_bytes)) return false;
    const char* h = buf.data() + (off - buf_off);
    const uint32_t klen = get_u32(h + 4), vlen = get_u32(h + 8), crc = get_u32(h + 12);
    if (get_u32(h) != record_magic || klen > max_key_bytes || vlen > max_value_bytes) return false;
    const uint64_t total = header_bytes + klen + vlen;
    if (off + total > limit) return false;
    if (!inside(total) && !refill(total)) return false;
    const char* body = buf.data() + (off - buf_off) + header_bytes;
    if (crc32_update(0, body, klen + vlen) != crc) return false;
    if (key) key->assign(body, klen);
    if (value) value->assign(body + klen, vlen);
    record_bytes = total;
    return true;
}

void kafka_outbox::pop() noexcept {
    std::lock_guard lock(_mu);
    if (!_peeked) return;
    _peeked = false;
    auto it = _segments.find(_peek_seq);
    if (it == _segments.end()) return;
    segment& s = it->second;
    ++s.read;
    s.read_off += _peek_len;
    ++_st.read;
    _backlog.fetch_sub(1, std::memory_order_release);
    // Caught up with the segment being appended: close it, so it can be deleted once
    // settled; the next append starts a new one.
    if (it->first == _wseq && s.read == s.records) seal_locked();
}

void kafka_outbox::settled(uint64_t seg, uint64_t n) noexcept {
    std::lock_guard lock(_mu);
    auto it = _segments.find(seg);
    if (it == _segments.end()) return;
    it->second.settled += n;
    maybe_delete_locked(seg);
}

void kafka_outbox::maybe_delete_locked(uint64_t seq) noexcept {
    auto it = _segments.find(seq);
    if (it == _segments.end()) return;
    const segment& s = it->second;
    if (!s.sealed || s.read != s.records || s.settled < s.records) return;
    if (_rseq == seq) {
        ::close(_reader.fd);
        _reader.fd = -1;
        _rseq = 0;
    }
    ::unlink(path_of(seq).c_str());
    _disk_bytes.fetch_sub(s.bytes, std::memory_order_relaxed);
    if (s.marked_off) ::unlink(path_of(seq, "pos").c_str());
    _segments.erase(it);
}

kafka_outbox_stats kafka_outbox::stats() const {
    std::lock_guard lock(_mu);
    kafka_outbox_stats s = _st;
    s.backlog = _backlog.load(std::memory_order_acquire);
    s.segments = _segments.size();
    s.bytes = _disk_bytes.load(std::memory_order_relaxed);
    return s;
}

std::string kafka_outbox::last_error() const {
    std::lock_guard lock(_mu);
    return _error;
}

}  // namespace txscreen
