// The lcore control channel (dataplane/lcore_control.h) on its own: a std::thread
// stands in for the worker lcore (the rings need no EAL).
#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <thread>
#include <vector>

#include "dataplane/lcore_control.h"

using namespace txscreen;

namespace {

struct question {
    uint64_t x;
};
struct reply {
    uint64_t x_squared;
    unsigned worker;
};
using channel = lcore_channel<question, reply>;

// Waits (bounded) until `t` is answered on `worker`.
bool wait_take(channel& ch, unsigned worker, channel::ticket t, reply& out) {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (!ch.take(worker, t, out)) {
        if (std::chrono::steady_clock::now() > deadline) return false;
        std::this_thread::yield();
    }
    return true;
}

}  // namespace

TEST_CASE("requests are answered by the worker they were posted to, paired by ticket", "[unit][lcore_control]") {
    channel ch(2, 8);
    std::atomic<bool> stop{false};
    // Two "lcores", each serving its own worker's rings in a polling loop.
    std::vector<std::thread> lcores;
    for (unsigned w = 0; w < 2; ++w)
        lcores.emplace_back([&ch, &stop, w] {
            while (!stop.load()) {
                ch.serve(w, [w](const question& q, reply& r) {
                    r.x_squared = q.x * q.x;
                    r.worker = w;
                });
                std::this_thread::yield();
            }
        });
    // Several askers at once, each waiting for its own answers only.
    std::vector<std::thread> askers;
    std::atomic<int> wrong{0};
    for (unsigned a = 0; a < 4; ++a)
        askers.emplace_back([&ch, &wrong, a] {
            for (uint64_t i = 0; i < 200; ++i) {
                const unsigned w = static_cast<unsigned>(i % 2);
                const uint64_t x = a * 1000 + i;
                channel::ticket t = 0;
                while ((t = ch.post(w, {x})) == 0) std::this_thread::yield();  // ring full: retry
                reply r{};
                if (!wait_take(ch, w, t, r) || r.x_squared != x * x || r.worker != w) ++wrong;
            }
        });
    for (auto& t : askers) t.join();
    stop = true;
    for (auto& t : lcores) t.join();
    CHECK(wrong.load() == 0);
}

TEST_CASE("an answer nobody waits for any more is dropped, not handed to the next asker", "[unit][lcore_control]") {
    channel ch(1, 4);
    auto square = [](const question& q, reply& r) { r.x_squared = q.x * q.x; };
    const channel::ticket late = ch.post(0, {3});
    REQUIRE(late != 0);
    ch.forget(0, late);  // the asker timed out before the worker's quiescent point
    CHECK(ch.serve(0, square) == 1);
    reply r{};
    CHECK_FALSE(ch.take(0, late, r));
    const channel::ticket next = ch.post(0, {5});
    CHECK(next != late);
    CHECK(ch.serve(0, square) == 1);
    REQUIRE(ch.take(0, next, r));
    CHECK(r.x_squared == 25);
    CHECK_FALSE(ch.take(0, next, r));  // a ticket is spent once taken
}

TEST_CASE("a worker that is not serving refuses requests past the depth; serving never blocks", "[unit][lcore_control]") {
    channel ch(1, 4);
    std::vector<channel::ticket> tickets;
    for (uint64_t x = 1; x <= 4; ++x) tickets.push_back(ch.post(0, {x}));
    for (channel::ticket t : tickets) CHECK(t != 0);
    CHECK(ch.post(0, {9}) == 0);  // four wait: the fifth is refused at once

    auto square = [](const question& q, reply& r) { r.x_squared = q.x * q.x; };
    CHECK(ch.serve(0, square) == 4);
    // Four answers fill the answer ring; new requests wait without blocking the lcore.
    const channel::ticket fifth = ch.post(0, {10});
    REQUIRE(fifth != 0);
    CHECK(ch.serve(0, square) == 0);
    reply r{};
    REQUIRE(ch.take(0, tickets[2], r));  // taking drains the ring: room again
    CHECK(r.x_squared == 9);
    CHECK(ch.serve(0, square) == 1);
    REQUIRE(ch.take(0, fifth, r));
    CHECK(r.x_squared == 100);
    for (std::size_t i : {0, 1, 3}) {
        REQUIRE(ch.take(0, tickets[i], r));
        CHECK(r.x_squared == (i + 1) * (i + 1));
    }
}

TEST_CASE("control rings refuse sizes rte_ring cannot hold, naming the ring", "[unit][lcore_control]") {
    CHECK_THROWS_WITH(make_local_ring("ctl_test", 12, 8), Catch::Contains("ctl_test") && Catch::Contains("multiple of 8"));
    CHECK_THROWS_WITH(make_local_ring("ctl_test", 16, 6), Catch::Contains("power of two"));
}
