#!/usr/bin/env bash
# Installs what tests/real_clients.rs runs: node and npm (from Debian's
# packages, if missing and we are root), the node clients from the
# committed lock file, and the Python clients pinned in requirements.txt.
set -euo pipefail
cd "$(dirname "$0")"
if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
        export DEBIAN_FRONTEND=noninteractive
        apt-get update -qq
        apt-get install -y -qq nodejs npm >/dev/null
    else
        echo "node and npm are needed for the real-client tests" >&2
        exit 1
    fi
fi
# --ignore-scripts: msgpackr-extract's install step would build a native
# addon it already ships prebuilt.
(cd node && npm ci --ignore-scripts --no-audit --no-fund --loglevel=error)
python3 -m pip install -q --disable-pip-version-check --root-user-action=ignore \
    -r requirements.txt
