// The capture that txscreen bench's floors (bench_floors.h) run over, held in memory:
// read from the pcap once, before any clock runs, so every pass a floor makes reads
// memory as the rx stage reads an mbuf, never the file.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace txscreen::floors {

struct frame_ref {
    std::size_t offset;
    uint32_t length;
    int64_t capture_ms;
};

struct capture_frames {
    std::vector<uint8_t> bytes;
    std::vector<frame_ref> frames;
};

// Each frame starts on its own cache line, as in an mbuf's data room.
void append_frame(capture_frames& cap, const uint8_t* data, uint32_t length, int64_t capture_ms);

// Throws std::runtime_error naming `path` when it cannot be read, is not an Ethernet
// capture or holds no packet.
capture_frames load_capture(const std::string& path);

}  // namespace txscreen::floors
