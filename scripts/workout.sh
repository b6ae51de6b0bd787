#!/usr/bin/env bash
# Runs a guided workout. Installs what is needed first (see setup.sh). With no sound card or
# sound server, it runs the headless demo instead: a recorded voice drives the coach, whose
# speech is saved as a WAV file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
has_sound() {
  pactl info >/dev/null 2>&1 && return 0
  [ -d /dev/snd ] && aplay -l 2>/dev/null | grep -q '^card' && return 0
  return 1
}
if has_sound; then
  exec .venv/bin/voicecoach workout "$@"
fi
echo "workout: no sound card found; running the headless demo (voicecoach demo)" >&2
exec .venv/bin/voicecoach demo "$@"
