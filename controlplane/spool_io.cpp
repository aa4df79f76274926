#include "controlplane/spool_io.h"

#include <cerrno>

namespace txscreen {

spool_ring::~spool_ring() {
    if (_ready) io_uring_queue_exit(&_ring);
}

int spool_ring::init(unsigned entries) noexcept {
    int rc = io_uring_queue_init(entries, &_ring, 0);
    _ready = rc == 0;
    return rc;
}

io_uring_sqe* spool_ring::get_sqe() noexcept {
    io_uring_sqe* sqe = io_uring_get_sqe(&_ring);
    if (!sqe) {
        // Queue full: hand the kernel what is queued, then there is room again.
        io_uring_submit(&_ring);
        sqe = io_uring_get_sqe(&_ring);
    }
    return sqe;
}

bool spool_ring::queue_write(int fd, const void* buf, std::size_t len, uint64_t off, uint64_t user_data) noexcept {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return false;
    io_uring_prep_write(sqe, fd, buf, static_cast<unsigned>(len), off);
    io_uring_sqe_set_data64(sqe, user_data);
    return true;
}

bool spool_ring::queue_fsync(int fd, uint64_t user_data) noexcept {
    io_uring_sqe* sqe = get_sqe();
    if (!sqe) return false;
    io_uring_prep_fsync(sqe, fd, 0);
    io_uring_sqe_set_data64(sqe, user_data);
    return true;
}

int spool_ring::submit() noexcept { return io_uring_submit(&_ring); }

}  // namespace txscreen
