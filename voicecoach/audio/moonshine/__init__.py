"""Moonshine base (English), the default recognizer: see recognizer.py."""
