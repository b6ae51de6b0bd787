"""Where Moonshine's files are: the packaged originals, and our converted copies in the cache.

- The originals ship inside the `moonshine-cpp` wheel (`moonshine_cpp/models/base-en/`). The
  package is found without importing it: importing it loads its own onnxruntime library and
  has download code for other languages, neither of which we want.
- The converted models (voicecoach.audio.moonshine.convert) live in the user cache
  (`store.paths.cache_dir()/moonshine`, i.e. under VOICECOACH_HOME when that is set), or in
  VOICECOACH_MODEL_DIR when set (tests and CI convert once per run and share it).
- A manifest records what the copies were made from; a copy whose manifest, size or source
  does not match is rebuilt, with one line saying why.
"""

from __future__ import annotations

import importlib.util
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable

from voicecoach.core.errors import UserError

MODEL = "base-en"
MODEL_FILES = ("encoder_model.ort", "decoder_model_merged.ort", "tokenizer.bin")
CONVERTER_VERSION = 1  # bump when convert.py changes what it writes
MODEL_DIR_ENV = "VOICECOACH_MODEL_DIR"
PIP_FIX = "reinstall it: .venv/bin/pip install --force-reinstall moonshine-cpp==0.1.4"


@dataclass(frozen=True)
class ModelFiles:
    encoder: Path
    decoder: Path
    tokenizer: Path


def packaged_dir() -> Path:
    """The folder of the English base model inside the installed moonshine-cpp package."""
    spec = importlib.util.find_spec("moonshine_cpp")
    if spec is None or not spec.submodule_search_locations:
        raise UserError(f"the Moonshine model is not installed (moonshine-cpp); {PIP_FIX}")
    folder = Path(list(spec.submodule_search_locations)[0]) / "models" / MODEL
    missing = [name for name in MODEL_FILES if not (folder / name).is_file()]
    if missing:
        raise UserError(f"the Moonshine model is incomplete ({', '.join(missing)} missing in "
                        f"{folder}); {PIP_FIX}")
    return folder


def cache_root() -> Path:
    override = os.environ.get(MODEL_DIR_ENV, "").strip()
    if override:
        return Path(override).expanduser()
    from voicecoach.store import paths

    return paths.cache_dir() / "moonshine"


def _source_stamp(src: Path) -> dict:
    import onnxruntime

    return {"converter": CONVERTER_VERSION, "onnxruntime": onnxruntime.__version__,
            "sources": {name: (src / name).stat().st_size for name in MODEL_FILES}}


def _manifest_ok(folder: Path, stamp: dict, names: tuple[str, ...]) -> str:
    """"" when the converted copies in `folder` are whole and made from these sources;
    otherwise why not."""
    try:
        manifest = json.loads((folder / "manifest.json").read_text())
    except FileNotFoundError:
        return "not built yet"
    except (OSError, ValueError):
        return "its manifest is unreadable"
    if manifest.get("stamp") != stamp:
        return "made from other model files or by another version"
    for name in names:
        path = folder / name
        if not path.is_file() or path.stat().st_size != manifest.get("sizes", {}).get(name):
            return f"{name} is missing or damaged"
    return ""


def converted(int8: bool = True, notice: Callable[[str], None] | None = None,
              force: bool = False) -> ModelFiles:
    """The converted encoder and decoder (building them first if needed) and the tokenizer."""
    from voicecoach.audio.moonshine.convert import convert

    src = packaged_dir()
    kind = "int8" if int8 else "float32"
    folder = cache_root() / f"{MODEL}-{kind}"
    names = ("encoder.onnx", "decoder.onnx")
    stamp = _source_stamp(src)
    why = "rebuild asked for" if force else _manifest_ok(folder, stamp, names)
    if why:
        if notice is not None:
            notice("preparing the speech model (first run only, a few seconds)"
                   if why == "not built yet" else
                   f"speech model cache in {folder}: {why}; rebuilding it (a few seconds)")
        try:
            folder.mkdir(parents=True, exist_ok=True)
            (folder / "manifest.json").unlink(missing_ok=True)
            for ort_name, name in zip(MODEL_FILES, names):
                convert(src / ort_name, folder / name, int8=int8)
            sizes = {name: (folder / name).stat().st_size for name in names}
            (folder / "manifest.json").write_text(json.dumps({"stamp": stamp, "sizes": sizes}))
        except OSError as err:
            raise UserError(f"cannot write the speech model cache in {folder}: {err}; make it "
                            f"writable or set {MODEL_DIR_ENV} to a folder you own") from None
    return ModelFiles(folder / names[0], folder / names[1], src / "tokenizer.bin")
