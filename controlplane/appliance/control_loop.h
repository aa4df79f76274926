// The controlplane's event loop (Boost.Asio, one thread): takes verdicts and rejects off
// the dataplane's rings and hands them to the sinks, detects the end of the input,
// refreshes the admin snapshot, and stops when the dataplane has drained.
//
// Handlers: `poll` (re-posted at once while the rings have records, else after 50 us,
// or 1 ms while a sink holds records), `housekeeping` every 5 ms (spool fsync interval,
// end of input, stop requests: seen even when the rings never read empty) and
// `snapshot` every 100 ms (the controlplane's quiescent point for rulesets).
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <vector>

#include <boost/asio/io_context.hpp>
#include <boost/asio/steady_timer.hpp>

#include "controlplane/appliance/appliance.h"
#include "controlplane/appliance/analytics_stage.h"
#include "controlplane/appliance/appliance_admin.h"
#include "controlplane/appliance/packet_path.h"
#include "controlplane/appliance/rule_sources.h"
#include "controlplane/appliance/sink_set.h"
#include "controlplane/appliance/verdict_tally.h"

namespace txscreen {

// When the input is over (any one ends it).
struct input_end {
    uint64_t expected_packets = 0;  // all the pcaps' packets received (0: not known)
    double duration_s = 0;          // run this long (0: no limit)
    double idle_timeout_s = 0;      // nothing received for this long (0: never)
    const std::atomic<bool>* stop = nullptr;  // SIGINT/SIGTERM
};

class control_loop {
public:
    control_loop(packet_path& path, sink_set& sinks, analytics_stage& analytics, rule_sources& sources,
                 appliance_admin* admin, const verdict_sink& observer, input_end end);
    ~control_loop();

    // Runs until the input has ended and every verdict and reject was taken.
    void run();
    // Every counter now (the final ones after run() and the sinks' close()).
    appliance_counters counters() const;
    // Publishes a last snapshot to the admin API (after the sinks closed).
    void publish_final();
    double elapsed_s() const;  // first packet to last verdict
    double cpu_s() const noexcept { return _cpu_s; }  // the loop thread's CPU time in run()
    uint32_t ruleset_version() const noexcept { return _names ? _names->version : 0; }

private:
    using clock = std::chrono::steady_clock;
    void poll();
    void schedule_poll(std::chrono::microseconds after);
    void take_records(unsigned& verdicts, unsigned& rejects);
    void deliver_dq_alerts();
    void housekeeping();
    bool input_over(clock::time_point now);
    void snapshot();
    void publish(bool finished);
    appliance_status status(bool finished);

    packet_path& _path;
    sink_set& _sinks;
    analytics_stage& _analytics;
    rule_sources& _sources;
    appliance_admin* _admin;
    const verdict_sink& _observer;
    input_end _end;
    boost::asio::io_context _io;
    boost::asio::steady_timer _poll_timer, _housekeeping_timer, _snapshot_timer;
    verdict_tally _tally;
    int _reader_slot;
    const ruleset* _names = nullptr;  // held as a reader between quiescent points
    std::vector<Verdict> _verdicts;
    std::vector<reject_record> _rejects;
    bool _stopping = false, _seen_first = false, _done = false;
    clock::time_point _started = clock::now(), _first_rx, _last_rx, _finished_at;
    uint64_t _last_rx_packets = 0;
    unsigned _housekeeping_round = 0;
    double _cpu_s = 0;
    struct rate_base {
        clock::time_point t;
        uint64_t verdicts = 0, alerts = 0, rx = 0;
    } _rate_base;
    std::array<double, 3> _rates{};
};

}  // namespace txscreen
