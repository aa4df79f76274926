#include "controlplane/webhook/webhook_dead_letter.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>

#include <nlohmann/json.hpp>

#include "controlplane/verdict_json.h"

namespace txscreen {

webhook_dead_letter::webhook_dead_letter(std::string path, std::string webhook_name)
    : _path(std::move(path)), _name(std::move(webhook_name)) {}

webhook_dead_letter::~webhook_dead_letter() {
    if (_fd >= 0) ::close(_fd);
}

bool webhook_dead_letter::write(const std::string& idempotency_key, const std::string& body, int attempts,
                                const std::string& why, std::string& error) noexcept {
    try {
        if (_fd < 0) _fd = ::open(_path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
        if (_fd < 0) {
            error = "cannot open " + _path + ": " + std::strerror(errno);
            return false;
        }
        const int64_t now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                                   std::chrono::system_clock::now().time_since_epoch()).count();
        char time[32];
        nlohmann::ordered_json line = {{"time", std::string(time, write_rfc3339_ms(now_ms, time))},
                                       {"webhook", _name},
                                       {"idempotency_key", idempotency_key},
                                       {"attempts", attempts},
                                       {"error", why},
                                       {"body", body}};
        const std::string text = line.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace) + "\n";
        // O_APPEND: one write() of a whole line lands in one piece.
        if (::write(_fd, text.data(), text.size()) != static_cast<ssize_t>(text.size()) || ::fdatasync(_fd) != 0) {
            error = "cannot write " + _path + ": " + std::strerror(errno);
            return false;
        }
        return true;
    } catch (const std::exception& e) {
        error = std::string("dead letter: ") + e.what();
        return false;
    }
}

}  // namespace txscreen
