#include "dataplane/lcore_control.h"

#include <new>
#include <stdexcept>

namespace txscreen {

local_ring make_local_ring(const std::string& name, std::size_t elem_size, unsigned count) {
    const std::string what = "control ring " + name + " of " + std::to_string(count) + " x " +
                             std::to_string(elem_size) + " B";
    if (elem_size % 8 != 0 || count == 0 || (count & (count - 1)) != 0)
        throw std::runtime_error(what + ": elements must be a multiple of 8 B, the count a power of two");
    // RING_F_EXACT_SZ: room for exactly `count` (the ring itself is the next power of two).
    const ssize_t bytes = rte_ring_get_memsize_elem(static_cast<unsigned>(elem_size), count * 2);
    if (bytes < 0) throw std::runtime_error(what + ": too large");
    void* mem = std::aligned_alloc(RTE_CACHE_LINE_SIZE, static_cast<std::size_t>(bytes));
    if (!mem) throw std::bad_alloc();
    local_ring r(static_cast<rte_ring*>(mem));
    if (rte_ring_init(r.get(), name.c_str(), count, RING_F_SP_ENQ | RING_F_SC_DEQ | RING_F_EXACT_SZ) != 0)
        throw std::runtime_error(what + ": refused by rte_ring_init");
    return r;
}

}  // namespace txscreen
