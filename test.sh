#!/usr/bin/env bash
# Install what the tests need and run them all: ./test.sh [pytest options]
# Browser tests use Debian's Chromium (/usr/bin/chromium), and the proxy test Debian's nginx;
# without them they are skipped, except under CI=true, where a missing one is a failure.
set -euo pipefail
cd "$(dirname "$0")"
source scripts/venv.sh requirements-test.txt
if [ ! -x /usr/bin/chromium ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium for the browser tests..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
    || echo "chromium could not be installed: browser tests will be skipped (or fail under CI)"
fi
if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ] && [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's nginx for the proxy test..."
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null) \
    || echo "nginx could not be installed: the proxy test will be skipped (or fail under CI)"
fi
echo "Linting with ruff..."
python -m ruff check .
# Both cores: the browser tests on one worker (they share an app server), the rest on either.
# AGORA_TEST_WORKERS=0 runs everything in this one process.
exec python -m pytest -n "${AGORA_TEST_WORKERS:-2}" --dist loadgroup "$@"
