#!/usr/bin/env bash
# Installs everything voicecoach needs on a fresh Debian/Ubuntu machine, from nothing:
# Debian packages (speech, audio, a compiler for PyAudio), a virtualenv in .venv, the package.
# Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

PACKAGES=(espeak-ng libespeak-ng1 portaudio19-dev alsa-utils pulseaudio pulseaudio-utils
          libasound2-plugins sox gcc python3-dev python3-venv)

missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
if [ ${#missing[@]} -gt 0 ]; then
  SUDO=""
  [ "$(id -u)" -eq 0 ] || SUDO="sudo"
  echo "setup: installing Debian packages: ${missing[*]}" >&2
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${missing[@]}" >/dev/null
fi

PYTHON=${PYTHON:-}
if [ -z "$PYTHON" ]; then
  for candidate in python3.11 python3; do
    if command -v "$candidate" >/dev/null 2>&1; then PYTHON=$candidate; break; fi
  done
fi
"$PYTHON" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || {
  echo "setup: voicecoach needs Python 3.11 or newer ($PYTHON is older)" >&2; exit 1; }

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv" >&2
  "$PYTHON" -m venv .venv
fi
stamp=.venv/.voicecoach-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages" >&2
  .venv/bin/python -m pip install -q --upgrade pip 2>&1 | grep -v "^WARNING" || true
  .venv/bin/python -m pip install -q -e ".[test,ovos]" 2>&1 | grep -v -e "^WARNING" -e "^  " || true
  .venv/bin/python -c "import voicecoach, pyttsx3, pocketsphinx, pyaudio, speech_recognition, ovos_workshop, ovoscope"
  touch "$stamp"
fi
