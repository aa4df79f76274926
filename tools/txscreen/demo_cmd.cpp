// txscreen demo: see cmd_demo (filled in when txgen's library lands).
#include <cstdio>

#include "tools/txscreen/commands.h"

namespace txscreen {

int cmd_demo(const std::vector<std::string>&) {
    std::fprintf(stderr, "txscreen demo: not built yet\n");
    return 1;
}

}  // namespace txscreen
