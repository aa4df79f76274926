// Stub: full implementation lands next (see velocity.h).
#include "velocity/velocity.h"

namespace txscreen {
velocity_allocator velocity_heap_allocator() noexcept { return {}; }
std::string_view velocity_key_name(velocity_key) noexcept { return "card"; }
const char* velocity_validate(const velocity_config&) noexcept { return nullptr; }
uint32_t velocity_count_within(const velocity_entry&, int64_t, int64_t) noexcept { return 0; }
int64_t velocity_sum_within(const velocity_entry&, int64_t, int64_t) noexcept { return 0; }
uint32_t velocity_distinct_merchants_within(const velocity_entry&, int64_t, int64_t) noexcept { return 0; }
uint32_t velocity_distinct_countries_within(const velocity_entry&, int64_t, int64_t) noexcept { return 0; }
int64_t velocity_nth_latest_time(const velocity_entry&, unsigned) noexcept { return INT64_MIN; }
int64_t velocity_metric_within(const velocity_entry&, velocity_metric, int64_t, int64_t) noexcept { return 0; }
velocity_bounds velocity_count_bounds(const velocity_entry&, int64_t, int64_t) noexcept { return {}; }
velocity_bounds velocity_sum_bounds(const velocity_entry&, int64_t, int64_t) noexcept { return {}; }
velocity_location velocity_last_card_present(const velocity_entry&) noexcept { return {}; }
bool velocity_device_known(const velocity_entry&, std::string_view) noexcept { return false; }
velocity_shard::~velocity_shard() = default;
std::size_t velocity_shard::bytes_needed(const velocity_config&) noexcept { return 0; }
const char* velocity_shard::init(const velocity_config&, const velocity_allocator&) noexcept { return nullptr; }
observe_result velocity_shard::observe(const Txn&) noexcept { return {}; }
const velocity_entry* velocity_shard::find_card(const uint8_t*) const noexcept { return nullptr; }
const velocity_entry* velocity_shard::find(velocity_key, std::string_view) const noexcept { return nullptr; }
}  // namespace txscreen
