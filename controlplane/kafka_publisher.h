// Kafka publisher: verdicts, issuer outcomes and rejects as JSON (verdict_json.h), and
// the aggregate rows and spike events the controlplane derives (analytics_json.h), to
// five topics, through one idempotent librdkafka producer (docs/kafka.md). A record_sink.
//
//   txscreen.alerts      every verdict with alert set (score >= alert threshold), and
//                        every spike event ("type":"spike")
//   txscreen.scored      every verdict, when publish_scored is on
//   txscreen.rejects     every reject record
//   txscreen.outcomes    every issuer outcome (TCP feeds), when publish_outcomes is on
//   txscreen.aggregates  every closed 1-minute aggregate row and correction
//
// Keys are the card token in hex (rejects: the feed id; aggregates and spikes
// "<dimension>:<key>"), so one card's (one key's) records stay in order on one partition. The producer is idempotent with acks=all: a message is
// written once even when the broker drops connections mid-batch.
//
// Delivery accounting per topic (readable at any time, see counters()):
//   produced = taken into the producer;   acked / failed = delivery reports;
//   saved    = alerts whose delivery failed and that were saved to the outbox instead
//   pending  = produced - acked - failed - saved  (queued or in flight)
//
// Backpressure. An alert the producer's bounded backlog cannot take goes to the outbox
// (kafka_config::outbox_dir, see kafka_outbox.h; offer() answers `spilled`); while the
// outbox holds anything, new alerts go there too (order kept). The poll thread reads
// the outbox back into the producer whenever the backlog has room, and alerts whose
// delivery fails (message timeout, purge at shutdown) are saved there again. With no
// outbox, or the outbox at outbox_max_bytes, the alert waits in the publisher's hold
// queue (rendered, at most kafka_hold_capacity; offer() answers `held`) and new alerts
// queue behind it until holding() or tick() passes them on: the caller takes no new
// records meanwhile. Alerts offered are then
//   alerts = (produced - replayed) + spilled + waiting + alerts_dropped.
// Spike events take the same path (outbox, hold queue) to the same topic, counted
// apart on the topic index `spikes` and in kafka_counters::spikes, so both identities
// hold:  spikes = (produced[spikes] - spikes.replayed) + spikes.spilled
//                 + spikes.waiting + spikes.dropped.
// Scored copies, outcomes, rejects and aggregate rows are best-effort (the spool has
// every record): sent once, never held; a refusal is counted on their topic.
//
// Threads: offer(), holding(), tick(), use_ruleset() and close() from one controlplane
// thread (never a dataplane lcore: an offer may block up to backpressure_wait_ms);
// counters() from any. An internal thread polls for delivery reports and errors.
#pragma once

#include <array>
#include <atomic>
#include <cstdint>
#include <deque>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "controlplane/analytics_json.h"
#include "controlplane/kafka_config.h"
#include "controlplane/kafka_embedded.h"
#include "controlplane/kafka_outbox.h"
#include "controlplane/record_sink.h"
#include "controlplane/verdict_json.h"

struct rd_kafka_s;
struct rd_kafka_topic_s;
struct rd_kafka_message_s;

namespace txscreen {

// Where each record goes, with its own delivery counters. `spikes` is a stream, not a
// topic of its own: spike events are published to the alerts topic (topic_alerts) and
// counted apart from the verdict alerts. The index travels in the low 3 bits of each
// message's opaque (above them: an outbox segment number): 8 at most.
enum class kafka_topic : uint8_t { alerts = 0, scored = 1, rejects = 2, outcomes = 3, aggregates = 4, spikes = 5 };
inline constexpr std::size_t kafka_topic_count = 6;
inline constexpr unsigned kafka_topic_bits = 3;
static_assert(kafka_topic_count <= (1u << kafka_topic_bits), "the topic index has 3 bits in the message opaque");
// "alerts", "scored", "rejects", "outcomes", "aggregates", "spikes" (metrics labels).
const char* kafka_topic_label(kafka_topic t) noexcept;

// Alerts the hold queue keeps at most (beyond: refused, counted alerts_dropped). The
// controlplane offers at most one ring burst after the first held alert.
inline constexpr std::size_t kafka_hold_capacity = 4096;

// kafka_config and validate_kafka_config(): controlplane/kafka_config.h.

struct kafka_topic_counters {
    uint64_t produced = 0;      // accepted into the producer
    uint64_t acked = 0;         // delivery report: written with acks=all
    uint64_t failed = 0;        // delivery report: error (message timeout, fatal, ...)
    uint64_t backpressure = 0;  // sends refused for a full backlog (alerts: then spilled or held)
    uint64_t refused = 0;       // sends refused as unavailable / too large / not encodable
    uint64_t saved = 0;         // delivery failed; saved to the outbox instead (alerts)
    uint64_t pending() const noexcept { return produced - acked - failed - saved; }
};

// The spike events' share of the outbox and the hold queue (the fields of the same
// names in kafka_counters count the verdict alerts only).
struct kafka_spike_counters {
    uint64_t spilled = 0;   // spikes offer() put in the outbox
    uint64_t replayed = 0;  // outbox spikes produced to the broker
    uint64_t waiting = 0;   // gauge: spikes in the hold queue
    uint64_t dropped = 0;   // refused outright, like alerts_dropped
};

struct kafka_counters {
    std::array<kafka_topic_counters, kafka_topic_count> topic{};
    kafka_spike_counters spikes;
    uint64_t errors = 0;        // non-fatal client errors (transport, all brokers down...)
    uint64_t fatal_errors = 0;
    bool ready = false;         // false after a fatal error
    // Alert outbox (all zero when there is none).
    bool have_outbox = false;
    uint64_t spilled = 0;       // alerts offer() put in the outbox (spikes: spikes.spilled)
    uint64_t replayed = 0;      // outbox alerts produced to the broker (spikes: spikes.replayed)
    uint64_t outbox_full = 0;   // spills refused because the outbox was at outbox_max_bytes (the alert
                                // or spike is held)
    kafka_outbox_stats outbox;
    // The hold queue.
    uint64_t waiting = 0;              // gauge: alerts held until the producer or outbox takes them
    uint64_t backpressure_waits = 0;   // retries of the oldest held alert or spike refused again
    uint64_t alerts_dropped = 0;       // refused outright (fatal with no outbox, too large, hold queue
                                       // full): neither broker nor outbox has them
    uint64_t retention_deleted = 0;    // records the embedded broker deleted by retention (read at close)
    const kafka_topic_counters& operator[](kafka_topic t) const noexcept {
        return topic[static_cast<std::size_t>(t)];
    }
};

class kafka_publisher final : public record_sink {
public:
    // Validates `cfg`, starts the embedded broker when brokers == "embedded", creates
    // the producer and its poll thread. Throws std::runtime_error with a message
    // naming the key (bad config) or librdkafka's reason.
    explicit kafka_publisher(const kafka_config& cfg);
    // close(), when not called already.
    ~kafka_publisher() override;
    kafka_publisher(const kafka_publisher&) = delete;
    kafka_publisher& operator=(const kafka_publisher&) = delete;

    // The alert (when v.alert) to txscreen.alerts, then the scored copy (when
    // publish_scored) to txscreen.scored, each sent once. Answers for the alert:
    // accepted, spilled, held, or refused (counted alerts_dropped); for a verdict that
    // is no alert, for its scored copy (accepted or refused; accepted when not sent).
    sink_answer offer(const Verdict& v) noexcept override;
    // An issuer outcome to txscreen.outcomes (when publish_outcomes), keyed by card
    // token: accepted (also when not sent) or refused (counted on the topic), never held.
    sink_answer offer_outcome(const Verdict& v) noexcept override;
    // To txscreen.rejects, keyed by feed id: accepted or refused, never held.
    sink_answer offer(const reject_record& r) noexcept override;
    // A closed aggregate row (or correction) to txscreen.aggregates, keyed
    // "<dimension>:<key>": accepted or refused (counted on the topic), never held.
    sink_answer offer(const aggregate_record& r) noexcept override;
    // A spike event to txscreen.alerts, keyed "<dimension>:<key>", the way an alert goes:
    // accepted, spilled, held, or refused (counted spikes.dropped).
    sink_answer offer(const spike_event& s) noexcept override;
    // A data-quality alert: to the alerts topic, the spikes' way (counted with them).
    sink_answer offer(const dq_alert& a) noexcept override;
    bool holding() noexcept override;
    uint64_t held_records() const noexcept override { return _held.size(); }
    void tick() noexcept override { retry_held(); }
    void use_ruleset(const ruleset* names) noexcept override { _ruleset = names; }
    // Flushes for up to shutdown_flush_ms (the poll thread replays the outbox
    // meanwhile), stops polling, purges what is left (alerts among it, and alerts still
    // held, are saved to the outbox), closes the outbox, destroys the producer and then
    // the embedded broker. Afterwards only counters() may be called (final values).
    // Returns false when messages were failed or alerts dropped in closing.
    bool close() noexcept override;

    // Serves delivery reports now (the poll thread does this anyway). Returns events served.
    int poll(int timeout_ms) noexcept;
    // Waits until nothing is pending (in the producer or, while the poll thread runs,
    // in the outbox) or `timeout_ms` passed. Returns messages still queued, in flight
    // or in the outbox (0 = all acked or failed). Held alerts are not counted.
    int flush(int timeout_ms) noexcept;

    // Raises a librdkafka test fatal error (OUT_OF_ORDER_SEQUENCE_NUMBER) so operators'
    // tests and drills can check the fatal path. Returns false when one was raised already.
    bool simulate_fatal_error(const char* reason) noexcept;

    kafka_counters counters() const noexcept;
    // False after a fatal producer error (see fatal_error()).
    bool ready() const noexcept { return !_fatal.load(std::memory_order_acquire); }
    // librdkafka's fatal error text, "" when none.
    std::string fatal_error() const;
    // The bootstrap.servers in use (the embedded broker's address when embedded).
    const std::string& bootstrap_servers() const noexcept { return _bootstrap; }
    // The embedded broker, nullptr unless brokers == "embedded".
    kafka_embedded_broker* embedded() noexcept { return _embedded.get(); }
    const kafka_config& config() const noexcept { return _cfg; }

private:
    // What one send to the producer (or the outbox) came to.
    enum class sent : uint8_t {
        accepted,      // queued in the producer; a delivery report will ack or fail it
        backpressure,  // the backlog (or, for an alert, the outbox) is full: not taken
        unavailable,   // fatal producer error: not queued; the publisher must be recreated
        too_large,     // refused as too large (never expected): not queued
        spilled,       // an alert saved to the outbox
    };
    struct alignas(64) topic_state {
        rd_kafka_topic_s* rkt = nullptr;
        std::atomic<uint64_t> produced{0};
        std::atomic<uint64_t> acked{0};
        std::atomic<uint64_t> failed{0};
        std::atomic<uint64_t> backpressure{0};
        std::atomic<uint64_t> refused{0};
        std::atomic<uint64_t> saved{0};
    };
    // An alert or spike the producer and the outbox could not take yet, as rendered
    // when offered (with the names of that moment's ruleset).
    struct held_alert {
        kafka_topic topic;  // alerts or spikes
        std::string key;
        std::string value;
    };
    // What the outbox and the hold queue did with one stream's records (alerts, spikes).
    struct stream_state {
        std::atomic<uint64_t> spilled{0};
        std::atomic<uint64_t> replayed{0};
        std::atomic<uint64_t> waiting{0};  // in _held, for counters() on other threads
        std::atomic<uint64_t> dropped{0};
    };

    // Renders `v` for topic `t` into key/payload; 0 (counted refused on `t`) when it does not fit.
    std::size_t render(kafka_topic t, const Verdict& v, char* key, char* payload) noexcept;
    sink_answer offer_alert(const Verdict& v) noexcept;
    sink_answer offer_scored(const Verdict& v) noexcept;
    // A rendered alert or spike (t: alerts or spikes) to the producer, the outbox or the hold queue.
    sink_answer deliver_alert(kafka_topic t, std::string_view key, std::string_view payload) noexcept;
    sink_answer hold(kafka_topic t, std::string_view key, std::string_view payload) noexcept;
    sink_answer drop_alert(kafka_topic t) noexcept;
    void retry_held() noexcept;
    void save_held() noexcept;
    // The outbox (while it holds alerts, or when the producer cannot take this one) or the producer.
    sent send_alert(kafka_topic t, std::string_view key, std::string_view payload) noexcept;
    // wait: on a full backlog poll up to backpressure_wait_ms for room (offers);
    // false fails at once (outbox replay). segment: outbox segment the record came
    // from, 0 when none (carried in the message opaque to the delivery report).
    sent produce(kafka_topic t, const char* key, std::size_t key_len, const char* payload, std::size_t len,
                 bool wait = true, uint64_t segment = 0) noexcept;
    sent spill(kafka_topic t, std::string_view key, std::string_view payload, sent otherwise) noexcept;
    // The outbox and hold-queue counters of t's stream (spikes, else the verdict alerts).
    stream_state& stream(kafka_topic t) noexcept { return _streams[t == kafka_topic::spikes ? 1 : 0]; }
    void replay_outbox() noexcept;
    void poll_loop();
    void stop_polling() noexcept;
    uint64_t failed_total() const noexcept;
    static void on_delivery(rd_kafka_s* rk, const rd_kafka_message_s* msg, void* opaque);
    static void on_error(rd_kafka_s* rk, int err, const char* reason, void* opaque);
    static void on_log(const rd_kafka_s* rk, int level, const char* fac, const char* buf);

    kafka_config _cfg;
    const ruleset* _ruleset = nullptr;  // names for reason codes, read only inside offer()
    verdict_json_names _names;          // resolves through _ruleset
    std::unique_ptr<kafka_embedded_broker> _embedded;
    std::string _bootstrap;
    rd_kafka_s* _rk = nullptr;
    std::array<topic_state, kafka_topic_count> _topics;
    std::atomic<uint64_t> _errors{0};
    std::atomic<uint64_t> _fatal_errors{0};
    std::atomic<bool> _fatal{false};
    // Set when a send ran out of patience on a full backlog; cleared by the next
    // delivery report, so an outage costs one bounded wait rather than one per call.
    std::atomic<bool> _backpressured{false};
    std::atomic<bool> _all_brokers_down{false};
    std::atomic<bool> _stop{false};
    mutable std::mutex _fatal_mutex;  // guards _fatal_text (written once, read rarely)
    std::string _fatal_text;
    std::unique_ptr<kafka_outbox> _outbox;
    bool _closed = false;
    bool _closed_clean = true;
    kafka_outbox_stats _final_outbox;  // the outbox's stats when close() closed it
    std::array<stream_state, 2> _streams;  // [0] verdict alerts, [1] spikes
    std::atomic<uint64_t> _outbox_full{0};
    std::deque<held_alert> _held;  // oldest first; the owner thread only
    std::atomic<uint64_t> _backpressure_waits{0};
    std::atomic<uint64_t> _retention_deleted{0};
    std::atomic<bool> _polling{false};  // the poll thread runs (and replays the outbox)
    std::thread _poller;
};

}  // namespace txscreen
