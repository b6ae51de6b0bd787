"""What the benchmark scripts share: writing their own marked section of BENCHMARKS.md."""

from __future__ import annotations

import re
from pathlib import Path


def write_section(path: Path, name: str, title: str, body: str) -> None:
    """Replace `<!-- name:begin -->`...`<!-- name:end -->` (or append it) with the body."""
    begin, end = f"<!-- {name}:begin -->", f"<!-- {name}:end -->"
    text = path.read_text() if path.exists() else "# Benchmarks\n"
    section = f"{begin}\n## {title}\n\n{body}\n{end}"
    if begin in text and end in text:
        text = re.sub(re.escape(begin) + ".*?" + re.escape(end), lambda m: section, text,
                      flags=re.S)
    else:
        text = text.rstrip() + "\n\n" + section + "\n"
    path.write_text(text)
