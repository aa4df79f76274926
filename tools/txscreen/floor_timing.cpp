// Timing the floors (floor_timing.h).
#include "tools/txscreen/floor_timing.h"

#include <algorithm>
#include <cmath>
#include <ctime>

namespace txscreen::floors {

namespace {

double thread_cpu_s() {
    timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

// A first pass warms the caches and the branch predictor and sizes a repetition.
void calibrate(floor_job& j, double repetition_s) {
    const double t0 = thread_cpu_s();
    j.pass();
    const double one = std::max(thread_cpu_s() - t0, 1e-6);
    j.passes = static_cast<unsigned>(std::max(1.0, std::round(repetition_s / one)));
}

void repeat(floor_job& j) {
    const double t0 = thread_cpu_s();
    for (unsigned i = 0; i < j.passes; ++i) j.pass();
    const double s = thread_cpu_s() - t0;
    j.ns.push_back(s * 1e9 / static_cast<double>(j.passes * j.txns_per_pass));
}

double median(std::vector<double> v) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    return v[v.size() / 2];
}

}  // namespace

std::vector<double> time_jobs(std::vector<floor_job>& jobs, double seconds_each, unsigned repetitions) {
    for (floor_job& j : jobs) calibrate(j, seconds_each / repetitions);
    for (unsigned r = 0; r < repetitions; ++r)
        for (floor_job& j : jobs) repeat(j);
    std::vector<double> medians;
    for (const floor_job& j : jobs) medians.push_back(median(j.ns));
    return medians;
}

}  // namespace txscreen::floors
