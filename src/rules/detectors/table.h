// The builtin detectors, one row each, in rule-id order. A row's position is its rule
// id (stable: verdicts and counters are read by id), so a new detector goes at the end.
// From the rows come the ids (enum detector), the names, the ruleset's
// detector_settings (every detector's settings, with enable and weight by id) and the
// list the engine runs and the ruleset loader reads [detector.<name>] sections by.
//
// Adding a detector: write its header here (the contract is in detector.h), include it
// below and add its row; document its keys in docs/rules.md.
#pragma once

#include <array>
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <tuple>
#include <utility>

#include "rules/detectors/amount_velocity.h"
#include "rules/detectors/card_testing.h"
#include "rules/detectors/count_velocity.h"
#include "rules/detectors/country_mismatch.h"
#include "rules/detectors/decline_burst.h"
#include "rules/detectors/detector.h"
#include "rules/detectors/duplicate.h"
#include "rules/detectors/event_time_ahead.h"
#include "rules/detectors/high_amount.h"
#include "rules/detectors/high_risk_mcc.h"
#include "rules/detectors/impossible_travel.h"
#include "rules/detectors/model_score.h"
#include "rules/detectors/new_device.h"
#include "rules/detectors/pattern_hit.h"
#include "rules/detectors/rapid_repeat.h"

// row(<name>): the detector <name>_detector, rule id detector::<name>.
#define TXSCREEN_DETECTOR_TABLE(row) \
    row(high_amount)                 \
    row(rapid_repeat)                \
    row(amount_velocity)             \
    row(count_velocity)              \
    row(card_testing)                \
    row(impossible_travel)           \
    row(new_device)                  \
    row(country_mismatch)            \
    row(high_risk_mcc)               \
    row(pattern_hit)                 \
    row(duplicate)                   \
    row(event_time_ahead)            \
    row(decline_burst)               \
    row(model)

namespace txscreen {

enum class detector : uint8_t {
#define TXSCREEN_DETECTOR_ID(name) name,
    TXSCREEN_DETECTOR_TABLE(TXSCREEN_DETECTOR_ID)
#undef TXSCREEN_DETECTOR_ID
};

// The detector types in rule-id order (a type list: never an object). The rows expand
// to ", a_detector, b_detector"; the leading void absorbs the first comma.
template <class Unused, class... D>
using detector_list_after_first = std::tuple<D...>;
#define TXSCREEN_DETECTOR_TYPE(name) , name##_detector
using detector_types = detector_list_after_first<void TXSCREEN_DETECTOR_TABLE(TXSCREEN_DETECTOR_TYPE)>;
#undef TXSCREEN_DETECTOR_TYPE

inline constexpr int detector_count = static_cast<int>(std::tuple_size_v<detector_types>);
template <std::size_t id>
using detector_type = std::tuple_element_t<id, detector_types>;

// The settings of every detector, each under its own field names
// (det.rapid_repeat_window_ms), plus each one's [detector.<name>] enable and weight by
// rule id. Defaults are the detectors' own.
template <class List>
struct detector_settings_of;
template <class... D>
struct detector_settings_of<std::tuple<D...>> : D::settings... {
    bool enable[sizeof...(D)] = {(static_cast<void>(sizeof(D)), true)...};
    uint8_t weight[sizeof...(D)] = {D::default_weight...};
};
struct detector_settings : detector_settings_of<detector_types> {};

template <std::size_t... id>
constexpr std::array<std::string_view, sizeof...(id)> detector_names_of(std::index_sequence<id...>) noexcept {
    return {detector_type<id>::name...};
}
template <std::size_t... id>
constexpr std::array<std::string_view, sizeof...(id)> detector_descriptions_of(std::index_sequence<id...>) noexcept {
    return {detector_type<id>::description...};
}
// Rule names (and [detector.<name>] sections) by rule id.
inline constexpr auto detector_names = detector_names_of(std::make_index_sequence<detector_count>());
inline constexpr auto detector_descriptions = detector_descriptions_of(std::make_index_sequence<detector_count>());

template <std::size_t... id>
constexpr bool every_row_is_a_detector(std::index_sequence<id...>) noexcept {
    return (builtin_detector<detector_type<id>> && ...);
}
static_assert(every_row_is_a_detector(std::make_index_sequence<detector_count>()),
              "each row's <name>_detector keeps the contract in detector.h");
#define TXSCREEN_DETECTOR_NAMED(name)                                      \
    static_assert(detector_names[static_cast<int>(detector::name)] == #name, \
                  "row " #name ": its detector's name must be \"" #name "\"");
TXSCREEN_DETECTOR_TABLE(TXSCREEN_DETECTOR_NAMED)
#undef TXSCREEN_DETECTOR_NAMED

}  // namespace txscreen
