#include "controlplane/appliance/control_loop.h"

#include <time.h>

#include <boost/asio/post.hpp>

namespace txscreen {

namespace {

constexpr auto housekeeping_every = std::chrono::milliseconds(5);
constexpr auto snapshot_every = std::chrono::milliseconds(100);
constexpr auto idle_poll = std::chrono::microseconds(50);
constexpr auto held_poll = std::chrono::microseconds(1000);
constexpr unsigned ring_burst = 256;

double thread_cpu_s() {
    timespec ts{};
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) * 1e-9;
}

}  // namespace

control_loop::control_loop(packet_path& path, sink_set& sinks, analytics_stage& analytics, rule_sources& sources,
                           appliance_admin* admin, const verdict_sink& observer, input_end end)
    : _path(path), _sinks(sinks), _analytics(analytics), _sources(sources), _admin(admin), _observer(observer), _end(end),
      _poll_timer(_io), _housekeeping_timer(_io), _snapshot_timer(_io),
      _tally(1e9 / static_cast<double>(path.tsc_hz())), _reader_slot(sources.rules.register_reader()),
      _verdicts(ring_burst), _rejects(ring_burst) {
    _names = _sources.rules.quiescent(_reader_slot);
    _sinks.use_ruleset(_names);
}

control_loop::~control_loop() {
    _sinks.use_ruleset(nullptr);
    _sources.rules.unregister_reader(_reader_slot);
}

void control_loop::run() {
    _started = _first_rx = _last_rx = clock::now();
    _rate_base = {_started};
    boost::asio::post(_io, [this] { poll(); });
    housekeeping();
    if (_admin) snapshot();
    const double cpu_at_start = thread_cpu_s();
    _io.run();
    _cpu_s = thread_cpu_s() - cpu_at_start;
    _finished_at = clock::now();
}

void control_loop::schedule_poll(std::chrono::microseconds after) {
    _poll_timer.expires_after(after);
    _poll_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) poll();
    });
}

void control_loop::take_records(unsigned& verdicts, unsigned& rejects) {
    verdicts = _path.poll_verdicts(_verdicts.data(), ring_burst);
    for (unsigned i = 0; i < verdicts; ++i) {
        Verdict& v = _verdicts[i];
        _analytics.on_verdict(v);  // stamps an alert's case before anyone sees it
        if (v.txn.kind == txn_kind::outcome) [[unlikely]]
            _tally.count_outcome(v);
        else
            _tally.count(v);
        if (_observer && _names) _observer(v, *_names);
        _sinks.deliver(v);
    }
    rejects = _path.poll_rejects(_rejects.data(), ring_burst);
    for (unsigned i = 0; i < rejects; ++i) {
        _tally.count_reject();
        _analytics.on_reject(_rejects[i]);
        _sinks.deliver(_rejects[i]);
    }
}

void control_loop::poll() {
    // A sink that cannot take more (Kafka holding alerts, the spool over its budget)
    // takes nothing new from the rings: they fill and rx pauses.
    // After SIGINT/SIGTERM nothing waits for a sink: what it cannot take goes to its
    // outbox or is counted refused when it closes (a hung broker must not hang the stop).
    const bool stop_requested = _end.stop && _end.stop->load();
    if (!stop_requested && _sinks.must_wait(_stopping)) {
        _last_rx = clock::now();  // held input is not idle input
        return schedule_poll(held_poll);
    }
    // Read "drained" before polling: a worker enqueues its last verdicts before it
    // reports done, so an empty poll after a drained reading means nothing is left.
    const bool was_drained = _path.drained();
    unsigned verdicts = 0, rejects = 0;
    take_records(verdicts, rejects);
    if (verdicts || rejects) return boost::asio::post(_io, [this] { poll(); });
    if (!was_drained) return schedule_poll(idle_poll);
    _analytics.flush();
    _done = true;
    _io.stop();
}

bool control_loop::input_over(clock::time_point now) {
    const uint64_t rx = _path.rx_packets();
    if (rx != _last_rx_packets) {
        if (!_seen_first) _first_rx = now;
        _seen_first = true;
        _last_rx_packets = rx;
        _last_rx = now;
    }
    const double running = std::chrono::duration<double>(now - _started).count();
    const double idle = std::chrono::duration<double>(now - _last_rx).count();
    return (_end.expected_packets && rx >= _end.expected_packets) ||
           (_end.duration_s > 0 && running >= _end.duration_s) ||
           (_end.idle_timeout_s > 0 && idle >= _end.idle_timeout_s) || (_end.stop && _end.stop->load()) ||
           (_admin && _admin->drain_requested());
}

// Data-quality alerts come from the lake compactor's thread; they go out from here,
// where every sink is used, like spikes.
void control_loop::deliver_dq_alerts() {
    for (const lake_dq_alert& a : _sinks.take_dq_alerts())
        _sinks.deliver(dq_alert{a.id, a.json, a.summary, a.hour_end_ms});
}

void control_loop::housekeeping() {
    // Windows close on event time; every 20th round (100 ms) is soon enough and keeps
    // the dataplane's counters (sequence gaps) from being summed every 5 ms.
    if (++_housekeeping_round % 20 == 0) {
        _analytics.tick(_path.feed_missing());
        deliver_dq_alerts();
    }
    _sinks.tick();
    if (!_stopping && input_over(clock::now())) {
        _stopping = true;
        _path.stop_rx();
    }
    _housekeeping_timer.expires_after(housekeeping_every);
    _housekeeping_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) housekeeping();
    });
}

// Also the controlplane's quiescent point: names of a newer ruleset.
void control_loop::snapshot() {
    _names = _sources.rules.quiescent(_reader_slot);
    _sinks.use_ruleset(_names);
    publish(false);
    _snapshot_timer.expires_after(snapshot_every);
    _snapshot_timer.async_wait([this](const boost::system::error_code& ec) {
        if (!ec) snapshot();
    });
}

appliance_counters control_loop::counters() const {
    appliance_counters c;
    _path.collect(c);
    _tally.collect(c, _names);
    _sinks.collect(c);
    _analytics.collect(c);
    c.ruleset_version = _sources.rules.version();
    c.patterns_version = _tally.last_patterns_version();
    if (_admin) c.reloads = _admin->reloads();
    return c;
}

appliance_status control_loop::status(bool finished) {
    appliance_status st;
    st.finished = finished;
    st.dataplane_running = !finished && !_stopping;
    st.kafka_ready = _sinks.kafka_ready();
    st.kafka_stalled_s = _sinks.kafka_stalled_s();
    st.spool_writable = _sinks.spool_writable(&st.spool_error);
    _sinks.webhooks_ready(&st.webhook_error);
    st.analytics = _analytics.view();
    st.last_verdict_ruleset = _tally.last_ruleset_version();
    st.last_verdict_patterns = _tally.last_patterns_version();
    const auto now = clock::now();
    st.snapshot_ms = std::chrono::duration_cast<std::chrono::milliseconds>(now.time_since_epoch()).count();
    return st;
}

void control_loop::publish(bool finished) {
    appliance_snapshot s{counters(), status(finished)};
    const auto now = clock::now();
    const double dt = std::chrono::duration<double>(now - _rate_base.t).count();
    const uint64_t rx = s.counters.dp.rx.rx_packets;
    if (dt >= 1.0) {
        _rates = {static_cast<double>(_tally.verdicts() - _rate_base.verdicts) / dt,
                  static_cast<double>(_tally.alerts() - _rate_base.alerts) / dt,
                  static_cast<double>(rx - _rate_base.rx) / dt};
        _rate_base = {now, _tally.verdicts(), _tally.alerts(), rx};
    }
    if (finished) _rates = {0, 0, 0};
    s.status.verdicts_per_s = _rates[0];
    s.status.alerts_per_s = _rates[1];
    s.status.rx_packets_per_s = _rates[2];
    _admin->update(std::move(s));
}

void control_loop::publish_final() {
    if (_admin) publish(true);
}

double control_loop::elapsed_s() const {
    return std::chrono::duration<double>(_finished_at - (_seen_first ? _first_rx : _started)).count();
}

}  // namespace txscreen
