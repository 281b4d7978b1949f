#!/usr/bin/python3
"""Writes the engine's parity fixtures for the family presets,
node/engine/__fixtures__/parity-family/<preset>.json: the outputs of the family references in
tools/torch/family/ on seeded weights and a seeded input that the TypeScript side makes for itself
(`initStateDict(graph, seed, 'randomized')` and `randomInput([N, C, H, W], inputSeed)`;
tools/torch/weights.py makes the same float32 values from the state_dict keys and shapes alone).

Each file holds:
  preset, input [N, C, H, W], seed, scheme ("randomized"), inputSeed,
  weightGain: every weight of rank ≥ 2 (conv and linear) is the seeded value × weightGain in float32,
  float32Error.<variant>: PyTorch's own float32 error on the case (max |float32 − float64| / max
    |float64| over the outputs, and the same measure of the block statistics). Deep batch-norm networks at random init amplify rounding (v4 in
    train mode: about 5e-4), so a float32 engine can be held only to a few times this there,
  outputs.eval.main, outputs.train.{main[, aux1, aux2]} and outputs.evalCalibrated.main:
    {shape, data: base64 float32 little-endian},
  modules.<variant>.<block>: {shape, mean, absMax} of each block's output (the block names are the
    preset's module ids),
  calibratedBuffers.<key>: {shape, data}: every batch norm's running_mean/running_var set to the
    statistics of this input (one train-mode pass with momentum 1, rounded to float32).

As in make_parity.py: train mode is model.train() with every Dropout in eval mode (batch norm on
the batch's statistics, nothing random); PyTorch computes in float64 on the float32 weights and
input; stored outputs are rounded to float32.  With the randomized init the plain eval logits of
these deep networks barely depend on the input; the calibrated variant has teeth.

Run from the repository root:  /usr/bin/python3 tools/torch/make_family_parity.py   (~2 min)
"""
from __future__ import annotations

import base64
import copy
import json
import os
import sys

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from family import build  # noqa: E402
from weights import init_state_dict, random_input  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "electron", "engine", "__fixtures__", "parity-family")
SCHEME = "randomized"

# preset, batch, weight seed, input seed, weight gain
CASES = [
    # No batch norm: at the init's scale the signal fades through 22 conv layers and the logits
    # barely depend on the input; 2.5 × (about He's gain of √6) keeps it alive.
    ("googlenet-paper", 2, 11, 111, 2.5),
    ("bn-inception", 2, 12, 112, 1.0),
    ("inception-v4", 2, 13, 113, 1.0),
    ("inception-resnet-v1", 2, 14, 114, 1.0),
    ("inception-resnet-v2", 2, 15, 115, 1.0),
]


def tensor_entry(t: torch.Tensor) -> dict:
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def run(net, x: torch.Tensor) -> tuple[dict, dict]:
    """(outputs, per-block {shape, mean, absMax}) of one forward pass."""
    stats: dict[str, dict] = {}

    def on_tap(name: str, t: torch.Tensor) -> None:
        stats[name] = {"shape": list(t.shape), "mean": t.mean().item(), "absMax": t.abs().max().item()}

    net._tap_hook = on_tap
    try:
        out = net(x)
    finally:
        net._tap_hook = None
    return {k: tensor_entry(v) for k, v in out.items()}, stats


def float32_error(net, x: torch.Tensor, want: dict, want_modules: dict) -> float:
    """PyTorch's own float32 error on this case: the largest of max |float32 − float64| / max |float64|
    over the outputs and |Δmean| / absMax, |ΔabsMax| / absMax over the block statistics."""
    net32 = copy.deepcopy(net).float()
    with torch.no_grad():
        got, stats = run(net32, x.float())
    worst = 0.0
    for k, entry in want.items():
        ref = torch.from_numpy(np.frombuffer(base64.b64decode(entry["data"]), dtype="<f4").reshape(entry["shape"]).copy()).double()
        mine = torch.from_numpy(np.frombuffer(base64.b64decode(got[k]["data"]), dtype="<f4").reshape(got[k]["shape"]).copy()).double()
        worst = max(worst, ((mine - ref).abs().max() / ref.abs().max()).item())
    for k, ref in want_modules.items():
        worst = max(worst, abs(stats[k]["mean"] - ref["mean"]) / ref["absMax"], abs(stats[k]["absMax"] - ref["absMax"]) / ref["absMax"])
    return worst


def make(name: str, batch: int, seed: int, input_seed: int, gain: float) -> dict:
    net = build(name)
    weights = init_state_dict(net.state_dict(), seed, SCHEME)
    # 2.5 is exact in binary, so float32 w × 2.5 rounds the exact product once, in any language.
    weights = {k: (v * np.float32(gain) if v.ndim >= 2 else v) for k, v in weights.items()}
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    net.double()
    shape = [batch, *net.input_size]
    x = torch.from_numpy(random_input(shape, input_seed)).double()
    errors: dict[str, float] = {}
    with torch.no_grad():
        net.eval()
        eval_out, eval_modules = run(net, x)
        errors["eval"] = float32_error(net, x, eval_out, eval_modules)
        net.train()
        for m in net.modules():
            if isinstance(m, nn.Dropout):
                m.eval()
        train_out, train_modules = run(net, x)
        errors["train"] = float32_error(net, x, train_out, train_modules)
        calibrated: dict[str, dict] = {}
        bns = [m for m in net.modules() if isinstance(m, nn.BatchNorm2d)]
        if bns:
            for m in bns:
                m.momentum = 1.0
            net(x)
            for key, value in net.state_dict().items():
                if key.endswith(".running_mean") or key.endswith(".running_var"):
                    rounded = value.to(torch.float32)
                    value.copy_(rounded.double())
                    calibrated[key] = tensor_entry(rounded)
        net.eval()
        cal_out, cal_modules = run(net, x) if bns else ({}, {})
        if bns:
            errors["evalCalibrated"] = float32_error(net, x, cal_out, cal_modules)
    outputs = {"eval": eval_out, "train": train_out}
    modules = {"eval": eval_modules, "train": train_modules}
    if bns:
        outputs["evalCalibrated"] = cal_out
        modules["evalCalibrated"] = cal_modules
    return {
        "preset": name,
        "input": shape,
        "seed": seed,
        "scheme": SCHEME,
        "inputSeed": input_seed,
        "weightGain": gain,
        "float32Error": errors,
        "outputs": outputs,
        "modules": modules,
        "calibratedBuffers": calibrated,
    }


def main(argv: list[str]) -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(argv)
    for name, batch, seed, input_seed, gain in CASES:
        if only and name not in only:
            continue
        fx = make(name, batch, seed, input_seed, gain)
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as f:
            json.dump(fx, f, separators=(",", ":"))
            f.write("\n")
        outs = ", ".join(f"{mode}.{k} {'×'.join(map(str, v['shape']))}" for mode, o in fx["outputs"].items() for k, v in o.items())
        errs = ", ".join(f"{k} {v:.1e}" for k, v in fx["float32Error"].items())
        print(f"{os.path.relpath(path, ROOT)}: {os.path.getsize(path):,} bytes; {outs}; PyTorch float32 error: {errs}")


if __name__ == "__main__":
    main(sys.argv[1:])
