"""The coach's mind, pure: catalog, planner, dialogue, onboarding, adaptation, prompts, events.

Nothing in here does audio, storage, threads or wall-clock time (tests/test_architecture.py
checks the imports). It reads its own data files (exercises, routines, rules, prompts) and
nothing else; time comes in as a number, speech goes out as actions.
"""
