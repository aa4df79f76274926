// A thin io_uring wrapper for the spool: queue writes and fsyncs, submit them in
// batches, reap completions. One ring per spool_writer, used only by its thread
// (io_uring rings are single-issuer here; no locks).
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>

namespace txscreen {

class spool_ring {
public:
    spool_ring() = default;
    spool_ring(const spool_ring&) = delete;
    spool_ring& operator=(const spool_ring&) = delete;
    ~spool_ring();

    // Sets up a ring of `entries` submission slots. Returns 0 or -errno.
    int init(unsigned entries) noexcept;
    bool ready() const noexcept { return _ready; }

    // Queue a write of buf[0..len) at file offset `off` / an fsync of `fd`. Return false
    // when the submission queue is full even after submitting what it held (the caller
    // reaps completions and tries again).
    bool queue_write(int fd, const void* buf, std::size_t len, uint64_t off, uint64_t user_data) noexcept;
    bool queue_fsync(int fd, uint64_t user_data) noexcept;

    // Submits everything queued. Returns the number submitted or -errno.
    int submit() noexcept;

    // Calls fn(user_data, res) for each completion. With `wait_for` > 0, first blocks
    // until at least that many completions are available. Returns how many it handled, or
    // -errno when waiting failed.
    template <class Fn>
    int reap(unsigned wait_for, Fn&& fn) noexcept {
        io_uring_cqe* cqe = nullptr;
        if (wait_for) {
            int rc = io_uring_submit_and_wait(&_ring, wait_for);
            if (rc < 0 && rc != -EINTR && rc != -EAGAIN && rc != -EBUSY) return rc;
        }
        int n = 0;
        unsigned head;
        io_uring_for_each_cqe(&_ring, head, cqe) {
            fn(cqe->user_data, cqe->res);
            ++n;
        }
        io_uring_cq_advance(&_ring, static_cast<unsigned>(n));
        return n;
    }

private:
    io_uring_sqe* get_sqe() noexcept;

    io_uring _ring{};
    bool _ready = false;
};

}  // namespace txscreen
