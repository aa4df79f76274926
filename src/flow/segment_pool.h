// Preallocated storage for TCP bytes that cannot be framed straight from their packet:
// the unfinished message at the end of a segment and segments held out of order. The
// global memcap: chunk_bytes-sized chunks, all allocated at construction; alloc/free
// are a free-list pop/push (no allocation, lock or syscall). Each chunk holds bytes
// [seq, seq + len) of one stream; a stream chains its chunks sorted by seq.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>

namespace txscreen {

class segment_pool {
public:
    static constexpr uint32_t chunk_bytes = 1024;
    static constexpr uint32_t nil = UINT32_MAX;

    struct chunk {
        uint32_t seq;   // stream sequence number of data[0]
        uint32_t next;  // next chunk of the stream (higher seq), or nil
        uint32_t len;   // bytes used
    };

    // memcap_bytes / chunk_bytes chunks (at least one).
    explicit segment_pool(std::size_t memcap_bytes);

    uint32_t alloc() noexcept {  // nil when the memcap is reached
        if (free_top_ == 0) [[unlikely]]
            return nil;
        return free_[--free_top_];
    }
    void release(uint32_t c) noexcept { free_[free_top_++] = c; }

    chunk& meta(uint32_t c) noexcept { return meta_[c]; }
    uint8_t* data(uint32_t c) noexcept { return data_.get() + std::size_t{c} * chunk_bytes; }
    uint32_t capacity() const noexcept { return count_; }
    uint32_t available() const noexcept { return free_top_; }

private:
    uint32_t count_;
    uint32_t free_top_;
    std::unique_ptr<chunk[]> meta_;
    std::unique_ptr<uint32_t[]> free_;
    std::unique_ptr<uint8_t[]> data_;
};

}  // namespace txscreen
