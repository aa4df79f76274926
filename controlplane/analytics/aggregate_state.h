// The aggregator's restart state (controlplane/analytics/minute_aggregator.h): one
// file holding "<closed_through_ms>\n", the end of the newest window whose rows were
// emitted. Replaced atomically (write to <path>.tmp, fsync, rename, fsync the folder),
// so a crash leaves the old value or the new one, never a torn one.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

namespace txscreen {

// The saved value; nullopt when the file does not exist (a first start). Throws
// std::runtime_error naming `path` when it exists but cannot be read or is not one
// integer and a newline.
std::optional<int64_t> load_aggregate_state(const std::string& path);

// "" on success, else what failed ("<path>.tmp: write: No space left on device").
std::string save_aggregate_state(const std::string& path, int64_t closed_through_ms);

}  // namespace txscreen
