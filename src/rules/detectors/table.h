// The builtin detectors, one row each, in rule-id order: the engine runs every row the
// published ruleset enables, for every transaction.
//
// Adding a detector: write its evaluate function in its own header here (see
// detector.h), include it below and add its row. Its id and name come from
// TXSCREEN_FOREACH_DETECTOR (rules/ruleset.h); any settings it has are fields of
// detector_settings read from its [detector.<name>] section (ruleset.cpp,
// docs/rules.md). The static_asserts below refuse a table that is out of step with the
// enum.
#pragma once

#include <iterator>

#include "rules/detectors/amount_velocity.h"
#include "rules/detectors/card_testing.h"
#include "rules/detectors/count_velocity.h"
#include "rules/detectors/country_mismatch.h"
#include "rules/detectors/detector.h"
#include "rules/detectors/duplicate.h"
#include "rules/detectors/event_time_ahead.h"
#include "rules/detectors/high_amount.h"
#include "rules/detectors/high_risk_mcc.h"
#include "rules/detectors/impossible_travel.h"
#include "rules/detectors/new_device.h"
#include "rules/detectors/pattern_hit.h"
#include "rules/detectors/rapid_repeat.h"

namespace txscreen {

inline constexpr detector_row detector_table[] = {
    {detector::high_amount, "high_amount", evaluate_high_amount},
    {detector::rapid_repeat, "rapid_repeat", evaluate_rapid_repeat},
    {detector::amount_velocity, "amount_velocity", evaluate_amount_velocity},
    {detector::count_velocity, "count_velocity", evaluate_count_velocity},
    {detector::card_testing, "card_testing", evaluate_card_testing},
    {detector::impossible_travel, "impossible_travel", evaluate_impossible_travel},
    {detector::new_device, "new_device", evaluate_new_device},
    {detector::country_mismatch, "country_mismatch", evaluate_country_mismatch},
    {detector::high_risk_mcc, "high_risk_mcc", evaluate_high_risk_mcc},
    {detector::pattern_hit, "pattern_hit", evaluate_pattern_hit},
    {detector::duplicate, "duplicate", evaluate_duplicate},
    {detector::event_time_ahead, "event_time_ahead", evaluate_event_time_ahead},
};

// Row i is rule id i, named as the ruleset names it, and every detector has a row.
constexpr bool detector_table_in_step() noexcept {
    for (int i = 0; i < detector_count; ++i)
        if (static_cast<int>(detector_table[i].id) != i || detector_table[i].name != detector_names[i])
            return false;
    return true;
}
static_assert(std::size(detector_table) == detector_count, "one row per enum detector");
static_assert(detector_table_in_step(), "rows in rule-id order, names as detector_names");

}  // namespace txscreen
