"""The tree tells which rooms may do I/O: the pure core and understanding/ must stay pure.

Every import in voicecoach/core/ and voicecoach/understanding/ (top-level, inside functions and
under TYPE_CHECKING alike) is read from the source; none may reach the rooms at the edge or the
modules that do audio, storage, threads or wall-clock time.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "voicecoach"
PURE_ROOMS = ("core", "understanding")
# The rooms at the edge, and the standard/third-party modules that mean I/O, threads or time.
FORBIDDEN = (
    "voicecoach.audio", "voicecoach.store", "voicecoach.cli", "voicecoach.integrations",
    "voicecoach.session",
    "sqlite3", "pyaudio", "pyttsx3", "threading", "time", "subprocess", "socket", "asyncio",
    "pocketsphinx", "speech_recognition", "onnxruntime", "sounddevice",
)


def imports_of(path: Path) -> list[tuple[int, str]]:
    """(line, dotted module) of every import in a file, relative imports resolved."""
    tree = ast.parse(path.read_text(encoding="utf-8"), str(path))
    package = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts[:-1])
    found: list[tuple[int, str]] = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[: len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.append((node.lineno, base))
            # `from voicecoach import audio` names a room through the attribute
            found += [(node.lineno, f"{base}.{alias.name}") for alias in node.names]
    return found


def offending(module: str) -> str | None:
    for banned in FORBIDDEN:
        if module == banned or module.startswith(banned + "."):
            return banned
    return None


def pure_files() -> list[Path]:
    return sorted(p for room in PURE_ROOMS for p in (PACKAGE / room).rglob("*.py"))


def test_the_pure_rooms_exist_and_hold_the_core():
    names = {p.stem for p in pure_files()}
    for module in ("dialogue", "catalog", "planner", "onboarding", "prompts", "events", "intents"):
        assert module in names or (PACKAGE / "core" / module).is_dir(), module


@pytest.mark.parametrize("path", pure_files(), ids=lambda p: str(p.relative_to(PACKAGE)))
def test_pure_module_imports_no_io(path: Path):
    bad = [f"{path.relative_to(PACKAGE.parent)}:{line}: imports {module} ({offending(module)} is I/O)"
           for line, module in imports_of(path) if offending(module)]
    assert not bad, "\n".join(bad)


def test_the_check_catches_an_offending_import(tmp_path: Path):
    # The checker itself must see imports hidden in functions and relative ones.
    room = PACKAGE / "core"
    fake = room / "_probe_for_architecture_test.py"
    fake.write_text("def f():\n    import threading\n\nfrom ..store import paths\n", encoding="utf-8")
    try:
        modules = [m for _, m in imports_of(fake)]
    finally:
        fake.unlink()
    assert "threading" in modules
    assert any(offending(m) == "voicecoach.store" for m in modules)


def test_every_folder_says_what_it_is_for():
    for folder in sorted(p for p in PACKAGE.iterdir() if p.is_dir() and (p / "__init__.py").exists()):
        doc = ast.get_docstring(ast.parse((folder / "__init__.py").read_text(encoding="utf-8")))
        assert doc, f"{folder.name}/__init__.py has no docstring saying what the room is for"
