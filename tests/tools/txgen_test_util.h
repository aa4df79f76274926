// Helpers shared by txgen's tests: a temporary directory and an in-memory packet output.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <string>
#include <vector>

#include "tools/txgen/packet_out.h"

namespace txgen_test {

// A fresh directory under $TMPDIR (or /tmp), removed with everything in it on scope exit.
class temp_dir {
public:
    temp_dir() {
        const char* base = std::getenv("TMPDIR");
        std::string tmpl = std::string(base && *base ? base : "/tmp") + "/txgen-test-XXXXXX";
        if (!mkdtemp(tmpl.data())) throw std::runtime_error("mkdtemp failed");
        _path = tmpl;
    }
    ~temp_dir() {
        std::error_code ec;
        std::filesystem::remove_all(_path, ec);
    }
    std::string file(const std::string& name) const { return _path + "/" + name; }

private:
    std::string _path;
};

inline std::vector<uint8_t> read_file(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(f), std::istreambuf_iterator<char>()};
}

// Keeps every datagram "sent", with its port.
class memory_output final : public txscreen::txgen::packet_output {
public:
    struct packet {
        uint16_t port;
        std::vector<uint8_t> bytes;
        int64_t time_ms;
    };
    void send(uint16_t port, const uint8_t* p, std::size_t n, int64_t time_ms) override {
        packets.push_back({port, std::vector<uint8_t>(p, p + n), time_ms});
    }
    std::vector<packet> packets;
};

}  // namespace txgen_test
