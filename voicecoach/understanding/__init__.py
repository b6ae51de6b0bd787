"""Text in, intent out: the command phrases, the parser, the safety words. Pure, no I/O
beyond reading its own data files (tests/test_architecture.py checks the imports)."""
