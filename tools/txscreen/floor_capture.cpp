// The capture in memory (floor_capture.h), read with libpcap.
#include "tools/txscreen/floor_capture.h"

#include <pcap/pcap.h>

#include <memory>
#include <stdexcept>

namespace txscreen::floors {

void append_frame(capture_frames& cap, const uint8_t* data, uint32_t length, int64_t capture_ms) {
    cap.bytes.resize((cap.bytes.size() + 63) / 64 * 64);
    cap.frames.push_back({cap.bytes.size(), length, capture_ms});
    cap.bytes.insert(cap.bytes.end(), data, data + length);
}

capture_frames load_capture(const std::string& path) {
    char err[PCAP_ERRBUF_SIZE];
    pcap_t* pc = pcap_open_offline(path.c_str(), err);
    if (!pc) throw std::runtime_error(path + ": " + err);
    std::unique_ptr<pcap_t, void (*)(pcap_t*)> closer(pc, pcap_close);
    if (pcap_datalink(pc) != DLT_EN10MB) throw std::runtime_error(path + ": not an Ethernet capture");
    capture_frames cap;
    pcap_pkthdr* h;
    const u_char* data;
    int rc;
    while ((rc = pcap_next_ex(pc, &h, &data)) == 1)
        append_frame(cap, data, h->caplen, int64_t{h->ts.tv_sec} * 1000 + h->ts.tv_usec / 1000);
    if (rc == -1) throw std::runtime_error(path + ": " + pcap_geterr(pc));
    if (cap.frames.empty()) throw std::runtime_error(path + ": no packets");
    return cap;
}

}  // namespace txscreen::floors
