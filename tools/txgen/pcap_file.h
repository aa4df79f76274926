// A classic libpcap capture file (microsecond timestamps, LINKTYPE_ETHERNET, snaplen
// 65535, host byte order as libpcap itself writes): the UDP and the TCP writers both
// hand it finished Ethernet frames.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

namespace txscreen::txgen {

inline constexpr uint32_t pcap_magic_usec = 0xa1b2c3d4;
inline constexpr uint32_t linktype_ethernet = 1;
inline constexpr std::size_t pcap_global_header_len = 24;
inline constexpr std::size_t pcap_record_header_len = 16;

class pcap_file {
public:
    // Creates/truncates `path` and writes the global header. Throws std::runtime_error
    // naming the path and the errno text.
    explicit pcap_file(const std::string& path);
    ~pcap_file();
    pcap_file(const pcap_file&) = delete;
    pcap_file& operator=(const pcap_file&) = delete;

    // Writes one frame. Timestamps never go backwards: an earlier `time_us` is written
    // as the latest one so far (equal timestamps are allowed).
    void write(const uint8_t* frame, std::size_t n, int64_t time_us);
    // Flushes and closes; throws std::runtime_error on a write error (disk full...).
    void close();
    uint64_t frames() const noexcept { return _frames; }
    int64_t last_us() const noexcept { return _last_us; }

private:
    std::FILE* _f = nullptr;
    std::string _path;
    int64_t _last_us = 0;
    uint64_t _frames = 0;
    std::vector<char> _buf;
};

}  // namespace txscreen::txgen
