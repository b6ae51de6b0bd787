"""Moonshine base (English) run with onnxruntime: load once, encode audio, decode tokens.

Shapes (DESIGN.md §2c): the encoder takes `input_values` [batch, samples] float32 at 16 kHz and
gives `last_hidden_state` [batch, T, 416]. The merged decoder takes `input_ids`, the encoder
states, 8 layers x {decoder, encoder} x {key, value} caches [batch, 8, len, 52] and
`use_cache_branch`; it returns `logits` [batch, seq, 32768] and the new caches. The first call
(no cache) computes the cross-attention caches from the encoding; later calls reuse them and
may feed several tokens at once (the decoder stays causal).

One session per model, kept; `intra_op_num_threads` 2, one inter-op thread, sequential: on a
2-core machine more threads only fight each other.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

import numpy as np

from voicecoach.audio.moonshine.files import ModelFiles
from voicecoach.audio.moonshine.tokenizer import BOS, EOS, Tokenizer

LAYERS = 8
VOCAB = 32000  # logits past this index belong to no token
TOKENS_PER_SECOND = 6  # the free decoding's length limit (Moonshine's own rule of thumb)
MIN_TOKENS = 8


def _session(path, threads: int):
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    options.execution_mode = ort.ExecutionMode.ORT_SEQUENTIAL
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_ENABLE_ALL
    options.log_severity_level = 3
    return ort.InferenceSession(str(path), options, providers=["CPUExecutionProvider"])


def log_softmax(logits: np.ndarray) -> np.ndarray:
    x = logits[..., :VOCAB].astype(np.float32)
    top = x.max(axis=-1, keepdims=True)
    return x - top - np.log(np.exp(x - top).sum(axis=-1, keepdims=True))


@dataclass
class Encoding:
    """One utterance encoded, with the decoder's first step done: the distribution of the first
    token after <s>, and the caches every later step starts from (batch 1)."""

    hidden: np.ndarray  # [1, T, 416]
    first: np.ndarray  # log-probabilities of the first token [VOCAB]
    self_kv: list[np.ndarray]  # per layer: key, value, ... [1, 8, 1, 52] (decoder self-attention)
    cross_kv: list[np.ndarray]  # per layer: key, value [1, 8, T, 52] (cross-attention)
    ms: float


class Moonshine:
    def __init__(self, files: ModelFiles, threads: int | None = None):
        threads = threads or max(1, min(2, os.cpu_count() or 1))
        t0 = time.perf_counter()
        self.tokenizer = Tokenizer.load(files.tokenizer)
        self.encoder = _session(files.encoder, threads)
        self.decoder = _session(files.decoder, threads)
        self._inputs = [i.name for i in self.decoder.get_inputs()]
        self._outputs = [o.name for o in self.decoder.get_outputs()]
        self._self_names = [f"past_key_values.{i}.decoder.{kv}" for i in range(LAYERS)
                            for kv in ("key", "value")]
        self._cross_names = [f"past_key_values.{i}.encoder.{kv}" for i in range(LAYERS)
                             for kv in ("key", "value")]
        self._out_index = {name: i for i, name in enumerate(self._outputs)}
        self.load_ms = (time.perf_counter() - t0) * 1000

    # ------------------------------------------------------------------ decoder calls

    def _run(self, ids: np.ndarray, hidden: np.ndarray, self_kv, cross_kv, cached: bool):
        feed = {"input_ids": ids, "encoder_hidden_states": hidden,
                "use_cache_branch": np.array([cached])}
        feed.update(zip(self._self_names, self_kv))
        feed.update(zip(self._cross_names, cross_kv))
        out = self.decoder.run(None, feed)
        logits = out[0]
        new_self = [out[self._out_index[n.replace("past_key_values", "present")]]
                    for n in self._self_names]
        new_cross = [out[self._out_index[n.replace("past_key_values", "present")]]
                     for n in self._cross_names]
        return logits, new_self, new_cross

    def encode(self, samples: np.ndarray) -> Encoding:
        """`samples`: float32 in -1..1 at 16 kHz, one utterance."""
        t0 = time.perf_counter()
        x = np.asarray(samples, np.float32)[None, :]
        hidden = self.encoder.run(None, {"input_values": x})[0]
        empty = np.zeros((1, 8, 0, 52), np.float32)
        logits, self_kv, cross_kv = self._run(np.array([[BOS]], np.int64), hidden,
                                              [empty] * (2 * LAYERS), [empty] * (2 * LAYERS),
                                              cached=False)
        return Encoding(hidden, log_softmax(logits[0, -1]), self_kv, cross_kv,
                        (time.perf_counter() - t0) * 1000)

    def step(self, enc: Encoding, ids: np.ndarray, self_kv: list[np.ndarray]
             ) -> tuple[np.ndarray, list[np.ndarray]]:
        """Feed `ids` [batch, n] after the caches `self_kv` (batch rows each); returns the
        log-probabilities [batch, n, VOCAB] and the longer caches. The encoding's
        cross-attention caches are shared by every row."""
        batch = ids.shape[0]
        cross = [np.broadcast_to(c, (batch,) + c.shape[1:]) for c in enc.cross_kv]
        hidden = np.broadcast_to(enc.hidden, (batch,) + enc.hidden.shape[1:])
        logits, new_self, _ = self._run(ids.astype(np.int64), hidden, self_kv, cross, cached=True)
        return log_softmax(logits), new_self

    # ------------------------------------------------------------------ free decoding

    def transcribe(self, enc: Encoding, seconds: float) -> tuple[str, list[int], float]:
        """Greedy decoding: (text, tokens, sum of their log-probabilities incl. </s>)."""
        limit = max(MIN_TOKENS, int(seconds * TOKENS_PER_SECOND))
        tokens: list[int] = []
        logp = enc.first
        total = 0.0
        self_kv = enc.self_kv
        for _ in range(limit):
            tok = int(np.argmax(logp))
            total += float(logp[tok])
            if tok == EOS:
                break
            tokens.append(tok)
            out, self_kv = self.step(enc, np.array([[tok]]), self_kv)
            logp = out[0, -1]
        return self.tokenizer.decode(tokens), tokens, total
