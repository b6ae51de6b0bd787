"""voicecoach: a hands-free, offline voice coach for back-pain exercise."""

__version__ = "0.1.0"
