#!/usr/bin/python3
"""Writes core/analysis/__fixtures__/torch-golden.json: designs measured in PyTorch by the
independent builder tools/torch/reference.py, which core/analysis/torchGolden.test.ts compares
analyze() against.

Each valid case holds the design file and, per module, the output shape (forward hooks at the
design's batch), parameters and MACs per image, plus totals.  Each invalid case holds the modules
PyTorch itself refuses to run, with the issue code and node id the analysis must report.

Run from the repository root:  /usr/bin/python3 tools/torch/make_golden.py
"""
from __future__ import annotations

import copy
import json
import os
import random
import re
import subprocess
import sys

import torch

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from reference import InceptionNet, figures, module_params, trace  # noqa: E402

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OUT = os.path.join(ROOT, "core", "analysis", "__fixtures__", "torch-golden.json")
COUNTS = ("out_1x1", "red_3x3", "out_3x3", "red_5x5", "out_5x5", "out_1x1pool")
# Upper bounds for random filter counts (the spec's largest counts, roughly).
COUNT_MAX = {"out_1x1": 384, "red_3x3": 192, "out_3x3": 384, "red_5x5": 64, "out_5x5": 128, "out_1x1pool": 128}

# PyTorch's error message → the issue code the analysis uses for the same problem.
ERROR_CODES = [
    (re.compile(r"mat1 and mat2 shapes cannot be multiplied"), "linear.inFeatures"),
    (re.compile(r"Kernel size can't be greater than actual input size|padded input size per channel"), "shape.collapsed"),
    (re.compile(r"pad should be (smaller than or equal to|at most) half"), "pool.paddingTooLarge"),
    (re.compile(r"Output size is too small"), "pool.windowTooLarge"),
]


def preset(name: str) -> dict:
    out = subprocess.run(["npx", "inception-explorer", "design", "--preset", name], cwd=ROOT, check=True, capture_output=True, text=True)
    return json.loads(out.stdout)


# ---- design edits (plain JSON surgery on the module list) ------------------------------------


def module(d: dict, mid: str) -> dict:
    return next(m for m in d["modules"] if m["id"] == mid)


def inceptions(d: dict) -> list[str]:
    return [m["id"] for m in d["modules"] if m["kind"] == "inception"]


def set_params(d: dict, mid: str, **params) -> dict:
    module(d, mid)["params"].update(params)
    return d


def set_input(d: dict, batch=None, channels=None, height=None, width=None) -> dict:
    for k, v in (("batch", batch), ("channels", channels), ("height", height), ("width", width)):
        if v is not None:
            d["input"][k] = v
    return d


def random_counts(d: dict, rng: random.Random, ids: list[str] | None = None) -> dict:
    for mid in ids if ids is not None else inceptions(d):
        set_params(d, mid, **{k: rng.randint(1, COUNT_MAX[k]) for k in COUNTS})
    return d


def make_naive(d: dict, mid: str, rng: random.Random | None = None) -> dict:
    p = module(d, mid)["params"]
    p["form"] = "naive"
    if rng:
        p.update(out_1x1=rng.randint(1, 128), out_3x3=rng.randint(1, 128), out_5x5=rng.randint(1, 64))
    return d


def delete(d: dict, mid: str) -> dict:
    """Removes a module; its readers read its input instead, aux heads reading it go too."""
    m = module(d, mid)
    replacement = m["inputs"][0]
    dropped = {mid} | {x["id"] for x in d["modules"] if x.get("aux") and mid in x["inputs"]}
    d["modules"] = [x for x in d["modules"] if x["id"] not in dropped]
    for x in d["modules"]:
        x["inputs"] = [replacement if i == mid else i for i in x["inputs"]]
    d["outputs"] = {k: (replacement if v == mid else v) for k, v in d["outputs"].items() if v not in dropped or v == mid}
    return d


def duplicate(d: dict, mid: str, new_id: str) -> dict:
    """Inserts a copy right after a module, on the main path (aux heads keep reading the original)."""
    i = next(k for k, m in enumerate(d["modules"]) if m["id"] == mid)
    copy_ = {**copy.deepcopy(d["modules"][i]), "id": new_id, "inputs": [mid]}
    for x in d["modules"]:
        if not x.get("aux"):
            x["inputs"] = [new_id if s == mid else s for s in x["inputs"]]
    d["modules"].insert(i + 1, copy_)
    if d["outputs"].get("main") == mid:
        d["outputs"]["main"] = new_id
    return d


def insert_after(d: dict, after: str, new: dict) -> dict:
    """Inserts a new module after `after` on the main path."""
    i = next(k for k, m in enumerate(d["modules"]) if m["id"] == after)
    for x in d["modules"]:
        if not x.get("aux"):
            x["inputs"] = [new["id"] if s == after else s for s in x["inputs"]]
    d["modules"].insert(i + 1, {**new, "inputs": [after]})
    return d


def with_each(d: dict, kind: str, **params) -> dict:
    """Sets parameters on every module of a kind."""
    for m in d["modules"]:
        if m["kind"] == kind:
            m["params"].update(params)
    return d


def aux_params(d: dict, **params) -> dict:
    return with_each(d, "auxHead", **params)


# ---- the corpus -------------------------------------------------------------------------------


def corpus() -> list[tuple[str, dict]]:
    g, tv = preset("googlenet"), preset("googlenet-torchvision")
    G = lambda: copy.deepcopy(g)  # noqa: E731
    T = lambda: copy.deepcopy(tv)  # noqa: E731
    rng = random.Random(20240611)
    cases: list[tuple[str, dict]] = [
        ("googlenet", G()),
        ("googlenet-torchvision", T()),
        ("googlenet, batch 1", set_input(G(), batch=1)),
        ("googlenet, batch 5", set_input(G(), batch=5)),
        ("googlenet, 10 classes", {**G(), "classes": 10}),
        ("googlenet, aux heads off", {**G(), "aux": False}),
        ("googlenet, aux off, 10 classes, batch 2", set_input({**G(), "aux": False, "classes": 10}, batch=2)),
    ]
    for k in range(8):
        cases.append((f"googlenet, random counts in every module #{k + 1}", set_input(random_counts(G(), rng), batch=rng.choice([1, 2, 3]))))
    for k in range(6):
        d = G()
        ids = rng.sample(inceptions(d), rng.randint(1, 4))
        cases.append((f"googlenet, random counts in {', '.join(ids)}", random_counts(d, rng, ids)))
    d = G()
    for mid in ("inception3a", "inception3b"):
        make_naive(d, mid)
    cases.append(("googlenet, 3a and 3b naive with the spec's counts", set_input(d, batch=1)))
    d = random_counts(G(), rng)
    for mid in ("inception4b", "inception5a"):
        make_naive(d, mid, rng)
    cases.append(("googlenet, random counts, 4b and 5a naive", set_input(d, batch=2)))
    d = G()
    for mid in inceptions(d):
        make_naive(d, mid, rng)
    cases.append(("googlenet, every module naive with random counts", set_input(d, batch=1)))
    # Other inputs: the head and aux heads are rebuilt for the smaller maps.
    d = set_params(aux_params(set_input(G(), height=160, width=160), in_size=2), "avgpool", kernel=5)
    cases.append(("googlenet at 3x160x160 (avgpool 5, aux in_size 2)", d))
    d = set_params(aux_params(set_input(G(), batch=2, channels=1, height=96, width=128), in_size=[1, 2]), "avgpool", kernel=[3, 4])
    cases.append(("googlenet at 1x96x128 (avgpool 3x4, aux in_size 1x2)", d))
    d = set_params(aux_params(set_input(G(), batch=1, height=299, width=299), in_size=5), "avgpool", kernel=10)
    cases.append(("googlenet at 3x299x299 (avgpool 10, aux in_size 5)", d))
    d = set_params(set_input(G(), batch=1, height=299, width=299), "fc1", in_size=4)
    cases.append(("googlenet at 3x299x299 with fc1 built for 4x4 and no aux", {**d, "aux": False}))
    # torchvision's variant, edited.
    cases += [
        ("googlenet-torchvision, batch 1", set_input(T(), batch=1)),
        ("googlenet-torchvision, 10 classes, aux off", {**T(), "classes": 10, "aux": False}),
        ("googlenet-torchvision at 3x160x160 (adaptive pools)", set_input(T(), height=160, width=160)),
        ("googlenet-torchvision at 3x299x299, batch 2", set_input(T(), batch=2, height=299, width=299)),
        # Ceil-mode windows overhang the 2×2 map before maxpool3 and the 1×1 map before maxpool4.
        ("googlenet-torchvision at 3x16x16 (ceil-mode windows overhang small maps)", set_input(T(), batch=2, height=16, width=16)),
        ("googlenet-torchvision, random counts", random_counts(T(), rng)),
        ("googlenet-torchvision, 5x5 branches back to 5x5", with_each(T(), "inception", kernel_5x5=5)),
        ("googlenet-torchvision, inception4c naive", make_naive(T(), "inception4c", rng)),
        ("googlenet-torchvision without conv2", delete(T(), "conv2")),
    ]
    # Deleted and duplicated modules.
    cases += [
        ("googlenet without inception3b", delete(G(), "inception3b")),
        ("googlenet without inception4b and inception4c", delete(delete(G(), "inception4b"), "inception4c")),
        ("googlenet without inception4a (and aux1)", delete(G(), "inception4a")),
        ("googlenet without maxpool4", set_params(delete(G(), "maxpool4"), "avgpool", kernel=14)),
        ("googlenet with inception4c duplicated", duplicate(G(), "inception4c", "inception4c_2")),
        ("googlenet with inception5b duplicated twice", duplicate(duplicate(G(), "inception5b", "inception5b_2"), "inception5b_2", "inception5b_3")),
        ("googlenet-torchvision with inception3a duplicated, random counts", duplicate(random_counts(T(), rng), "inception3a", "inception3a_2")),
    ]
    # Ceil mode, asymmetric padding, even and non-square kernels, other flavors, extra layers.
    d = G()
    set_params(d, "maxpool1", ceil_mode=True, padding=0)
    set_params(d, "maxpool2", padding=[0, 1, 0, 1], ceil_mode=True)
    set_params(d, "maxpool3", kernel=[3, 2], stride=[2, 2], padding=[1, 0])
    set_params(d, "conv2", kernel=[3, 5], padding=[1, 2, 2, 1])
    set_params(d, "inception4b", kernel_5x5=4, pool_ceil=True)
    set_params(d, "inception5a", kernel_5x5=7)
    set_params(d, "maxpool4", kernel=2, stride=2, padding=[0, 1, 0, 1], ceil_mode=True)  # a last window wholly in padding is dropped
    set_params(d, "fc1", in_size=[2, 1])  # the map before avgpool is now 8×7
    cases.append(("googlenet with ceil-mode and asymmetric pools, even and non-square kernels", set_input(d, batch=2)))
    d = G()
    set_params(d, "avgpool", kernel=3, stride=2, padding=1, count_include_pad=False, ceil_mode=True)
    set_params(d, "fc1", in_size=4)
    cases.append(("googlenet with a 3x3/2 ceil-mode avgpool and fc1 built for 4x4", d))
    d = G()
    for kind in ("convBlock", "inception", "auxHead"):
        with_each(d, kind, conv_bias=False, bn_eps=1e-3, bn_name="bn")
    cases.append(("googlenet without conv bias, bn named bn", d))
    d = insert_after(G(), "maxpool1", {"id": "lrn1", "kind": "localResponseNorm", "params": {"size": 5, "alpha": 1e-4, "beta": 0.75, "k": 2}, "stage": "stem"})
    d = insert_after(d, "conv2", {"id": "lrn2", "kind": "localResponseNorm", "params": {}, "stage": "stem"})
    d = insert_after(d, "conv1", {"id": "conv1b", "kind": "conv2d", "params": {"out_channels": 32, "kernel": 3, "padding": 1, "groups": 2}, "stage": "stem"})
    cases.append(("googlenet with LRN layers and a grouped conv (the paper's stem)", d))
    d = aux_params(G(), pool="adaptive", pool_size=[4, 4], conv_out=64, hidden=512, out_features=100)
    set_params(d, "fc1", out_features=100)
    cases.append(("googlenet with adaptive-pool aux heads of 64 filters, 512 hidden, 100 outputs", {**d, "classes": 100}))
    d = G()
    set_params(d, "dropout", p=0.2)
    d = insert_after(d, "fc1", {"id": "fc2", "kind": "linear", "params": {"out_features": 10}, "stage": "head"})
    d["outputs"]["main"] = "fc2"
    cases.append(("googlenet with a second linear layer after fc1", d))
    # Invalid designs: PyTorch itself refuses these.
    cases += [
        ("INVALID googlenet at 3x299x299: fc1 and aux heads no longer fit", set_input(G(), height=299, width=299)),
        ("INVALID googlenet at 3x160x160: avgpool window and aux heads", set_input(G(), height=160, width=160)),
        ("INVALID googlenet at 3x32x32: pools larger than their maps", set_input(G(), batch=1, height=32, width=32)),
        ("INVALID googlenet-torchvision at 3x4x4: input too small for the stem", set_input(T(), batch=1, height=4, width=4)),
        # Ceil mode lets maxpool2's 3×3 window overhang its 2×2 input; maxpool3 then has a 1×1 map.
        ("INVALID googlenet-torchvision at 3x8x8: ceil-mode pools run until maxpool3", set_input(T(), batch=1, height=8, width=8)),
        ("INVALID googlenet with conv1 unpadded at 3x5x5: conv1 collapses", set_input(set_params(G(), "conv1", padding=0), batch=1, height=5, width=5)),
        ("INVALID googlenet with maxpool2 padded by 2", set_params(G(), "maxpool2", padding=2)),
        ("INVALID googlenet-torchvision at 3x299x299 without aux, fc built for 2x2", set_params({**T(), "aux": False}, "fc", in_size=2)),
    ]
    return cases + v3_corpus()


V3_COUNT_FIELDS = {
    kind: [k for k, v in params.items() if isinstance(v, int) and not isinstance(v, bool) and k not in ("num_classes",)]
    for kind, params in __import__("reference_v3").V3_DEFAULTS.items()
}


def v3_random_counts(d: dict, rng: random.Random, ids: list[str] | None = None) -> dict:
    """Random counts (1 to twice torchvision's) in v3's mixed modules."""
    defaults = __import__("reference_v3").V3_DEFAULTS
    for m in d["modules"]:
        if m["kind"] in V3_COUNT_FIELDS and m["kind"] != "inceptionAux" and (ids is None or m["id"] in ids):
            m["params"].update({k: rng.randint(1, 2 * defaults[m["kind"]][k]) for k in V3_COUNT_FIELDS[m["kind"]]})
    return d


def v3_corpus() -> list[tuple[str, dict]]:
    """Inception v3 (torchvision's inception_v3) and edited v3 designs."""
    v3 = preset("inception-v3")
    V = lambda: copy.deepcopy(v3)  # noqa: E731
    rng = random.Random(20261130)
    cases: list[tuple[str, dict]] = [
        ("inception-v3", V()),
        ("inception-v3, aux off", {**V(), "aux": False}),
        ("inception-v3, 10 classes, batch 1", set_input({**V(), "classes": 10}, batch=1)),
        ("inception-v3, random counts in every mixed module", v3_random_counts(V(), rng)),
        ("inception-v3, random counts in Mixed_5c, Mixed_6b, Mixed_7b", v3_random_counts(V(), rng, ["Mixed_5c", "Mixed_6b", "Mixed_7b"])),
        ("inception-v3, random counts, aux head of 64 and 256 filters", set_params(v3_random_counts(V(), rng), "AuxLogits", conv0=64, conv1=256)),
        ("inception-v3 at 3x342x342, batch 1", set_input(V(), batch=1, height=342, width=342)),
        ("inception-v3 at 3x224x224, aux off", set_input({**V(), "aux": False}, batch=1, height=224, width=224)),
        ("inception-v3 at 1x160x200, aux off", set_input({**V(), "aux": False}, batch=1, channels=1, height=160, width=200)),
        ("inception-v3 without Mixed_6c", delete(V(), "Mixed_6c")),
        ("inception-v3 with Mixed_7c duplicated", duplicate(V(), "Mixed_7c", "Mixed_7d")),
        ("inception-v3 with BN eps 1e-5 and conv bias", with_each(with_each(with_each(with_each(with_each(with_each(V(), "inceptionA", bn_eps=1e-5, conv_bias=True), "inceptionB", bn_eps=1e-5, conv_bias=True), "inceptionC", bn_eps=1e-5, conv_bias=True), "inceptionD", bn_eps=1e-5, conv_bias=True), "inceptionE", bn_eps=1e-5, conv_bias=True), "convBlock", bn_eps=1e-5, conv_bias=True)),
        ("inception-v3 with transform_input on", set_params(V(), "transform_input", enabled=True)),
        ("INVALID inception-v3 at 3x224x224: the aux head's 5x5 conv no longer fits", set_input(V(), batch=2, height=224, width=224)),
    ]
    return cases


def code_for(message: str) -> str:
    for pattern, code in ERROR_CODES:
        if pattern.search(message):
            return code
    raise RuntimeError(f"no issue code for PyTorch's message: {message}")


def measure(name: str, design: dict) -> dict:
    torch.manual_seed(0)
    net = InceptionNet(design)
    case = {"name": name, "design": design}
    if name.startswith("INVALID"):
        d = design["input"]
        t = trace(net, torch.zeros(d["batch"], d["channels"], d["height"], d["width"]))
        if not t["errors"]:
            raise RuntimeError(f"{name}: PyTorch runs this design; it is not invalid")
        case["valid"] = False
        case["issues"] = [{"code": code_for(msg), "nodeId": mid, "torch": msg[:200]} for mid, msg in t["errors"].items()]
        case["modules"] = {mid: {"shape": s, "params": module_params(getattr(net, mid)), "macs": t["macs"][mid]} for mid, s in t["shapes"].items()}
        case["blocked"] = t["blocked"]
        return case
    f = figures(net)
    case["valid"] = True
    case["modules"] = f["modules"]
    case["totals"] = f["totals"]
    return case


def main() -> None:
    torch.set_num_threads(1)
    cases = []
    for name, design in corpus():
        case = measure(name, design)
        cases.append(case)
        summary = f"params {case['totals']['params']:,}, MACs {case['totals']['macs']:,}" if case["valid"] else \
            "; ".join(f"{i['nodeId']}: {i['code']}" for i in case["issues"])
        print(f"{name}: {summary}")
    golden = {
        "generator": "tools/torch/make_golden.py with tools/torch/reference.py",
        "torch": torch.__version__,
        "cases": cases,
    }
    with open(OUT, "w") as fp:
        json.dump(golden, fp, separators=(",", ":"))
        fp.write("\n")
    print(f"wrote {len(cases)} cases to {os.path.relpath(OUT, ROOT)} ({os.path.getsize(OUT):,} bytes)")


if __name__ == "__main__":
    main()
