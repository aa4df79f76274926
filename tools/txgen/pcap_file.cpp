#include "tools/txgen/pcap_file.h"

#include <cerrno>
#include <cstring>
#include <stdexcept>

namespace txscreen::txgen {

pcap_file::pcap_file(const std::string& path) : _path(path) {
    _f = std::fopen(path.c_str(), "wb");
    if (!_f) throw std::runtime_error("txgen: cannot create " + path + ": " + std::strerror(errno));
    _buf.resize(1 << 20);
    std::setvbuf(_f, _buf.data(), _IOFBF, _buf.size());
    struct {
        uint32_t magic;
        uint16_t major, minor;
        int32_t thiszone;
        uint32_t sigfigs, snaplen, network;
    } gh{pcap_magic_usec, 2, 4, 0, 0, 65535, linktype_ethernet};
    static_assert(sizeof gh == pcap_global_header_len);
    std::fwrite(&gh, sizeof gh, 1, _f);
}

pcap_file::~pcap_file() {
    if (_f) std::fclose(_f);
}

void pcap_file::write(const uint8_t* frame, std::size_t n, int64_t time_us) {
    if (time_us < _last_us) time_us = _last_us;
    _last_us = time_us;
    struct {
        uint32_t sec, usec, incl, orig;
    } rh{static_cast<uint32_t>(time_us / 1000000), static_cast<uint32_t>(time_us % 1000000),
         static_cast<uint32_t>(n), static_cast<uint32_t>(n)};
    static_assert(sizeof rh == pcap_record_header_len);
    std::fwrite(&rh, sizeof rh, 1, _f);
    std::fwrite(frame, 1, n, _f);
    ++_frames;
}

void pcap_file::close() {
    if (!_f) return;
    const bool err = std::ferror(_f) != 0;
    const int rc = std::fclose(_f);
    _f = nullptr;
    if (err || rc != 0) throw std::runtime_error("txgen: writing " + _path + " failed: " + std::strerror(errno));
}

}  // namespace txscreen::txgen
