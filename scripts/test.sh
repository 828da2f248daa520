#!/bin/sh
# The whole test suite: unit tests, then integration tests that run real Python programs under
# the real agent on every CPython 3.9+ found under the pyenv versions folder, then browser tests
# of the viewer in Debian's headless Chromium.
set -e
cd "$(dirname "$0")/.."
[ -d node_modules ] || npm ci --no-audit --no-fund
npx tsc -p tsconfig.json
npx tsc -p viewer/tsconfig.json
node --test --test-concurrency=2 dist/test/unit/ dist/test/integration/ dist/test/browser/
