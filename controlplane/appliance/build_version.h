// The project version (meson's project() version), passed by the build.
#pragma once

#ifndef TXSCREEN_VERSION
#error "TXSCREEN_VERSION must be defined by the build (controlplane/appliance/meson.build)"
#endif
