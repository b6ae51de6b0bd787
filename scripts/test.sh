#!/usr/bin/env bash
# The test command: installs what is needed (see setup.sh), then runs the whole suite.
# The audio tests start their own private PulseAudio daemon with null sinks: no sound card needed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export VOICECOACH_HOME="${VOICECOACH_HOME:-$(mktemp -d)}"  # never touch the real home's history
set +e
.venv/bin/python -m pytest "$@"
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "test: pytest collected no tests; that is a failure" >&2
  exit 1
fi
exit "$status"
