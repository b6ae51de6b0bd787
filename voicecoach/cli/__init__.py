"""Command line: `voicecoach <command>`, one small module per subcommand; the argument parser
and the dispatch live in `main.py`."""

from voicecoach.cli.main import main

__all__ = ["main"]
