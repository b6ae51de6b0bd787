"""Moonshine's tokenizer: text <-> token ids, read from the `tokenizer.bin` shipped with the model.

The file is 32,000 records, each a one-byte length and then that many UTF-8 bytes; a token's id
is its record's index. It is the Llama-2 SentencePiece vocabulary: 0 `<unk>`, 1 `<s>`, 2 `</s>`,
3..258 the raw bytes `<0x00>`..`<0xFF>`, then pieces in which `▁` stands for a space. Encoding
is SentencePiece BPE with the merge order given by the ids: start from characters, and keep
merging the adjacent pair whose joined piece has the lowest id (DESIGN.md §2c: this matched a
reference tokenizer on 3,695 strings).
"""

from __future__ import annotations

import functools
from pathlib import Path

SPACE = "\u2581"  # ▁
UNK, BOS, EOS = 0, 1, 2
BYTE_BASE = 3  # token 3 + b is the raw byte b


class Tokenizer:
    def __init__(self, pieces: list[bytes]):
        self.pieces = pieces
        self.ids: dict[str, int] = {}
        for i, raw in enumerate(pieces):
            if i < BYTE_BASE + 256:
                continue  # special and byte tokens are never merged into
            try:
                self.ids.setdefault(raw.decode("utf-8"), i)
            except UnicodeDecodeError:
                continue

    @classmethod
    def load(cls, path: str | Path) -> "Tokenizer":
        data = Path(path).read_bytes()
        pieces: list[bytes] = []
        i = 0
        while i < len(data):
            n = data[i]
            pieces.append(data[i + 1:i + 1 + n])
            i += 1 + n
        if len(pieces) < BYTE_BASE + 256:
            raise ValueError(f"{path}: {len(pieces)} records, not a Moonshine tokenizer")
        return cls(pieces)

    def __len__(self) -> int:
        return len(self.pieces)

    @functools.lru_cache(maxsize=4096)
    def encode(self, text: str) -> tuple[int, ...]:
        """Token ids of `text` (no <s> or </s>), as the model writes it: "Stop." -> ▁Stop ."""
        if not text:
            return ()
        parts = list(SPACE + text.replace(" ", SPACE))
        while len(parts) > 1:
            best, at = None, -1
            for i in range(len(parts) - 1):
                tid = self.ids.get(parts[i] + parts[i + 1])
                if tid is not None and (best is None or tid < best):
                    best, at = tid, i
            if best is None:
                break
            parts[at:at + 2] = [parts[at] + parts[at + 1]]
        out: list[int] = []
        for part in parts:
            tid = self.ids.get(part)
            if tid is not None:
                out.append(tid)
            else:  # a character with no piece of its own: its UTF-8 bytes
                out.extend(BYTE_BASE + b for b in part.encode("utf-8"))
        return tuple(out)

    def decode(self, ids) -> str:
        raw = bytearray()
        for tid in ids:
            tid = int(tid)
            if tid in (UNK, BOS, EOS) or tid >= len(self.pieces):
                continue
            raw += bytes([tid - BYTE_BASE]) if tid < BYTE_BASE + 256 else self.pieces[tid]
        return raw.decode("utf-8", errors="replace").replace(SPACE, " ").strip()
