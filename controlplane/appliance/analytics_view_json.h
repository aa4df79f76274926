// The dashboard's analytics as JSON (the "analytics" member of /api/v1/stats,
// docs/admin.md): the last hour of 1-minute windows, the merchants with the highest
// alert rate over it, open cases and recent spikes.
#pragma once

#include <nlohmann/json.hpp>

#include "controlplane/appliance/analytics_stage.h"

namespace txscreen {

nlohmann::ordered_json analytics_view_json(const analytics_view& v);

}  // namespace txscreen
