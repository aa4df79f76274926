// How txscreen bench times its floors (bench_floors.h): each floor's passes repeated,
// the floors' repetitions interleaved, in this thread's CPU time (on a shared host the
// wall clock counts time the thread was not running; CPU time does not).
#pragma once

#include <cstdint>
#include <functional>
#include <vector>

namespace txscreen::floors {

// One floor: a pass over the capture, the transactions a pass covers, the passes one
// repetition makes and the ns per transaction of each repetition.
struct floor_job {
    std::function<void()> pass;
    uint64_t txns_per_pass = 0;
    unsigned passes = 1;
    std::vector<double> ns;
};

// Repetitions interleaved (A B C A B C ...) so a drift in the machine's speed falls on
// every floor alike; each job's median ns per transaction, in the jobs' order. Each job
// runs for about `seconds_each` in all.
std::vector<double> time_jobs(std::vector<floor_job>& jobs, double seconds_each, unsigned repetitions);

}  // namespace txscreen::floors
