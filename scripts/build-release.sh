#!/usr/bin/env bash
# The release build of sticky-proxy that ships (Dockerfile) and is measured (make bench, scripts/bench/profile.sh):
#
#   scripts/build-release.sh [swift build options...]     e.g. --product sticky-proxy, --show-bin-path
#
# It is `swift build -c release` with the runtime exclusivity checks off in every module, SwiftNIO's included
# (`-enforce-exclusivity=unchecked`). Those checks (swift_beginAccess on each access to a class's stored property)
# were 14% of the proxy's instructions per request (callgrind: 165.6k -> 142.0k), nearly all of them inside NIO's
# ByteBuffer and channel code. Debug builds, and so `make test` and `make run`, keep them: an overlapping access
# there still traps at once.
set -euo pipefail
exec swift build -c release -Xswiftc -enforce-exclusivity=unchecked "$@"
