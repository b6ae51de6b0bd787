"""Moonshine's packaged `.ort` files -> ONNX models with their weights folded, once, offline.

Why: the `.ort` files keep every weight as int8 plus a scale and a zero point, and dequantise
them (Cast, Mul, Add) on *every* call, because onnxruntime does not constant-fold a model
loaded in ORT format (DESIGN.md §2c: ~3x slower). Here onnxruntime itself reads the `.ort` file
and writes it back as ONNX; the dequantisation nodes whose inputs are all constants are then
computed once with numpy and replaced by float32 weights; and, when asked, the MatMul weights
are quantised again with onnxruntime's own dynamic quantisation (int8 kernels, no per-call
dequantisation), which is smaller and faster at about the same accuracy (BENCHMARKS.md).

Pure file work: nothing is downloaded; the inputs are the files inside the moonshine-cpp wheel.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import numpy as np

FOLDABLE = frozenset({"Cast", "Mul", "Add", "Sub"})


def ort_to_onnx(src: Path, dst: Path) -> None:
    """Let onnxruntime load an ORT-format model and serialise it as ONNX, unchanged."""
    import onnxruntime as ort

    options = ort.SessionOptions()
    options.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    options.optimized_model_filepath = str(dst)
    options.log_severity_level = 3
    ort.InferenceSession(str(src), options, providers=["CPUExecutionProvider"])


def _evaluate(op: str, node, args: list[np.ndarray]) -> np.ndarray:
    from onnx import helper

    if op == "Cast":
        to = next(a.i for a in node.attribute if a.name == "to")
        return args[0].astype(helper.tensor_dtype_to_np_dtype(to))
    if op == "Mul":
        return np.asarray(args[0] * args[1])
    if op == "Add":
        return np.asarray(args[0] + args[1])
    return np.asarray(args[0] - args[1])


def fold_constants(model):
    """Compute the top graph's Cast/Mul/Add/Sub nodes whose inputs are all initializers, and
    keep their results as initializers instead (the dequantisation of every weight). Subgraph
    names left empty by the ORT round trip are filled in (ONNX requires them)."""
    import onnx
    from onnx import numpy_helper

    graph = model.graph
    consts = {init.name: numpy_helper.to_array(init) for init in graph.initializer}
    kept = []
    for node in graph.node:
        if node.op_type in FOLDABLE and node.input and all(i in consts for i in node.input):
            consts[node.output[0]] = _evaluate(node.op_type, node, [consts[i] for i in node.input])
        else:
            kept.append(node)
    used = {o.name for o in graph.output}

    def uses(nodes) -> None:
        for node in nodes:
            used.update(node.input)
            for attr in node.attribute:
                if attr.type == onnx.AttributeProto.GRAPH:
                    uses(attr.g.node)
                    used.update(o.name for o in attr.g.output)

    uses(kept)
    del graph.node[:]
    graph.node.extend(kept)
    inits = [numpy_helper.from_array(np.asarray(v), name) for name, v in consts.items()
             if name in used]
    del graph.initializer[:]
    graph.initializer.extend(inits)
    for node in graph.node:
        for attr in node.attribute:
            if attr.type == onnx.AttributeProto.GRAPH and not attr.g.name:
                attr.g.name = f"{node.name or node.op_type}_{attr.name}"
    return model


def quantize_int8(src: Path, dst: Path) -> None:
    """Dynamic int8 quantisation of the MatMul weights (onnxruntime.quantization), inside the
    merged decoder's branches too."""
    import logging

    from onnxruntime.quantization import QuantType, quantize_dynamic

    logging.getLogger().setLevel(logging.ERROR)  # it warns about optional pre-processing
    quantize_dynamic(str(src), str(dst), weight_type=QuantType.QInt8,
                     op_types_to_quantize=["MatMul"], extra_options={"EnableSubgraph": True})


def convert(src: Path, dst: Path, int8: bool = True) -> None:
    """`src` (.ort) -> `dst` (.onnx), written atomically (a half-written file is never left
    under the final name)."""
    import onnx

    dst.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=dst.parent, prefix=".convert-") as tmp:
        raw = Path(tmp) / "raw.onnx"
        folded = Path(tmp) / "folded.onnx"
        ort_to_onnx(src, raw)
        onnx.save(fold_constants(onnx.load(str(raw))), str(folded))
        out = folded
        if int8:
            out = Path(tmp) / "int8.onnx"
            quantize_int8(folded, out)
        os.replace(out, dst)
