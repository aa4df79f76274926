// See bounded_file.h. stat() before open() so that a FIFO or device is refused without
// opening it (opening a FIFO for reading blocks until a writer comes; opening some
// devices has side effects); fstat() after open() so that what is read is what was
// checked, even if the path was swapped in between.
#include "common/bounded_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <system_error>

namespace txscreen {

namespace {

std::string errno_problem(const char* doing, int err) {
    if (err == ENOENT) return "no such file";
    return std::string(doing) + ": " + std::generic_category().message(err);
}

const char* special_file_name(mode_t mode) noexcept {
    if (S_ISCHR(mode)) return "character device";
    if (S_ISBLK(mode)) return "block device";
    if (S_ISFIFO(mode)) return "FIFO";
    if (S_ISSOCK(mode)) return "socket";
    return "special file";
}

// "" for a regular file, else why it is not one.
std::string type_problem(mode_t mode) {
    if (S_ISREG(mode)) return {};
    if (S_ISDIR(mode)) return "is a directory";
    return std::string("not a regular file (") + special_file_name(mode) + ")";
}

std::string limit_text(std::size_t limit) {
    constexpr std::size_t kib = 1024, mib = kib * 1024;
    if (limit >= mib && limit % mib == 0) return std::to_string(limit / mib) + " MiB";
    if (limit >= kib && limit % kib == 0) return std::to_string(limit / kib) + " KiB";
    return std::to_string(limit) + " bytes";
}

std::string too_large(std::size_t limit, const char* what, const std::string& size) {
    return "larger than the " + limit_text(limit) + " limit for a " + what + " (" + size + ")";
}

std::string size_problem(const struct stat& st, std::size_t limit, const char* what) {
    if (static_cast<unsigned long long>(st.st_size) <= limit) return {};
    return too_large(limit, what, std::to_string(st.st_size) + " bytes");
}

// Closes the descriptor on every path out.
struct fd_guard {
    int fd = -1;
    ~fd_guard() {
        if (fd >= 0) ::close(fd);
    }
};

// Opens `path` for reading when it is a regular file within the limit: "" and guard.fd
// set, or the problem.
std::string open_checked(const std::string& path, std::size_t limit, const char* what, fd_guard& guard) {
    struct stat st;
    if (::stat(path.c_str(), &st) != 0) return errno_problem("cannot open", errno);
    if (std::string p = type_problem(st.st_mode); !p.empty()) return p;
    if (std::string p = size_problem(st, limit, what); !p.empty()) return p;
    // O_NONBLOCK: should the path have become a FIFO since stat(), open() still returns.
    guard.fd = ::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_CLOEXEC | O_NOCTTY);
    if (guard.fd < 0) return errno_problem("cannot open", errno);
    if (::fstat(guard.fd, &st) != 0) return errno_problem("cannot open", errno);
    if (std::string p = type_problem(st.st_mode); !p.empty()) return p;
    return size_problem(st, limit, what);
}

// Reads at most limit + 1 bytes: a file that grew since fstat(), or one that reports a
// size of 0 but has contents (/proc), is still bounded.
std::string read_all(int fd, std::size_t limit, const char* what, std::string& out) {
    constexpr std::size_t first_chunk = 64 * 1024;
    std::size_t used = 0;
    for (;;) {
        if (used == out.size()) {
            if (used > limit) return too_large(limit, what, "more than " + std::to_string(limit) + " bytes");
            out.resize(std::min(std::max(used * 2, first_chunk), limit + 1));
        }
        ssize_t n = ::read(fd, out.data() + used, out.size() - used);
        if (n == 0) break;
        if (n < 0) {
            if (errno == EINTR) continue;
            return errno_problem("cannot read", errno);
        }
        used += static_cast<std::size_t>(n);
    }
    out.resize(used);
    if (used > limit) return too_large(limit, what, "more than " + std::to_string(limit) + " bytes");
    return {};
}

}  // namespace

std::size_t input_limit(input_kind kind) noexcept {
    return kind == input_kind::model ? model_input_limit : default_input_limit;
}

const char* input_kind_name(input_kind kind) noexcept {
    switch (kind) {
        case input_kind::config: return "config file";
        case input_kind::rules: return "rules file";
        case input_kind::patterns: return "pattern file";
        case input_kind::dialect: return "dialect file";
        case input_kind::tls_pem: return "TLS PEM file";
        case input_kind::model: return "model file";
    }
    return "file";
}

input_file read_bounded_file(const std::string& path, std::size_t limit, const char* what) {
    input_file res;
    fd_guard guard;
    res.problem = open_checked(path, limit, what, guard);
    if (!res.ok()) return res;
    res.problem = read_all(guard.fd, limit, what, res.text);
    if (!res.ok()) res.text.clear();
    return res;
}

input_file read_input_file(const std::string& path, input_kind kind) {
    return read_bounded_file(path, input_limit(kind), input_kind_name(kind));
}

std::string check_bounded_file(const std::string& path, std::size_t limit, const char* what) {
    fd_guard guard;
    return open_checked(path, limit, what, guard);
}

std::string check_input_file(const std::string& path, input_kind kind) {
    return check_bounded_file(path, input_limit(kind), input_kind_name(kind));
}

}  // namespace txscreen
