// The live dashboard page served at GET / by the admin server: one self-contained
// HTML document (inline CSS/JS, <canvas> charts, no external asset or CDN) that polls
// GET /api/v1/stats every second with the bearer token (docs/admin.md, "Dashboard").
#pragma once

#include <string_view>

namespace txscreen {

// The page's bytes (static storage, valid for the life of the process).
std::string_view admin_dashboard_html() noexcept;

}  // namespace txscreen
