#!/usr/bin/env bash
# End-to-end: builds the page with Trunk, serves dist/ on loopback, and drives the
# dashboard in headless Chromium as a person would (tests/e2e/dashboard.mjs: overview,
# pick the top feature, model card, change a weight, load a bad file, a 1,000 x 365
# export uploaded and timed, files kept in the browser across a reload and a link opened
# elsewhere, a phone-sized screen, accessibility checks with axe-core), failing on any
# Content-Security-Policy violation or request that leaves the site; then serves the
# same dist/ from a sub-path (tests/e2e/subpath.mjs). tests/e2e/live.mjs follows a live
# source on a second loopback server whose file grows, fails and refuses the page.
# Screenshots of the overview and the feature view land in tests/artifacts/.
#
# FR_E2E_LARGE=FEATURES (a benchmark, not part of CI): instead of the checks, the Data
# view's generator makes FEATURES x 365 days, analysed in the page's engine worker
# (tests/e2e/large.mjs), and the seconds, the progress stages' times and the longest
# main-thread task are printed.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
artifacts=tests/artifacts
mkdir -p "$artifacts"

trunk build --release --offline >"$artifacts/trunk-build.log" 2>&1 || {
  cat "$artifacts/trunk-build.log"; echo "e2e: the Trunk build failed"; exit 1; }

# No data files are shipped (the page makes the bundled dataset; never the generator's
# ground truth), and what the first view transfers is measured: gzipped, the page, its
# script, style and wasm, and the engine's worker (script and wasm), without ECharts,
# which loads when a chart is first shown.
shipped=$(cd dist && find . -type f -name '*.csv' | sort | tr '\n' ' ')
if [ -n "$shipped" ]; then
  echo "e2e: dist/ ships these CSV files: $shipped(expected none)"
  exit 1
fi
echo "ok   dist/ ships no data files (no truth.csv)"
first_view=0
for f in dist/index.html dist/boot.js dist/*.css dist/feature-radar-app-*.js dist/feature-radar-app-*_bg.wasm \
  dist/engine-worker.js dist/feature-radar-worker.js dist/feature-radar-worker_bg.wasm; do
  [ -f "$f" ] || { echo "e2e: $f is missing from dist/"; exit 1; }
  first_view=$((first_view + $(gzip -9 <"$f" | wc -c)))
done
echarts=$(gzip -9 <dist/echarts-5.6.0.min.js | wc -c)
echo "     (first view: $((first_view / 1024)) KB gzipped; ECharts on the first chart: $((echarts / 1024)) KB)"

free_port() { python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_for() {
  for _ in $(seq 50); do
    python3 -c "import urllib.request; urllib.request.urlopen('$1')" 2>/dev/null && return
    sleep 0.1
  done
}

port=$(free_port)
python3 -m http.server "$port" --bind 127.0.0.1 --directory dist >"$artifacts/server.log" 2>&1 &
server=$!
# The same dist/ as a project page: the folder feature-radar/ inside the served root.
site=$(mktemp -d)
ln -s "$PWD/dist" "$site/feature-radar"
sub_port=$(free_port)
python3 -m http.server "$sub_port" --bind 127.0.0.1 --directory "$site" >"$artifacts/server-subpath.log" 2>&1 &
sub_server=$!
trap 'kill $server $sub_server 2>/dev/null || true; rm -rf "$site"' EXIT
wait_for "http://127.0.0.1:$port/"
wait_for "http://127.0.0.1:$sub_port/feature-radar/"

if [ -n "${FR_E2E_LARGE:-}" ]; then
  node tests/e2e/large.mjs "http://127.0.0.1:$port/" "$FR_E2E_LARGE"
  exit
fi

features=$(tail -n +2 data/telemetry.csv | cut -d, -f2 | sort -u | wc -l)
status=0
EXPECTED_FEATURES=$features node tests/e2e/dashboard.mjs "http://127.0.0.1:$port/" "$artifacts" || status=1
EXPECTED_FEATURES=$features node tests/e2e/live.mjs "http://127.0.0.1:$port/" "$artifacts" || status=1
EXPECTED_FEATURES=$features node tests/e2e/subpath.mjs "http://127.0.0.1:$sub_port/feature-radar/" || status=1
exit $status
