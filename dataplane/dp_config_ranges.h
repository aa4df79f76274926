// The allowed values of dp_config's fields, declared once: its validator checks them
// (dp_config_validate.cpp), its reader words type errors with them (dp_config.cpp).
#pragma once

#include "config/config_checks.h"

namespace txscreen::dp_ranges {

inline constexpr int_range rx_queues{1, 64};
inline constexpr int_range rx_desc{64, 16384};
inline constexpr int_range rx_lcores{0, 64};
inline constexpr int_range workers{1, 64};
inline constexpr int_range burst{1, 64};
inline constexpr int_range ring{64, 1 << 24};  // and a power of two
inline constexpr int_range mbufs{512, 1 << 22};
inline constexpr int_range udp_port{1, 65535};
inline constexpr int_range vlan{0, 4095};
inline constexpr int_range header_bytes{0, 64};
inline constexpr int_range max_message{16, 65535};
inline constexpr int_range flows{16, 1 << 22};
inline constexpr int_range flow_buffer{1024, 1 << 24};
inline constexpr int_range memcap{1 << 16, int64_t{1} << 36};
inline constexpr int_range idle_timeout_ms{1000, 86'400'000};
inline constexpr int_range pending{16, 1 << 24};
inline constexpr int_range response_timeout_ms{10, 3'600'000};
inline constexpr unsigned max_total_lcores = 127;  // RTE_MAX_LCORE (128) minus the main lcore

}  // namespace txscreen::dp_ranges
