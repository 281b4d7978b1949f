#!/usr/bin/python3
"""Writes core/weights/__fixtures__/init-golden.json: what tools/torch/weights.py makes for the
googlenet preset's state_dict (seeds 0 and 7, schemes pytorch and randomized) and for
randomInput([3, 3, 224, 224], 42).  core/weights/init.test.ts recomputes every figure in
TypeScript and requires the same float32 values.

Run from the repository root:  /usr/bin/python3 tools/torch/make_init_golden.py
"""
from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from weights import fnv1a, hash32, init_from_spec, random_input, stream_base  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "core", "weights", "__fixtures__", "init-golden.json")
FIRST = 6
# Tensors whose first values are written out: each rule of initTensor is represented.
SAMPLED = [
    "conv1.conv.weight",
    "conv1.conv.bias",
    "conv1.batchnorm.weight",
    "conv1.batchnorm.bias",
    "conv1.batchnorm.running_mean",
    "conv1.batchnorm.running_var",
    "conv1.batchnorm.num_batches_tracked",
    "inception3a.branch2.1.conv.weight",
    "inception5b.branch4.1.batchnorm.running_var",
    "aux1.fc1.weight",
    "aux2.fc2.bias",
    "fc1.weight",
    "fc1.bias",
]


def ts_state_dict_spec(source: str) -> list[dict]:
    """core's stateDictSpec for a preset or design file, via tools/torch/spec.ts."""
    out = subprocess.run(
        ["npx", "tsx", "tools/torch/spec.ts", "state-dict", source], cwd=ROOT, check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out)


def summary(a: np.ndarray) -> dict:
    """A tensor's float64 sum, a checksum of its float32 bit patterns, and its first values."""
    flat = a.reshape(-1)
    if flat.dtype == np.int64:
        return {"sum": float(flat.sum()), "bits": 0, "first": [int(v) for v in flat[:FIRST]]}
    bits = flat.view(np.uint32).astype(np.uint64).sum() % (1 << 32)
    return {"sum": float(flat.astype(np.float64).sum()), "bits": int(bits), "first": [float(v) for v in flat[:FIRST]]}


def main() -> None:
    spec = ts_state_dict_spec("googlenet")
    cases = []
    for seed in (0, 7):
        for scheme in ("pytorch", "randomized"):
            sd = init_from_spec(spec, seed, scheme)
            tensors = {}
            for key, value in sd.items():
                s = summary(value)
                if key not in SAMPLED:
                    del s["first"]
                tensors[key] = s
            cases.append({"preset": "googlenet", "seed": seed, "scheme": scheme, "tensors": tensors})
    x = random_input([3, 3, 224, 224], 42)
    golden = {
        "generator": "tools/torch/make_init_golden.py (numpy port tools/torch/weights.py)",
        "hash32": [[v, hash32(v)] for v in (0, 1, 2, 0x7FFFFFFF, 0x80000000, 0xFFFFFFFF, 123456789)],
        "fnv1a": [[s, fnv1a(s)] for s in ("", "input", "conv1.conv.weight", "aux2.fc2.bias")],
        "streamBase": [[seed, key, stream_base(seed, key)] for seed, key in ((0, "input"), (7, "fc1.weight"), (0xFFFFFFFF, "conv1.conv.bias"))],
        "keys": [e["key"] for e in spec],
        "stateDicts": cases,
        "randomInput": {"shape": [3, 3, 224, 224], "seed": 42, **summary(x), "first": [float(v) for v in x.reshape(-1)[:16]]},
    }
    os.makedirs(os.path.dirname(OUT), exist_ok=True)
    with open(OUT, "w") as f:
        json.dump(golden, f, separators=(",", ":"))
        f.write("\n")
    print(f"wrote {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT):,} bytes)")


if __name__ == "__main__":
    main()
