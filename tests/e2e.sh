#!/usr/bin/env bash
# End-to-end: builds the page with Trunk, serves dist/ on loopback, opens it in headless
# Chromium, and checks that the bundled data's ranking and insights appear. Saves the
# rendered DOM and a screenshot under tests/artifacts/.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
artifacts=tests/artifacts
mkdir -p "$artifacts"

trunk build --release --offline >"$artifacts/trunk-build.log" 2>&1 || {
  cat "$artifacts/trunk-build.log"; echo "e2e: 0 passed, 1 failed"; exit 1; }

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >"$artifacts/server.log" 2>&1 &
server=$!
profile=$(mktemp -d)
trap 'kill $server 2>/dev/null || true; rm -rf "$profile"' EXIT
for _ in $(seq 50); do
  python3 -c "import urllib.request; urllib.request.urlopen('http://127.0.0.1:$port/')" 2>/dev/null && break
  sleep 0.1
done

chrome() {
  timeout 120 chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --user-data-dir="$profile" --virtual-time-budget=30000 "$@" "http://127.0.0.1:$port/"
}
chrome --dump-dom >"$artifacts/overview.html" 2>"$artifacts/chromium.log"
chrome --window-size=1280,1600 --screenshot="$artifacts/overview.png" >/dev/null 2>&1 || true

failed=0
rows=$(grep -o 'data-testid="ranking-row"' "$artifacts/overview.html" | wc -l)
insights=$(grep -o 'data-testid="insight"' "$artifacts/overview.html" | wc -l)
features=$(tail -n +2 data/telemetry.csv | cut -d, -f2 | sort -u | wc -l)
if [ "$rows" -ne "$features" ]; then
  echo "e2e: expected $features ranking rows for the bundled data, found $rows"; failed=1
fi
if [ "$insights" -lt 1 ]; then
  echo "e2e: no insight sentence on the page"; failed=1
fi
if grep -q 'data-testid="error"' "$artifacts/overview.html"; then
  echo "e2e: the page shows an error:"; grep -o 'data-testid="error"[^<]*' "$artifacts/overview.html"; failed=1
fi
if [ $failed = 0 ]; then
  echo "e2e: the page ranks $rows features and states $insights insight(s)"
  echo "e2e: 1 passed, 0 failed"
else
  echo "e2e: 0 passed, 1 failed"; exit 1
fi
