#!/usr/bin/python3
"""Writes core/analysis/__fixtures__/family/<preset>.json: the figures of each family reference in
tools/torch/family/ (googlenet-paper, bn-inception, inception-v4, inception-resnet-v1,
inception-resnet-v2), measured in PyTorch at the preset's own input size with batch 1.

Each file holds:
  preset, reference (what the network matches), torch (version), input [1, C, H, W],
  preprocessing: how the reference's trained weights expect a photo
    {channelOrder, range, mean, std, interpolation, cropPct, source},
  blocks: the module-level view in execution order, each
    {name, kind, label, aux, shape (batch 1), params, buffers, macs (per image)},
  layers: every conv, batch norm, linear, pool, LRN and dropout call in execution order,
    {name (PyTorch's qualified module name), type, block, shape, params, macs},
  totals: {params, paramsEval, macs, macsTrain, buffers, buffersEval},
  stateDict: [[key, shape], …] in the reference's order.

MACs are conv and linear multiply-accumulates per image (conv: output elements per image ×
in/groups × kh × kw; linear: in × out); buffers are batch-norm running_mean and running_var values.

Run from the repository root:  /usr/bin/python3 tools/torch/make_family_golden.py   (~1 min)
"""
from __future__ import annotations

import json
import os
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import EXPECTED_PARAMS, PRESETS, build  # noqa: E402
from family.measure import measure  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "core", "analysis", "__fixtures__", "family")


def fixture(name: str) -> dict:
    torch.manual_seed(0)
    net = build(name)
    f = measure(net)
    want = EXPECTED_PARAMS[name]
    if want is not None and (f["totals"]["params"], f["totals"]["paramsEval"]) != want:
        raise AssertionError(f"{name}: {f['totals']['params']:,} / {f['totals']['paramsEval']:,} parameters; the spec says {want[0]:,} / {want[1]:,}")
    return {
        "preset": name,
        "reference": net.reference,
        "generator": "tools/torch/make_family_golden.py with tools/torch/family/",
        "torch": torch.__version__,
        "input": f["input"],
        "preprocessing": net.preprocessing.as_json(),
        "totals": f["totals"],
        "blocks": f["blocks"],
        "layers": f["layers"],
        "stateDict": f["stateDict"],
    }


def main() -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    for name in PRESETS:
        fx = fixture(name)
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as fp:
            json.dump(fx, fp, separators=(",", ":"))
            fp.write("\n")
        t = fx["totals"]
        print(
            f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path):,} bytes; {len(fx['blocks'])} blocks, "
            f"{len(fx['stateDict'])} keys; params {t['params']:,} (eval {t['paramsEval']:,}), MACs {t['macs']:,}"
        )


if __name__ == "__main__":
    main()
