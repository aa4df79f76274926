// Notifications a webhook endpoint never took (retries spent, or refused for good
// with a 4xx): kept, never silently lost, in <queue dir>/dead-letter.jsonl, one JSON
// object per line, synced as written:
//   {"time":"<RFC 3339>","webhook":"<name>","idempotency_key":"...","attempts":9,
//    "error":"HTTP 400 from https://host/...","body":"<the request body, as a string>"}
// An operator replays them by hand (docs/alerts.md, "Dead letters"). Sender thread only.
#pragma once

#include <cstdint>
#include <string>

namespace txscreen {

class webhook_dead_letter {
public:
    webhook_dead_letter(std::string path, std::string webhook_name);
    ~webhook_dead_letter();
    webhook_dead_letter(const webhook_dead_letter&) = delete;
    webhook_dead_letter& operator=(const webhook_dead_letter&) = delete;

    // Appends and syncs one line. False when it could not be written (`error` says why).
    bool write(const std::string& idempotency_key, const std::string& body, int attempts, const std::string& why,
               std::string& error) noexcept;
    const std::string& path() const noexcept { return _path; }

private:
    std::string _path;
    std::string _name;
    int _fd = -1;
};

}  // namespace txscreen
