#!/usr/bin/env bash
# End-to-end: builds the page with Trunk, serves dist/ on loopback, and drives the
# dashboard in headless Chromium as a person would (tests/e2e/dashboard.mjs: overview,
# pick the top feature, model card, change a weight, load a bad file, a phone-sized
# screen, accessibility checks with axe-core). Screenshots of the overview and the
# feature view land in tests/artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
artifacts=tests/artifacts
mkdir -p "$artifacts"

trunk build --release --offline >"$artifacts/trunk-build.log" 2>&1 || {
  cat "$artifacts/trunk-build.log"; echo "e2e: the Trunk build failed"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >"$artifacts/server.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done

features=$(tail -n +2 data/telemetry.csv | cut -d, -f2 | sort -u | wc -l)
EXPECTED_FEATURES=$features node tests/e2e/dashboard.mjs "http://127.0.0.1:$port/" "$artifacts"
