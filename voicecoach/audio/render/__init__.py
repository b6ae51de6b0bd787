"""Text → speech samples: pyttsx3 renders to a file, we trim, normalise and cache the result.

Why not let pyttsx3 play: on Linux its espeak driver plays through a blocking `aplay` that
cannot be interrupted, and `runAndWait()` returns before the sound is done (DESIGN.md §2). Its
`save_to_file` is the reliable part, so we only ever render with it and play samples ourselves.

Rendered audio is trimmed of leading/trailing silence, normalised to one peak level, and cached
as WAV under the user cache dir, keyed by a hash of driver + voice + rate + text.

The parts, by what they do:
  common.py    RenderError and the per-phrase time limit
  samples.py   reading WAV/AIFF, writing WAV, trimming and normalising a phrase
  cache.py     the cache folder and the key of each phrase
  worker.py    the pyttsx3 worker process (`python -m voicecoach.audio.render.worker`)
  renderer.py  Renderer (cache, queue, the worker's handle), list_voices
"""

from __future__ import annotations

from voicecoach.audio.render.cache import (
    CACHE_VERSION, cache_key, default_cache_dir, default_driver,
)
from voicecoach.audio.render.common import RENDER_TIMEOUT, RenderError
from voicecoach.audio.render.renderer import Rendered, Renderer, VoiceInfo, _Worker, list_voices
from voicecoach.audio.render.samples import (
    FADE_MS, LEAD_MS, PEAK, TAIL_MS, TRIM_THRESHOLD, _read_aiff, read_audio, trim_and_normalise,
    write_wav,
)

__all__ = [
    "CACHE_VERSION", "FADE_MS", "LEAD_MS", "PEAK", "RENDER_TIMEOUT", "TAIL_MS", "TRIM_THRESHOLD",
    "RenderError", "Rendered", "Renderer", "VoiceInfo", "cache_key", "default_cache_dir",
    "default_driver", "list_voices", "read_audio", "trim_and_normalise", "write_wav",
]

_WORKER_NAMES = ("_worker_main", "_wait_complete", "_espeak_idle")


def __getattr__(name: str):
    # The worker's names load on first use: the worker runs as `-m ….worker`, and a package
    # that had already imported that module would make it run twice (runpy warns).
    if name in _WORKER_NAMES:
        from voicecoach.audio.render import worker

        return getattr(worker, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
