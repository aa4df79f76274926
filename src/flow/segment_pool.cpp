#include "flow/segment_pool.h"

#include <algorithm>

namespace txscreen {

segment_pool::segment_pool(std::size_t memcap_bytes)
    : count_(static_cast<uint32_t>(std::clamp<std::size_t>(memcap_bytes / chunk_bytes, 1, nil - 1))),
      free_top_(count_),
      meta_(std::make_unique<chunk[]>(count_)),
      free_(std::make_unique<uint32_t[]>(count_)),
      data_(std::make_unique<uint8_t[]>(std::size_t{count_} * chunk_bytes)) {
    // make_unique zero-fills: every page is touched here, not on the rx lcore.
    for (uint32_t i = 0; i < count_; ++i) free_[i] = count_ - 1 - i;
}

}  // namespace txscreen
