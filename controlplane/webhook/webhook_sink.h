// One [[webhook]] endpoint as a sink (controlplane/record_sink.h; docs/alerts.md,
// "Webhooks"). offer() renders the notification in the endpoint's format and hands it
// to the queue writer, which appends it to the endpoint's disk queue and syncs it
// within ~100 ms; the sender thread POSTs from the queue only (at least once: every
// notification is on disk before it is sent). offer() answers `accepted`, or
// `refused` when the queue cannot take it (counted); it never waits for the disk or
// the network. Which records notify:
//   notify = "alert": every alert; notify = "case": alerts whose Verdict::notice is not
//   none (a case opened, or its update after notify_interval), the rest counted
//   suppressed; spike events always; outcomes, rejects and aggregates never.
// The queue lives in `queue_dir` (segments as controlplane/kafka_outbox.h), the dead
// letters in <queue_dir>/dead-letter.jsonl.
//
// Threads: the owner thread calls offer/tick/close (record_sink contract); the queue
// writer and the sender run on threads of their own; ready(), counters() and name()
// may be called from any thread.
//
// ready() turns false at a failed request and true again at the next delivered one:
// after a dead letter it stays false until the endpoint takes a request again.
#pragma once

#include <memory>
#include <string>

#include "controlplane/kafka_outbox.h"
#include "controlplane/record_sink.h"
#include "controlplane/verdict_json.h"
#include "controlplane/webhook/webhook_config.h"
#include "controlplane/webhook/webhook_counters.h"
#include "controlplane/webhook/webhook_dead_letter.h"
#include "controlplane/webhook/webhook_render.h"

namespace txscreen {

class webhook_queue_writer;
class webhook_sender;

class webhook_sink final : public record_sink {
public:
    // Validates `conf` and resolves its env: secrets (std::invalid_argument naming the
    // key), opens the queue in `queue_dir` (std::runtime_error) and starts the sender,
    // which first delivers what an earlier run left in the queue.
    webhook_sink(const webhook_config& conf, std::string queue_dir);
    ~webhook_sink() override;

    sink_answer offer(const Verdict& v) noexcept override;
    sink_answer offer_outcome(const Verdict&) noexcept override { return sink_answer::accepted; }
    sink_answer offer(const reject_record&) noexcept override { return sink_answer::accepted; }
    sink_answer offer(const spike_event& s) noexcept override;
    sink_answer offer(const dq_alert& a) noexcept override;
    bool holding() noexcept override { return false; }
    uint64_t held_records() const noexcept override { return 0; }
    // Nothing: the queue writer and the sender have threads of their own.
    void tick() noexcept override {}
    void use_ruleset(const ruleset* names) noexcept override { _ruleset = names; }
    // Writes the hand-off to the queue, then gives the sender up to webhook.timeout to
    // deliver; the rest stays on disk for the next run. Returns false only when
    // notifications were lost (a failing disk).
    bool close() override;

    // False while the endpoint fails: "webhook <name>: <last error> since <s> s".
    bool ready(std::string* why) const;
    webhook_counters counters() const;
    const std::string& name() const noexcept { return _conf.name; }

private:
    sink_answer enqueue(std::string key, std::string body) noexcept;

    const webhook_config _conf;
    webhook_render_context _render;
    verdict_json_names _names;
    const ruleset* _ruleset = nullptr;
    webhook_live_counters _counters;
    std::unique_ptr<kafka_outbox> _queue;
    std::unique_ptr<webhook_dead_letter> _dead;
    std::unique_ptr<webhook_sender> _sender;
    std::unique_ptr<webhook_queue_writer> _writer;
    bool _closed = false;
};

}  // namespace txscreen
