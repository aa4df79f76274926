// The capture side of txgen's TCP conversations: turns segments into frames in the
// pcap file on a clock that moves forward by at least 1 us per packet, so capture
// order is time order.
#pragma once

#include <cstdint>
#include <vector>

#include "tools/txgen/pcap_file.h"
#include "tools/txgen/tcp_frame.h"

namespace txscreen::txgen {

class tcp_capture {
public:
    tcp_capture(pcap_file& file, const tcp_endpoints& ends) : _file(file), _ends(ends) { _frame.reserve(9200); }

    // Writes one segment no earlier than `t_us`; returns the capture time used.
    int64_t write(const tcp_header_fields& h, const uint8_t* payload, std::size_t n, int64_t t_us) {
        const int64_t at = t_us > _clock_us ? t_us : _clock_us + 1;
        build_tcp_frame(_frame, _ends, h, payload, n, _ip_id++);
        _file.write(_frame.data(), _frame.size(), at);
        _clock_us = at;
        return at;
    }
    int64_t clock_us() const noexcept { return _clock_us; }
    uint64_t packets() const noexcept { return _file.frames(); }
    const tcp_endpoints& ends() const noexcept { return _ends; }

private:
    pcap_file& _file;
    tcp_endpoints _ends;
    std::vector<uint8_t> _frame;
    uint16_t _ip_id = 0;
    int64_t _clock_us = 0;
};

}  // namespace txscreen::txgen
