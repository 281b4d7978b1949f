#!/usr/bin/python3
"""Writes the engine's parity fixtures, node/engine/__fixtures__/parity/<name>.json: PyTorch's
outputs for a design on seeded weights and a seeded input that the TypeScript side can make for
itself (core/weights/init.ts: `initStateDict(graph, seed, 'randomized')` and
`randomInput([N, C, H, W], inputSeed)`; tools/torch/weights.py makes the same float32 values).

Each file holds:
  design, seed, scheme ("randomized"), inputSeed, batch,
  outputs.eval.main and outputs.train.{main, aux1, aux2}: {shape, data: base64 float32 little-endian},
  modules.eval.<moduleId>: {shape, mean, absMax} of each module's eval-mode output;
  calibratedBuffers.<key>: {shape, data} — every BatchNorm running_mean/running_var set to the
    statistics of this input (one train-mode pass with momentum 1, rounded to float32), and
  outputs.evalCalibrated.main / modules.evalCalibrated: eval mode with those buffers.

With the randomized init the plain eval-mode logits barely depend on the input (the signal fades
through ~60 unnormalized layers), so a logit check cannot see errors on the input path; with
calibrated statistics eval-mode batch norm really normalizes and the check has teeth.

Train mode is model.train() with every Dropout in eval mode, so batch norm uses the batch's
statistics and nothing is random.  PyTorch computes in float64 on the float32 weights and input
and the outputs are rounded to float32, so the fixture's own error is far below the tolerance.

Run from the repository root:  /usr/bin/python3 tools/torch/make_parity.py
"""
from __future__ import annotations

import base64
import copy
import json
import os
import random
import subprocess
import sys
import tempfile

import numpy as np
import torch
from torch import nn

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from make_golden import aux_params, make_naive, preset, random_counts, set_input, set_params  # noqa: E402
from reference import InceptionNet, trace  # noqa: E402
from weights import init_from_spec, init_state_dict, random_input  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT_DIR = os.path.join(ROOT, "electron", "engine", "__fixtures__", "parity")
SCHEME = "randomized"
MAX_BYTES = 300 * 1024


def designs() -> list[tuple[str, dict, int, int]]:
    """(file name, design, weight seed, input seed)."""
    g, tv = preset("googlenet"), preset("googlenet-torchvision")
    out = [
        ("googlenet", set_input(copy.deepcopy(g), batch=3), 1, 101),
        ("googlenet-torchvision", set_input(copy.deepcopy(tv), batch=2), 2, 102),
    ]
    # Random counts, two naive modules, a 128×128 input: avgpool and aux heads rebuilt for 4×4 and 2×2 maps.
    d = random_counts(copy.deepcopy(g), random.Random(7))
    rng = random.Random(8)
    make_naive(d, "inception3b", rng)
    make_naive(d, "inception4d", rng)
    d = set_params(aux_params(set_input(d, batch=2, height=128, width=128), in_size=2), "avgpool", kernel=4)
    d["name"] = "GoogLeNet, random counts, 3b and 4d naive, 128×128"
    out.append(("googlenet-edited", d, 3, 103))
    # Ceil-mode and asymmetric pools, an asymmetric conv, an even "5×5" kernel, a padded ceil avgpool.
    d = copy.deepcopy(g)
    set_params(d, "maxpool1", ceil_mode=True, padding=0)
    set_params(d, "conv2", kernel=[3, 5], padding=[1, 2, 2, 1])
    set_params(d, "maxpool2", padding=[0, 1, 0, 1], ceil_mode=True)
    set_params(d, "maxpool3", kernel=[3, 2], padding=[1, 0], ceil_mode=True)
    set_params(d, "inception4b", kernel_5x5=4, pool_ceil=True)
    # 2×2/2 ceil with trailing padding on an even map: the last window would lie wholly in the
    # padding, so it is dropped (the rule PyTorch applies to its own symmetric padding).
    set_params(d, "maxpool4", kernel=2, stride=2, padding=[0, 1, 0, 1], ceil_mode=True)
    set_params(d, "avgpool", kernel=3, stride=2, padding=1, ceil_mode=True, count_include_pad=False)
    d = set_input(d, batch=2, height=112, width=112)
    d["name"] = "GoogLeNet with ceil-mode and asymmetric pools, 112×112"
    out.append(("googlenet-pools", fit_heads(d), 4, 104))
    # Inception v3 as shipped: the fixture's outputs are also checked against torchvision's inception_v3.
    out.append(("inception-v3", set_input(preset("inception-v3"), batch=2), 5, 105))
    return out


def torchvision_twin(design: dict, weights: dict, x: torch.Tensor, eval_out: dict, train_out: dict) -> None:
    """torchvision 0.14's inception_v3 on the same weights and input gives the reference's outputs
    (eval logits; train logits and aux logits with dropout off), or this raises."""
    import torchvision

    tv = torchvision.models.inception_v3(weights=None, aux_logits=design["aux"], init_weights=False, transform_input=False)
    tv.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()}, strict=True)
    tv.double()
    with torch.no_grad():
        tv.eval()
        pairs = [(tv(x), eval_out["main"])]
        tv.train()
        for m in tv.modules():
            if isinstance(m, nn.Dropout):
                m.eval()
        t = tv(x)
        pairs += [(t.logits, train_out["main"]), (t.aux_logits, train_out["aux"])]
    worst = max((a - b).abs().max().item() / b.abs().max().item() for a, b in pairs)
    if worst > 1e-9:
        raise RuntimeError(f"the reference differs from torchvision's inception_v3 by {worst:.2e} (relative)")
    print(f"  torchvision inception_v3 on the same weights: max |difference| / max |value| {worst:.1e} (eval main, train main and aux)")


def fit_heads(d: dict) -> dict:
    """Sets fc1's and the aux heads' in_size to the maps that now reach them, as a user would."""
    net = InceptionNet(d)
    t = trace(net, torch.zeros(1, d["input"]["channels"], d["input"]["height"], d["input"]["width"]))
    for m in d["modules"]:
        src = net.inputs.get(m["id"], ["input"])[0]
        s = t["shapes"].get(src)
        if not s or len(s) != 4:
            continue
        if m["kind"] == "linear":
            m["params"]["in_size"] = s[2:]
        elif m["kind"] == "auxHead" and m["params"].get("pool", "avg") == "avg":
            k, st = m["params"].get("pool_kernel", 5), m["params"].get("pool_stride", 3)
            m["params"]["in_size"] = [(s[2] - k) // st + 1, (s[3] - k) // st + 1]
    return d


def ts_state_dict_spec(design: dict) -> list[dict]:
    with tempfile.NamedTemporaryFile("w", suffix=".json", delete=False) as f:
        json.dump(design, f)
    try:
        out = subprocess.run(["npx", "tsx", "tools/torch/spec.ts", "state-dict", f.name], cwd=ROOT, check=True, capture_output=True, text=True)
    finally:
        os.unlink(f.name)
    return json.loads(out.stdout)


def tensor_entry(t: torch.Tensor) -> dict:
    a = t.detach().to(torch.float32).contiguous().numpy().astype("<f4")
    return {"shape": list(a.shape), "data": base64.b64encode(a.tobytes()).decode("ascii")}


def make(name: str, design: dict, seed: int, input_seed: int) -> dict:
    net = InceptionNet(design)
    # The seeded weights, checked against what core's own state_dict spec gives.
    weights = init_state_dict(net.state_dict(), seed, SCHEME)
    from_ts = init_from_spec(ts_state_dict_spec(design), seed, SCHEME)
    if list(weights) != list(from_ts) or any(not np.array_equal(weights[k], from_ts[k]) for k in weights):
        raise RuntimeError(f"{name}: the reference's state_dict differs from core's stateDictSpec")
    net.load_state_dict({k: torch.from_numpy(v) for k, v in weights.items()})
    net.double()
    inp = design["input"]
    shape = [inp["batch"], inp["channels"], inp["height"], inp["width"]]
    x = torch.from_numpy(random_input(shape, input_seed)).double()

    modules: dict[str, dict] = {}
    hooks = [
        getattr(net, m).register_forward_hook(
            lambda mod, i, o, m=m: modules.__setitem__(m, {"shape": list(o.shape), "mean": o.mean().item(), "absMax": o.abs().max().item()})
        )
        for m in net.order
    ]
    with torch.no_grad():
        net.eval()
        eval_out = net(x)
        for h in hooks:
            h.remove()
        net.train()
        for m in net.modules():
            if isinstance(m, nn.Dropout):
                m.eval()
        train_out = net(x)
        if design.get("preset") == "inception-v3" and name == "inception-v3":
            torchvision_twin(design, weights, x, eval_out, train_out)
        # Calibrate: running statistics := this batch's statistics, rounded to float32.
        for m in net.modules():
            if isinstance(m, nn.BatchNorm2d):
                m.momentum = 1.0
        net(x)
        calibrated: dict[str, dict] = {}
        for key, value in net.state_dict().items():
            if key.endswith(".running_mean") or key.endswith(".running_var"):
                rounded = value.to(torch.float32)
                value.copy_(rounded.double())
                calibrated[key] = tensor_entry(rounded)
        net.eval()
        cal_modules: dict[str, dict] = {}
        hooks = [
            getattr(net, m).register_forward_hook(
                lambda mod, i, o, m=m: cal_modules.__setitem__(m, {"shape": list(o.shape), "mean": o.mean().item(), "absMax": o.abs().max().item()})
            )
            for m in net.order
        ]
        cal_out = net(x)
        for h in hooks:
            h.remove()
    return {
        "design": design,
        "seed": seed,
        "scheme": SCHEME,
        "inputSeed": input_seed,
        "batch": inp["batch"],
        "outputs": {
            "eval": {k: tensor_entry(v) for k, v in eval_out.items()},
            "train": {k: tensor_entry(v) for k, v in train_out.items()},
            "evalCalibrated": {k: tensor_entry(v) for k, v in cal_out.items()},
        },
        "modules": {"eval": modules, "evalCalibrated": cal_modules},
        "calibratedBuffers": calibrated,
    }


def main() -> None:
    torch.set_num_threads(1)
    os.makedirs(OUT_DIR, exist_ok=True)
    only = set(sys.argv[1:])
    for name, design, seed, input_seed in designs():
        if only and name not in only:
            continue
        fixture = make(name, design, seed, input_seed)
        path = os.path.join(OUT_DIR, f"{name}.json")
        with open(path, "w") as f:
            json.dump(fixture, f, separators=(",", ":"))
            f.write("\n")
        size = os.path.getsize(path)
        if size > MAX_BYTES:
            raise RuntimeError(f"{path} is {size:,} bytes; parity fixtures must stay under {MAX_BYTES:,}")
        outs = ", ".join(f"{mode}.{k} {'×'.join(map(str, v['shape']))}" for mode, o in fixture["outputs"].items() for k, v in o.items())
        print(f"{os.path.relpath(path, ROOT)}: {size:,} bytes; {outs}")


if __name__ == "__main__":
    main()
