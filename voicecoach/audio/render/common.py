"""What every part of rendering shares: its one error type and the time one phrase may take."""

from __future__ import annotations

RENDER_TIMEOUT = 15.0


class RenderError(RuntimeError):
    """The text-to-speech engine failed or is not installed."""
