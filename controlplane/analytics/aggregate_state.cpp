#include "controlplane/analytics/aggregate_state.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <stdexcept>
#include <string_view>

namespace txscreen {

namespace {

std::string failure(const std::string& what, int err) { return what + ": " + std::strerror(err); }

// The folder holding `path`, so the rename itself is made durable.
std::string folder_of(const std::string& path) {
    const auto slash = path.rfind('/');
    if (slash == std::string::npos) return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

std::string sync_folder(const std::string& path) {
    const std::string dir = folder_of(path);
    const int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return failure(dir + ": open", errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    return rc == 0 ? std::string() : failure(dir + ": fsync", err);
}

std::string write_all(int fd, const std::string& text, const std::string& tmp) {
    std::size_t done = 0;
    while (done < text.size()) {
        const ssize_t n = ::write(fd, text.data() + done, text.size() - done);
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) return failure(tmp + ": write", errno);
        done += static_cast<std::size_t>(n);
    }
    if (::fsync(fd) != 0) return failure(tmp + ": fsync", errno);
    return {};
}

}  // namespace

std::optional<int64_t> load_aggregate_state(const std::string& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0 && errno == ENOENT) return std::nullopt;
    if (fd < 0) throw std::runtime_error(failure(path + ": aggregates state: open", errno));
    char buf[64];
    ssize_t n;
    do n = ::read(fd, buf, sizeof buf);
    while (n < 0 && errno == EINTR);
    const int err = errno;
    ::close(fd);
    if (n < 0) throw std::runtime_error(failure(path + ": aggregates state: read", err));
    const std::string_view text(buf, static_cast<std::size_t>(n));
    int64_t value = 0;
    const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
    if (ec != std::errc() || end == text.data() || std::string_view(end, text.data() + text.size() - end) != "\n")
        throw std::runtime_error(path + ": aggregates state: expected one line \"<closed_through_ms>\", got " +
                                 std::to_string(n) + " bytes that are not (delete the file to start afresh: "
                                 "windows emitted before may then be emitted again)");
    return value;
}

std::string save_aggregate_state(const std::string& path, int64_t closed_through_ms) {
    const std::string tmp = path + ".tmp";
    const int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return failure(tmp + ": open", errno);
    std::string err = write_all(fd, std::to_string(closed_through_ms) + "\n", tmp);
    ::close(fd);
    if (err.empty() && ::rename(tmp.c_str(), path.c_str()) != 0) err = failure(path + ": rename", errno);
    if (err.empty()) err = sync_folder(path);
    if (!err.empty()) ::unlink(tmp.c_str());
    return err;
}

}  // namespace txscreen
