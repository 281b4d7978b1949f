"""Loading what the app writes, for the PyTorch-side checks: safetensors files (the `safetensors`
package is not in Debian) and the network class of an exported PyTorch file.

Imported by test/export/check_exports.py, test/export/check_onnx.py,
node/engine/training/torchStep.py and tools/torch/reference_logits.py (each puts this folder on
sys.path).
"""
from __future__ import annotations

import importlib.util
import json
import re
import struct

import numpy as np
import torch

DTYPES = {"F32": np.float32, "F64": np.float64, "F16": np.float16, "I64": np.int64, "I32": np.int32}


def read_safetensors(path: str) -> dict[str, torch.Tensor]:
    """The tensors of a safetensors file (8-byte little-endian header length, JSON header, data)."""
    with open(path, "rb") as f:
        (n,) = struct.unpack("<Q", f.read(8))
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, info in header.items():
        if name == "__metadata__":
            continue
        if info["dtype"] not in DTYPES:
            raise ValueError(f"{path}: {name} is {info['dtype']}; this reader knows {', '.join(DTYPES)}.")
        begin, end = info["data_offsets"]
        array = np.frombuffer(data[begin:end], dtype=DTYPES[info["dtype"]]).reshape(info["shape"])
        out[name] = torch.from_numpy(array.copy())
    return out


def load_module(path: str, name: str):
    """Imports a Python file as module `name` (an exported file is not on sys.path)."""
    spec = importlib.util.spec_from_file_location(name, path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def network_class(path: str, class_name: str | None = None, module_name: str = "exported_network"):
    """The network class of an exported PyTorch file: `class_name`, else the one its smoke test
    builds (`model = ClassName()` under `if __name__ == "__main__":`)."""
    if class_name is None:
        with open(path) as f:
            found = re.search(r"^\s*model = (\w+)\(\)", f.read(), re.M)
        if not found:
            raise ValueError(f"{path} has no `model = ClassName()` line naming its network.")
        class_name = found.group(1)
    return getattr(load_module(path, module_name), class_name)
