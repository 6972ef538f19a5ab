#!/usr/bin/env bash
# Runs the whole test suite: unit tests, property tests and the integration
# suite, including the differential tests against redis-server and the
# redis-benchmark / redis-cli checks.
#
# The differential and tool tests need Debian's redis-server and redis-tools
# (Redis 7.0), and tmux for redis-cli's interactive mode. When they are
# missing and we are root with apt-get, they are installed; otherwise those
# tests are skipped, unless CINNABAR_REQUIRE_REDIS=1 makes their absence a
# failure. The real-client tests need node and Python packages, which
# tests/clients/install.sh installs when they are missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v redis-server >/dev/null || ! command -v redis-benchmark >/dev/null ||
    ! command -v tmux >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        echo "Installing redis-server, redis-tools and tmux for the differential and tool tests..."
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq redis-server redis-tools tmux >/dev/null
    else
        echo "redis-server/redis-tools not found: differential tests will be skipped." >&2
        echo "Install them with: sudo apt-get install redis-server redis-tools tmux" >&2
    fi
fi

# The real-client tests need node's and Python's client packages.
if [ ! -d tests/clients/node/node_modules/bullmq ] ||
    ! python3 -c "import redis, limits" 2>/dev/null; then
    echo "Installing the client libraries for tests/real_clients.rs..."
    tests/clients/install.sh || echo "Could not install them: tests/real_clients.rs will fail." >&2
fi

cargo test "$@"
