"""Reading one of the understanding's own data files (YAML), with one clear error."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from voicecoach.core.errors import DataFileError

# libyaml's loader when present: the example files are large enough for it to matter.
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def read_yaml(path: str | Path) -> Any:
    """The parsed file; a missing or malformed one -> DataFileError naming the file."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except OSError as err:
        raise DataFileError(str(path), f"cannot read: {err.strerror or err}") from None
    try:
        return yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as err:
        raise DataFileError(str(path), f"not valid YAML: {err}") from None
